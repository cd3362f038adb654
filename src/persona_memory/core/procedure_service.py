"""Procedural memory: a persona's templates and a relationship's overrides."""

from __future__ import annotations

from datetime import datetime

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.persona_service import require_persona
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.procedures import (
    Procedure,
    ProcedureHit,
    ProcedureNotFound,
    ProcedurePut,
    check_key,
    effective,
    new_procedure,
    ranked,
)
from persona_memory.core.relationship_service import open_relationship, require_relationship


class ProcedureService:
    """Procedures, how a persona behaves (``greeting_pattern``: "Yo {name}!"):
    templates by key, overridable per relationship; reached as
    ``memory.procedures``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def put(
        self,
        persona_id: str,
        key: str,
        data: ProcedurePut,
        *,
        user_id: str | None = None,
        caller: Caller = ADMIN,
    ) -> Procedure:
        """Set the persona's template for ``key`` (or, with ``user_id``, the
        relationship's own, which overrides the persona's)."""
        _check(caller, persona_id, user_id)
        with self._store.transaction() as tx:
            now = utcnow()
            _owner(tx, persona_id, user_id, now)
            current = tx.get_procedure(persona_id, user_id, check_key(key))
            procedure = new_procedure(key, persona_id, user_id, data, now)
            if current is not None:
                procedure = procedure.model_copy(update={"created_at": current.created_at})
            tx.put_procedure(procedure)
        return procedure

    def get(
        self, persona_id: str, key: str, *, user_id: str | None = None, caller: Caller = ADMIN
    ) -> Procedure:
        """The template that applies: with ``user_id``, the relationship's own, else
        the persona's."""
        _check(caller, persona_id, user_id)
        with self._store.read() as tx:
            _existing_owner(tx, persona_id, user_id)
            found = None
            if user_id is not None:
                found = tx.get_procedure(persona_id, user_id, key)
            found = found or tx.get_procedure(persona_id, None, key)
        if found is None:
            raise ProcedureNotFound(key)
        return found

    def all(
        self, persona_id: str, *, user_id: str | None = None, caller: Caller = ADMIN
    ) -> list[Procedure]:
        """Every template that applies, by key (a relationship's override the persona's)."""
        _check(caller, persona_id, user_id)
        with self._store.read() as tx:
            _existing_owner(tx, persona_id, user_id)
            own = tx.list_procedures(persona_id, None)
            mine = tx.list_procedures(persona_id, user_id) if user_id is not None else []
        return effective(own, mine)

    def search(
        self,
        persona_id: str,
        query: str,
        *,
        user_id: str | None = None,
        limit: int = 10,
        caller: Caller = ADMIN,
    ) -> list[ProcedureHit]:
        """The templates that apply whose key or text share words with ``query``,
        best first."""
        return ranked(self.all(persona_id, user_id=user_id, caller=caller), query, limit)

    def delete(
        self, persona_id: str, key: str, *, user_id: str | None = None, caller: Caller = ADMIN
    ) -> None:
        """Delete this scope's own template (a persona's stays when a relationship's goes)."""
        _check(caller, persona_id, user_id)
        with self._store.transaction() as tx:
            _existing_owner(tx, persona_id, user_id)
            if not tx.delete_procedure(persona_id, user_id, key):
                raise ProcedureNotFound(key)


def _check(caller: Caller, persona_id: str, user_id: str | None) -> None:
    if user_id is not None:
        caller.check_relationship(persona_id, user_id)


def _owner(tx: Transaction, persona_id: str, user_id: str | None, now: datetime) -> None:
    if user_id is None:
        require_persona(tx, persona_id)
    else:
        open_relationship(tx, persona_id, user_id, now)


def _existing_owner(tx: Transaction, persona_id: str, user_id: str | None) -> None:
    if user_id is None:
        require_persona(tx, persona_id)
    else:
        require_relationship(tx, persona_id, user_id)
