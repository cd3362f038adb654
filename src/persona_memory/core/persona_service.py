"""Creating, reading, changing and deleting personas, each in one transaction."""

from __future__ import annotations

from persona_memory.core.base import utcnow
from persona_memory.core.errors import AlreadyExists
from persona_memory.core.ids import check_persona_id
from persona_memory.core.personas import (
    Persona,
    PersonaCreate,
    PersonaNotFound,
    PersonaUpdate,
    updated,
)
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.transcripts import TranscriptStore


class PersonaService:
    """Personas, the AI characters; reached as ``memory.personas``."""

    def __init__(self, store: Store, transcripts: TranscriptStore | None = None) -> None:
        self._store = store
        self._transcripts = transcripts

    def create(self, data: PersonaCreate, *, exist_ok: bool = False) -> Persona:
        """Create a persona; ``AlreadyExists`` if its id is taken, unless ``exist_ok``:
        then the persona with that id, unchanged (a script can run twice)."""
        now = utcnow()
        persona = Persona(**data.model_dump(), created_at=now, updated_at=now)
        with self._store.transaction() as tx:
            if tx.insert_persona(persona):
                return persona
            if exist_ok:
                return require_persona(tx, persona.id)
        raise AlreadyExists("persona", persona.id)

    def get(self, persona_id: str) -> Persona:
        """The persona; ``PersonaNotFound`` if there is none."""
        with self._store.read() as tx:
            return require_persona(tx, persona_id)

    def all(self) -> list[Persona]:
        """Every persona."""
        with self._store.read() as tx:
            return tx.list_personas()

    def update(self, persona_id: str, changes: PersonaUpdate) -> Persona:
        """Change the fields ``changes`` sets; the others stay."""
        with self._store.transaction() as tx:
            current = require_persona(tx, persona_id, for_update=True)
            persona = updated(current, changes, utcnow())
            tx.update_persona(persona)
        return persona

    def delete(self, persona_id: str) -> None:
        """Delete the persona with its own memories and its relationships."""
        with self._store.transaction() as tx:
            if not tx.delete_persona(check_persona_id(persona_id)):
                raise PersonaNotFound(persona_id)
            if self._transcripts is not None:
                self._transcripts.delete_persona(persona_id)


def require_persona(tx: Transaction, persona_id: str, *, for_update: bool = False) -> Persona:
    persona = tx.get_persona(check_persona_id(persona_id), for_update=for_update)
    if persona is None:
        raise PersonaNotFound(persona_id)
    return persona
