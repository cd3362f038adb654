"""Procedure rows: a persona's own (``user_id`` NULL) and a relationship's."""

from __future__ import annotations

from sqlalchemy import RowMapping, bindparam, delete, select

from persona_memory.core.procedures import Procedure
from persona_memory.core.scope import Scope
from persona_memory.storage.dialect import upsert
from persona_memory.storage.schema import procedures
from persona_memory.storage.sql.base import Rows

# Built once: every prompt lists the persona's and the relationship's procedures.
_IN_SCOPE = (
    select(procedures)
    .where(procedures.c.scope_key == bindparam("scope_key"))
    .order_by(procedures.c.key)
)


def _scope_key(persona_id: str, user_id: str | None) -> str:
    scope = Scope.relationship(persona_id, user_id) if user_id else Scope.persona(persona_id)
    return scope.key


class ProcedureSql(Rows):
    def put_procedure(self, procedure: Procedure) -> None:
        """Insert, or replace the template of the same key in the same scope."""
        values = {
            **procedure.model_dump(),
            "scope_key": _scope_key(procedure.persona_id, procedure.user_id),
        }
        upsert(
            self.connection,
            procedures,
            values,
            key=["scope_key", "key"],
            update=["template", "description", "updated_at"],
        )

    def get_procedure(self, persona_id: str, user_id: str | None, key: str) -> Procedure | None:
        statement = select(procedures).where(
            procedures.c.scope_key == _scope_key(persona_id, user_id), procedures.c.key == key
        )
        row = self.connection.execute(statement).first()
        return None if row is None else _procedure(row._mapping)

    def list_procedures(self, persona_id: str, user_id: str | None) -> list[Procedure]:
        rows = self.connection.execute(_IN_SCOPE, {"scope_key": _scope_key(persona_id, user_id)})
        return [_procedure(row._mapping) for row in rows.all()]

    def delete_procedure(self, persona_id: str, user_id: str | None, key: str) -> bool:
        result = self.connection.execute(
            delete(procedures).where(
                procedures.c.scope_key == _scope_key(persona_id, user_id), procedures.c.key == key
            )
        )
        return result.rowcount > 0


def _procedure(row: RowMapping) -> Procedure:
    values = dict(row)
    values.pop("pk")
    values.pop("scope_key")
    return Procedure.model_validate(values)
