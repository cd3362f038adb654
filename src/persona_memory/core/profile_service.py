"""Profiles of users as each persona keeps them: read, merge, replace, clear.

A change runs in one transaction under the relationship's row lock: it reads
the profile, checks the expected version, applies a pure change and records
the history, so concurrent changes never lose one another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.persona_service import require_persona
from persona_memory.core.personas import Persona
from persona_memory.core.ports import Store, Transaction
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
from persona_memory.core.relationship_service import open_relationship, require_relationship

Schema = Mapping[str, ProfileCategory]
Change = Callable[[Schema, Categories], Categories]


class ProfileService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, persona_id: str, user_id: str, *, caller: Caller = ADMIN) -> Profile:
        """The profile with every declared category (empty ones as ``{}``)."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            persona = require_persona(tx, persona_id)
            require_relationship(tx, persona_id, user_id)
            return _declared(persona, user_id, tx.get_profile(persona_id, user_id))

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
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            require_relationship(tx, persona_id, user_id)
            return tx.profile_history(persona_id, user_id)

    def prompt_section(self, persona_id: str, user_id: str) -> str:
        """The profile as the persona's prompt section ("STUDENT MEMORY" style); "" if none."""
        with self._store.read() as tx:
            persona = require_persona(tx, persona_id)
            profile = _declared(persona, user_id, tx.get_profile(persona_id, user_id))
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
    persona = require_persona(tx, persona_id)
    now = utcnow()
    open_relationship(tx, persona_id, user_id, now, lock=True)
    stored = tx.get_profile(persona_id, user_id)
    current = stored.categories if stored else {}
    version = stored.version if stored else 0
    check_version(expected_version, version)
    new = change(persona.profile_schema, current)
    if new == current:
        return _declared(persona, user_id, stored)
    profile = Profile(
        persona_id=persona_id, user_id=user_id, categories=new, version=version + 1, updated_at=now
    )
    tx.save_profile(profile)
    tx.add_profile_history(persona_id, user_id, event, diff(current, new), now)
    return _declared(persona, user_id, profile)


def _declared(persona: Persona, user_id: str, stored: Profile | None) -> Profile:
    """The stored profile seen through the persona's schema: every declared
    category, empty ones as ``{}``."""
    found = stored.categories if stored else {}
    return Profile(
        persona_id=persona.id,
        user_id=user_id,
        categories={name: found.get(name, {}) for name in persona.profile_schema},
        version=stored.version if stored else 0,
        updated_at=stored.updated_at if stored else None,
    )
