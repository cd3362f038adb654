"""Turns a :class:`MemoryQuery` into one WHERE clause.

Isolation is enforced here and only here: every read of memories goes through
:func:`memory_where`, whose first conjunct is the scope predicate.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists, false, or_, select
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
    if query.referenceable_only:
        clauses.append(memories.c.can_reference.is_(True))
    return and_(*clauses)


# --- the same clause, built once per shape ----------------------------------
#
# Building memory_where() and hashing it for SQLAlchemy's statement cache costs
# about 1.5 ms, as much as a small full-text search. The hot reads (search)
# therefore use a clause of bound parameters built once per *shape* (which
# scopes have a persona and a user, whether expired rows are left out) and
# pass the values at execution. It is memory_where for an unfiltered query,
# the same conjuncts in the same order; tests check the two agree.

# Per scope (no persona, no user); expired left out; unreferenceable left out.
WhereShape = tuple[tuple[tuple[bool, bool], ...], bool, bool]


@dataclass(frozen=True, slots=True)
class BoundWhere:
    shape: WhereShape
    clause: ColumnElement[bool]
    params: dict[str, Any]


def bound_where(query: MemoryQuery) -> BoundWhere | None:
    """memory_where(query) as a cached clause and its values; None when the
    query has filters (those are built each time, by memory_where)."""
    if query.filtered or not query.scopes:
        return None
    shape: WhereShape = (
        tuple((s.persona_id is None, s.user_id is None) for s in query.scopes),
        query.current_at is not None,
        query.referenceable_only,
    )
    params: dict[str, Any] = {}
    for i, scope in enumerate(query.scopes):
        params[f"scope_{i}_kind"] = scope.kind.value
        if scope.persona_id is not None:
            params[f"scope_{i}_persona"] = scope.persona_id
        if scope.user_id is not None:
            params[f"scope_{i}_user"] = scope.user_id
    if query.current_at is not None:
        params["current_at"] = query.current_at
    return BoundWhere(shape, where_template(shape), params)


@functools.lru_cache(maxsize=256)
def where_template(shape: WhereShape) -> ColumnElement[bool]:
    scopes, current, referenceable = shape
    persona, user = memories.c.persona_id, memories.c.user_id
    clause = or_(
        *(
            and_(
                memories.c.scope == bindparam(f"scope_{i}_kind"),
                persona.is_(None) if no_persona else persona == bindparam(f"scope_{i}_persona"),
                user.is_(None) if no_user else user == bindparam(f"scope_{i}_user"),
            )
            for i, (no_persona, no_user) in enumerate(scopes)
        )
    )
    clauses = [clause]
    if current:
        valid_to = memories.c.valid_to
        clauses.append(or_(valid_to.is_(None), valid_to > bindparam("current_at")))
    if referenceable:
        clauses.append(memories.c.can_reference.is_(True))
    return and_(*clauses)
