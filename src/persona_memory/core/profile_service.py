"""Profiles of users as each persona keeps them: read, merge, replace, clear."""

from __future__ import annotations

from collections.abc import Mapping

from persona_memory.core.errors import PersonaNotFound
from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.models import Persona
from persona_memory.core.ports import Store
from persona_memory.core.profiles import (
    Categories,
    Operation,
    Profile,
    ProfileChange,
    ProfileHistoryEntry,
    apply,
    check_category,
    render_section,
)


class ProfileService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, persona_id: str, user_id: str) -> Profile:
        """The profile with every declared category (empty ones as ``{}``)."""
        persona = self._persona(persona_id)
        stored = self._store.get_profile(persona_id, check_user_id(user_id))
        return _declared(persona, user_id, stored)

    def update(
        self,
        persona_id: str,
        user_id: str,
        category: str,
        data: object,
        operation: Operation = "merge",
        expected_version: int | None = None,
    ) -> Profile:
        """Merge ``data`` into one category (or replace it)."""
        persona = self._persona(persona_id)
        schema = persona.profile_schema
        check_category(schema, category, data)  # fail before touching the store
        return self._change(
            persona,
            user_id,
            lambda current: apply(schema, current, category, data, operation),
            event=operation.upper(),
            expected_version=expected_version,
        )

    def put(
        self,
        persona_id: str,
        user_id: str,
        categories: Mapping[str, object],
        expected_version: int | None = None,
    ) -> Profile:
        """Replace each category given; the others stay as they are (last write wins)."""
        persona = self._persona(persona_id)
        schema = persona.profile_schema
        checked = {name: check_category(schema, name, data) for name, data in categories.items()}
        return self._change(
            persona,
            user_id,
            lambda current: {**current, **checked},
            event="PUT",
            expected_version=expected_version,
        )

    def clear(
        self,
        persona_id: str,
        user_id: str,
        category: str | None = None,
        expected_version: int | None = None,
    ) -> Profile:
        """Clear one category, or every category when none is named."""
        persona = self._persona(persona_id)
        if category is not None:
            check_category(persona.profile_schema, category, {})

        def cleared(current: Categories) -> Categories:
            if category is None:
                return {}
            return {name: data for name, data in current.items() if name != category}

        return self._change(
            persona, user_id, cleared, event="CLEAR", expected_version=expected_version
        )

    def history(self, persona_id: str, user_id: str) -> list[ProfileHistoryEntry]:
        self._persona(persona_id)
        return self._store.profile_history(persona_id, check_user_id(user_id))

    def prompt_section(self, persona_id: str, user_id: str) -> str:
        """The profile as the persona's prompt section ("STUDENT MEMORY" style)."""
        persona = self._persona(persona_id)
        profile = _declared(persona, user_id, self._store.get_profile(persona_id, user_id))
        return render_section(persona.profile_title, persona.profile_schema, profile.categories)

    def _change(
        self,
        persona: Persona,
        user_id: str,
        change: ProfileChange,
        *,
        event: str,
        expected_version: int | None,
    ) -> Profile:
        changed = self._store.modify_profile(
            persona.id,
            check_user_id(user_id),
            change,
            event=event,
            expected_version=expected_version,
        )
        return _declared(persona, user_id, changed)

    def _persona(self, persona_id: str) -> Persona:
        persona = self._store.get_persona(check_persona_id(persona_id))
        if persona is None:
            raise PersonaNotFound(persona_id)
        return persona


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
