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
# about 1.5 ms, as much as a small full-text search. The hot reads (search, and
# the lists a prompt reads) therefore use a clause of bound parameters built
# once per *shape* (which scopes have a persona and a user, whether expired or
# unreferenceable rows are left out, whether a category or a least importance
# is asked for) and pass the values at execution. It is memory_where for the
# same query, the same conjuncts; tests check the two agree. Tags and dates
# stay with memory_where: they are rare, and tags need a subquery.

# Per scope (no persona, no user); expired left out; unreferenceable left out;
# a category; a least importance.
WhereShape = tuple[tuple[tuple[bool, bool], ...], bool, bool, bool, bool]


@dataclass(frozen=True, slots=True)
class BoundWhere:
    shape: WhereShape
    clause: ColumnElement[bool]
    params: dict[str, Any]


def bound_where(query: MemoryQuery) -> BoundWhere | None:
    """memory_where(query) as a cached clause and its values; None when the
    query filters by tags or dates (those are built each time, by memory_where)."""
    dated = (query.created_after, query.created_before, query.valid_at)
    if query.tags is not None or any(d is not None for d in dated) or not query.scopes:
        return None
    shape: WhereShape = (
        tuple((s.persona_id is None, s.user_id is None) for s in query.scopes),
        query.current_at is not None,
        query.referenceable_only,
        query.category is not None,
        query.min_importance is not None,
    )
    params: dict[str, Any] = {}
    for i, scope in enumerate(query.scopes):
        params[f"scope_{i}_kind"] = scope.kind.value
        if scope.persona_id is not None:
            params[f"scope_{i}_persona"] = scope.persona_id
        if scope.user_id is not None:
            params[f"scope_{i}_user"] = scope.user_id
    optional = {
        "current_at": query.current_at,
        "category": query.category,
        "min_importance": query.min_importance,
    }
    params |= {name: value for name, value in optional.items() if value is not None}
    return BoundWhere(shape, where_template(shape), params)


@functools.lru_cache(maxsize=256)
def where_template(shape: WhereShape) -> ColumnElement[bool]:
    scopes, current, referenceable, category, min_importance = shape
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
    if category:
        clauses.append(memories.c.category == bindparam("category"))
    if current:
        valid_to = memories.c.valid_to
        clauses.append(or_(valid_to.is_(None), valid_to > bindparam("current_at")))
    if min_importance:
        clauses.append(memories.c.importance >= bindparam("min_importance"))
    if referenceable:
        clauses.append(memories.c.can_reference.is_(True))
    return and_(*clauses)
