"""Profiles of users as each persona keeps them: read, merge, replace, clear.

A change runs in one transaction under the relationship's row lock: it reads
the profile, checks the expected version, applies a pure change and records
the history, so concurrent changes never lose one another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from persona_memory.core.base import FROM_STORE, utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.ids import check_user_id
from persona_memory.core.persona_service import require_persona
from persona_memory.core.personas import PersonaNotFound
from persona_memory.core.ports import ProfileRecord, Store, Transaction
from persona_memory.core.profiles import (
    Categories,
    Operation,
    Profile,
    ProfileCategory,
    ProfileHistoryEntry,
    apply,
    check_category,
    check_version,
    diff,
    render_section,
)
from persona_memory.core.relationship_service import (
    open_relationship,
    require_relationship,
    well_formed,
)

Schema = Mapping[str, ProfileCategory]
Change = Callable[[Schema, Categories], Categories]


class ProfileService:
    """Profiles; reached as ``memory.profiles``: what a persona keeps about a
    user as JSON by category, checked against the persona's profile schema."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, persona_id: str, user_id: str, *, caller: Caller = ADMIN) -> Profile:
        """The profile with every declared category (empty ones as ``{}``)."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            record = _record(tx, persona_id, user_id)
            if not record.related:
                require_relationship(tx, persona_id, user_id)
        return _declared(record.schema, persona_id, user_id, record.profile)

    def update(
        self,
        persona_id: str,
        user_id: str,
        category: str,
        data: object,
        operation: Operation = "merge",
        expected_version: int | None = None,
        *,
        caller: Caller = ADMIN,
    ) -> Profile:
        """Merge ``data`` into one category (or replace it)."""

        def change(schema: Schema, current: Categories) -> Categories:
            return apply(schema, current, category, data, operation)

        return self._change(
            persona_id, user_id, change, operation.upper(), expected_version, caller
        )

    def put(
        self,
        persona_id: str,
        user_id: str,
        categories: Mapping[str, object],
        expected_version: int | None = None,
        *,
        caller: Caller = ADMIN,
    ) -> Profile:
        """Replace each category given; the others stay as they are (last write wins)."""

        def change(schema: Schema, current: Categories) -> Categories:
            checked = {
                name: check_category(schema, name, data) for name, data in categories.items()
            }
            return {**current, **checked}

        return self._change(persona_id, user_id, change, "PUT", expected_version, caller)

    def clear(
        self,
        persona_id: str,
        user_id: str,
        category: str | None = None,
        expected_version: int | None = None,
        *,
        caller: Caller = ADMIN,
    ) -> Profile:
        """Clear one category, or every category when none is named."""

        def change(schema: Schema, current: Categories) -> Categories:
            if category is None:
                return {}
            check_category(schema, category, {})
            return {name: data for name, data in current.items() if name != category}

        return self._change(persona_id, user_id, change, "CLEAR", expected_version, caller)

    def history(
        self, persona_id: str, user_id: str, *, caller: Caller = ADMIN
    ) -> list[ProfileHistoryEntry]:
        """Every change of the profile, category by category, oldest first."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            require_relationship(tx, persona_id, user_id)
            return tx.profile_history(persona_id, user_id)

    def prompt_section(self, persona_id: str, user_id: str) -> str:
        """The profile as the persona's prompt section ("STUDENT MEMORY" style); "" if none."""
        with self._store.read() as tx:
            persona = require_persona(tx, persona_id)
            stored = tx.get_profile(persona_id, user_id)
        profile = _declared(persona.profile_schema, persona_id, user_id, stored)
        return render_section(persona.profile_title, persona.profile_schema, profile.categories)

    def _change(
        self,
        persona_id: str,
        user_id: str,
        change: Change,
        event: str,
        expected_version: int | None,
        caller: Caller,
    ) -> Profile:
        caller.check_relationship(persona_id, user_id)
        with self._store.transaction() as tx:
            return change_profile(tx, persona_id, user_id, change, event, expected_version)


def change_profile(
    tx: Transaction,
    persona_id: str,
    user_id: str,
    change: Change,
    event: str,
    expected_version: int | None = None,
) -> Profile:
    now = utcnow()
    # Under the relationship's row lock, the profile as the last writer left it.
    record = _record(tx, persona_id, user_id, lock=True)
    if not record.related:
        open_relationship(tx, persona_id, user_id, now, lock=True)
        record = _record(tx, persona_id, user_id)
    stored = record.profile
    current = stored.categories if stored else {}
    version = stored.version if stored else 0
    check_version(expected_version, version)
    new = change(record.schema, current)
    if new == current:
        return _declared(record.schema, persona_id, user_id, stored)
    profile = Profile(
        persona_id=persona_id, user_id=user_id, categories=new, version=version + 1, updated_at=now
    )
    tx.save_profile(profile)
    tx.add_profile_history(persona_id, user_id, event, diff(current, new), now)
    return _declared(record.schema, persona_id, user_id, profile)


def _record(tx: Transaction, persona_id: str, user_id: str, *, lock: bool = False) -> ProfileRecord:
    """Persona, relationship and profile in one query, not three (0.2-0.4 ms each).
    If there is no persona, the error the separate checks raise, in their order."""
    record = None
    if well_formed(persona_id, user_id):
        record = tx.profile_record(persona_id, user_id, lock=lock)
    if record is None:
        require_persona(tx, persona_id)  # a malformed id or no such persona
        check_user_id(user_id)
        # There now, not a statement ago (PostgreSQL reads each one afresh): as if
        # this had run first.
        raise PersonaNotFound(persona_id)
    return record


def _declared(schema: Schema, persona_id: str, user_id: str, stored: Profile | None) -> Profile:
    """The stored profile seen through the persona's schema: every declared
    category, empty ones as ``{}``."""
    found = stored.categories if stored else {}
    values = {
        "persona_id": persona_id,
        "user_id": user_id,
        "categories": {name: found.get(name, {}) for name in schema},
        "version": stored.version if stored else 0,
        "updated_at": stored.updated_at if stored else None,
    }
    # Parts of a profile that was checked when stored (or just now, before saving).
    return Profile.model_validate(values, context=FROM_STORE)
