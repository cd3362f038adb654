"""Persona rows."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update

from persona_memory.core.personas import Persona
from persona_memory.storage.dialect import insert_ignoring_duplicates
from persona_memory.storage.rows import persona_from_row
from persona_memory.storage.schema import metadata, personas
from persona_memory.storage.sql.base import Rows, locked

# Built once: most operations check their persona, and building the SELECT cost
# twice as much as running it.
_PERSONA = select(personas).where(personas.c.id == bindparam("id"))
_LOCK_PERSONA = locked(_PERSONA, True)


class PersonaSql(Rows):
    def insert_persona(self, persona: Persona) -> bool:
        return insert_ignoring_duplicates(self.connection, personas, persona.model_dump()) > 0

    def get_persona(self, persona_id: str, *, for_update: bool = False) -> Persona | None:
        statement = _LOCK_PERSONA if for_update else _PERSONA
        row = self.connection.execute(statement, {"id": persona_id}).first()
        return None if row is None else persona_from_row(row)

    def list_personas(self) -> list[Persona]:
        rows = self.connection.execute(select(personas).order_by(personas.c.id))
        return [persona_from_row(row) for row in rows]

    def update_persona(self, persona: Persona) -> None:
        self.connection.execute(
            update(personas).where(personas.c.id == persona.id).values(persona.model_dump())
        )

    def delete_persona(self, persona_id: str) -> bool:
        """Every row naming the persona goes, children first, then the persona."""
        for table in reversed(metadata.sorted_tables):
            if table is not personas and "persona_id" in table.c:
                self.connection.execute(delete(table).where(table.c.persona_id == persona_id))
        result = self.connection.execute(delete(personas).where(personas.c.id == persona_id))
        return result.rowcount > 0
