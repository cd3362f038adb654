"""Personas: the AI characters whose memories we keep."""

from __future__ import annotations

from persona_memory.core.errors import PersonaNotFound
from persona_memory.core.models import Persona, PersonaCreate, PersonaUpdate, utcnow
from persona_memory.core.ports import PersonaStore


class PersonaService:
    def __init__(self, store: PersonaStore) -> None:
        self._store = store

    def create(self, data: PersonaCreate) -> Persona:
        now = utcnow()
        persona = Persona(**data.model_dump(), created_at=now, updated_at=now)
        self._store.create_persona(persona)
        return persona

    def get(self, persona_id: str) -> Persona:
        persona = self._store.get_persona(persona_id)
        if persona is None:
            raise PersonaNotFound(persona_id)
        return persona

    def all(self) -> list[Persona]:
        return self._store.list_personas()

    def update(self, persona_id: str, changes: PersonaUpdate) -> Persona:
        current = self.get(persona_id)
        given = changes.model_dump(exclude_unset=True)
        updated = Persona.model_validate(current.model_dump() | given | {"updated_at": utcnow()})
        self._store.replace_persona(updated)
        return updated

    def delete(self, persona_id: str) -> None:
        """Delete the persona with its own memories and its relationships."""
        if not self._store.delete_persona(persona_id):
            raise PersonaNotFound(persona_id)
