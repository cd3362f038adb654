"""Turns a :class:`MemoryQuery` into one WHERE clause.

Isolation is enforced here and only here: every read of memories goes through
:func:`memory_where`, whose first conjunct is the scope predicate.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.memories import MemoryQuery
from persona_memory.core.scope import Scope
from persona_memory.storage.schema import memories, memory_tags


def scope_predicate(scopes: Sequence[Scope]) -> ColumnElement[bool]:
    if not scopes:
        return false()
    return or_(*(_one_scope(scope) for scope in scopes))


def _one_scope(scope: Scope) -> ColumnElement[bool]:
    persona = memories.c.persona_id
    user = memories.c.user_id
    return and_(
        memories.c.scope == scope.kind.value,
        persona.is_(None) if scope.persona_id is None else persona == scope.persona_id,
        user.is_(None) if scope.user_id is None else user == scope.user_id,
    )


def memory_where(query: MemoryQuery) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [scope_predicate(query.scopes)]
    if query.category is not None:
        clauses.append(memories.c.category == query.category)
    if query.tags:
        clauses.append(
            exists(
                select(memory_tags.c.tag).where(
                    memory_tags.c.memory_pk == memories.c.pk,
                    memory_tags.c.tag.in_(list(query.tags)),
                )
            )
        )
    if query.created_after is not None:
        clauses.append(memories.c.created_at >= query.created_after)
    if query.created_before is not None:
        clauses.append(memories.c.created_at < query.created_before)
    if query.valid_at is not None:
        clauses.append(
            or_(memories.c.valid_from.is_(None), memories.c.valid_from <= query.valid_at)
        )
        clauses.append(or_(memories.c.valid_to.is_(None), memories.c.valid_to > query.valid_at))
    if query.current_at is not None:
        clauses.append(or_(memories.c.valid_to.is_(None), memories.c.valid_to > query.current_at))
    if query.min_importance is not None:
        clauses.append(memories.c.importance >= query.min_importance)
    return and_(*clauses)
