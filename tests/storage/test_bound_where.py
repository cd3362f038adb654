"""The cached scope clause (predicates.bound_where) selects exactly what
memory_where selects, for every combination of scopes and expiry, and the
SQLite search paths that use it (full text, vector visibility) agree with it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from persona_memory.core.memories import MemoryQuery
from persona_memory.core.ports import Store
from persona_memory.core.scope import Scope
from persona_memory.storage.predicates import bound_where, memory_where
from persona_memory.storage.schema import memories
from tests.storage.test_contract import T0, add, found, nearest, persona, record, texts, vec

PERSONAS = ("sage", "brad")
USERS = ("ann", "bob")
SCOPES = [Scope.global_()] + [Scope.persona(p) for p in PERSONAS]
SCOPES += [Scope.relationship(p, u) for p, u in itertools.product(PERSONAS, USERS)]
NOW = T0 + timedelta(days=10)


@pytest.fixture
def everywhere(store: Store) -> Store:
    """In every scope: a current memory, one that expired before NOW, and one
    that may not be referenced."""
    with store.transaction() as tx:
        for p in PERSONAS:
            tx.insert_persona(persona(p))
    rows = []
    for i, scope in enumerate(SCOPES):
        rows.append((record(f"apple current {scope.key}", scope), vec(1.0, 0.1 * i, 0.0)))
        expired = record(f"apple expired {scope.key}", scope, valid_to=T0 + timedelta(days=1))
        rows.append((expired, vec(1.0, 0.0, 0.1 * i)))
        private = record(f"apple private {scope.key}", scope, can_reference=False)
        rows.append((private, vec(1.0, 0.05 * i, 0.05 * i)))
    add(store, *rows)
    return store


def selected(store: Store, query: MemoryQuery, *, cached: bool) -> set[str]:
    with store.read() as tx:
        connection = tx.connection  # type: ignore[attr-defined]
        if not cached:
            statement = select(memories.c.text).where(memory_where(query))
            return set(connection.execute(statement).scalars())
        bound = bound_where(query)
        assert bound is not None
        statement = select(memories.c.text).where(bound.clause)
        return set(connection.execute(statement, bound.params).scalars())


queries = st.builds(
    lambda scopes, current, referenceable: MemoryQuery(
        scopes=tuple(scopes), current_at=NOW if current else None, referenceable_only=referenceable
    ),
    st.lists(st.sampled_from(SCOPES), min_size=1, max_size=4, unique=True),
    st.booleans(),
    st.booleans(),
)


def test_the_cached_clause_selects_what_memory_where_selects(everywhere: Store) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(queries)
    def check(query: MemoryQuery) -> None:
        expected = selected(everywhere, query, cached=False)
        assert expected, "every query should match something here"
        assert selected(everywhere, query, cached=True) == expected

    check()


def test_filtered_queries_are_not_cached() -> None:
    query = MemoryQuery(scopes=(Scope.global_(),), category="x")
    assert bound_where(query) is None


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.key)
def test_searches_see_only_the_readers_current_referenceable_memories(
    everywhere: Store, scope: Scope
) -> None:
    current = MemoryQuery(scopes=(scope,), current_at=NOW, referenceable_only=True)
    with everywhere.read() as tx:
        text_hits = tx.text_search(["apple"], current, 50)
        vector_hits = tx.vector_search(vec(1.0, 0.0, 0.0).vector, "test-model", current, 50)
    only = [f"apple current {scope.key}"]
    assert texts(everywhere, [h.memory_id for h in text_hits]) == only
    assert texts(everywhere, [h.memory_id for h in vector_hits]) == only
    # Without either condition, the scope's three memories and nothing else.
    every = {f"apple {kind} {scope.key}" for kind in ("current", "expired", "private")}
    assert set(found(everywhere, ["apple"], [scope], 50)) == every
    assert set(nearest(everywhere, [1.0, 0.0, 0.0], [scope], 50)) == every
