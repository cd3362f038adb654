"""The cached scope clause (predicates.bound_where) selects exactly what
memory_where selects, for every combination of scopes, expiry, category and
least importance; listing through it agrees; and the SQLite search paths that
use it (full text, vector visibility) agree with it."""

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
    """In every scope: a current memory, one that expired before NOW, one that
    may not be referenced, two of a category (an important one and not), and
    one that full text prefers to those two."""
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
        # It outranks the category's memories for "pear".
        rows.append((record(f"pear pear pear {scope.key}", scope), None))
        for importance in (3, 8):
            joke = record(f"pear joke {importance} {scope.key}", scope, category="joke")
            rows.append((joke.model_copy(update={"importance": importance}), None))
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
    lambda scopes, current, referenceable, category, importance: MemoryQuery(
        scopes=tuple(scopes),
        current_at=NOW if current else None,
        referenceable_only=referenceable,
        category=category,
        min_importance=importance,
    ),
    st.lists(st.sampled_from(SCOPES), min_size=1, max_size=4, unique=True),
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, "joke", "none such"]),
    st.sampled_from([None, 1, 5, 9]),
)


def test_the_cached_clause_selects_what_memory_where_selects(everywhere: Store) -> None:
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(queries)
    def check(query: MemoryQuery) -> None:
        expected = selected(everywhere, query, cached=False)
        if query.category != "none such" and query.min_importance != 9:
            assert expected, "this query should match something here"
        assert selected(everywhere, query, cached=True) == expected
        # Listing goes through the cached clause: the same rows, newest first.
        with everywhere.read() as tx:
            listed = tx.list_memories(query, limit=1000)
        assert {m.text for m in listed} == expected

    check()


def test_tag_and_date_filters_are_not_cached() -> None:
    scopes = (Scope.global_(),)
    assert bound_where(MemoryQuery(scopes=scopes, tags=("x",))) is None
    assert bound_where(MemoryQuery(scopes=scopes, created_after=T0)) is None
    assert bound_where(MemoryQuery(scopes=scopes, valid_at=T0)) is None
    assert bound_where(MemoryQuery(scopes=scopes, category="x")) is not None


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.key)
def test_a_category_search_ranks_only_that_category(everywhere: Store, scope: Scope) -> None:
    # FTS5 takes its top k before the join: a filter must not cut it short.
    query = MemoryQuery(scopes=(scope,), category="joke")
    with everywhere.read() as tx:
        hits = tx.text_search(["pear"], query, 1)
    assert [t.split()[:2] for t in texts(everywhere, [h.memory_id for h in hits])] == [
        ["pear", "joke"]
    ]


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
