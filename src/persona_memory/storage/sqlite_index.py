"""SQLite search: FTS5 matched inside the reader's scopes, and vectors scored
in an in-process index kept in step with commits.

Full text: the FTS5 table indexes each memory's scope as one token
(migration 0004), so a query matches ``terms AND (scope tokens)`` and BM25 runs
only on rows inside the reader's scopes, not on every row that shares a word.

Vectors: each (scope, model) is loaded once into a :class:`ScopeVectors` and
scored with one matrix-vector product. Triggers append the primary key of
every changed vector to ``vector_log``; before each search the index applies
what was logged since it last looked, so a write by any process or thread is
seen by the next search. The SQL predicate still decides visibility: the
index only proposes candidates inside the reader's scopes.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.memories import MemoryQuery
from persona_memory.core.ports import Hit, Vectors
from persona_memory.core.scope import Scope
from persona_memory.storage.index import CONTEXT_WEIGHT
from persona_memory.storage.predicates import WhereShape, bound_where, memory_where, where_template
from persona_memory.storage.schema import memories
from persona_memory.storage.vector_cache import CachedScope, ScopeVectors, VectorCache

Key = tuple[str, str]  # (scope key, embedding model)

_FTS = table("memories_fts", column("rowid"))
_FTS_SELF: ColumnElement[Any] = literal_column("memories_fts")
_MATCH = _FTS_SELF.op("MATCH")(bindparam("match"))
_RANK = func.bm25(_FTS_SELF, 1.0, bindparam("weight"), 0.0).label("rank")
_LOG_KEEP = 100_000  # log rows kept after pruning; a cache further behind reloads
_PRUNE_EVERY = 1_000  # prepared writes between prunes
_CHUNK = 500  # primary keys per IN (...) list


def scope_token(scope: Scope) -> str:
    """The FTS5 token of a scope; must match migration 0004's SQL expression."""
    return "s" + scope.key.encode().hex() + "0"


def fts5_query(terms: Sequence[str], scopes: Sequence[Scope]) -> str:
    """Any of the terms, inside any of the scopes."""
    words = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
    places = " OR ".join(f'"{scope_token(scope)}"' for scope in scopes)
    return f"{{text context}} : ({words}) AND scope_tok : ({places})"


class SqliteIndex:
    def __init__(
        self, max_bytes: int = 512 * 2**20, context_weight: float = CONTEXT_WEIGHT
    ) -> None:
        self._context_weight = context_weight
        self._cache = VectorCache(max_bytes)
        self._lock = threading.Lock()  # guards _seen, _owner and loading entries
        self._seen = 0  # the last vector_log seq applied to the cache
        self._owner: dict[int, Key] = {}  # memory pk -> the cached entry holding it
        self._writes = itertools.count(1)

    def close(self) -> None:
        self._cache.clear()

    def prepare(self, connection: Connection, model: str, dimension: int) -> None:
        if next(self._writes) % _PRUNE_EVERY == 0:
            connection.execute(
                text(
                    "DELETE FROM vector_log WHERE seq <= (SELECT max(seq) FROM vector_log) - :keep"
                ),
                {"keep": _LOG_KEEP},
            )

    def text_search(
        self, connection: Connection, terms: Sequence[str], query: MemoryQuery, k: int
    ) -> list[Hit]:
        values = {"match": fts5_query(terms, query.scopes), "k": k, "weight": self._context_weight}
        # FTS5's own top k comes before the join: only the scopes may narrow it.
        bound = None if query.filtered else bound_where(query)
        if bound is None:
            # Filters on memory columns: rank the matches that pass them.
            statement = (
                select(memories.c.id, _RANK)
                .select_from(_FTS.join(memories, memories.c.pk == _FTS.c.rowid))
                .where(_MATCH, memory_where(query))
                .order_by(_RANK)
                .limit(bindparam("k"))
            )
        else:
            statement = _top_k_statement(bound.shape)
            values |= bound.params
        # bm25() is lower-is-better and negative; flip it so higher is better.
        # Rows unpack as tuples: a named lookup per row cost ten times as much.
        rows = connection.execute(statement, values).all()
        return [Hit(memory_id, -float(rank)) for memory_id, rank in rows]

    def vector_search(
        self, connection: Connection, vector: Vectors, model: str, query: MemoryQuery, k: int
    ) -> list[Hit]:
        current = self._catch_up(connection)
        only = _filtered_pks(connection, query, model) if query.filtered else None
        if only is not None and not only:
            return []
        scored: list[tuple[int, float]] = []
        for scope in query.scopes:
            entry = self._entry(connection, (scope.key, model), current)
            with entry.lock:
                scored.extend(entry.vectors.top_k(vector, k, only))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return _as_hits(connection, scored[:k], query)

    def _catch_up(self, connection: Connection) -> bool:
        """Apply the changes logged since the last look; True when the cache now
        matches this transaction's snapshot (so entries loaded in it may be kept)."""
        # Two scalar subqueries: SQLite answers a lone min() or max() from the
        # index, but "SELECT min(seq), max(seq)" scans the whole log.
        first, top = connection.execute(
            text("SELECT (SELECT min(seq) FROM vector_log), (SELECT max(seq) FROM vector_log)")
        ).one()
        top = top or 0
        with self._lock:
            if top <= self._seen:
                return top == self._seen
            if len(self._cache) == 0:
                pass  # nothing cached to bring up to date: entries load from this snapshot
            elif first is not None and first > self._seen + 1:
                # Changes we never saw were pruned: start again from the database.
                self._cache.clear()
                self._owner.clear()
            else:
                rows = connection.execute(
                    text("SELECT memory_pk FROM vector_log WHERE seq > :seen AND seq <= :top"),
                    {"seen": self._seen, "top": top},
                )
                self._apply(connection, {row.memory_pk for row in rows})
            self._seen = top
            return True

    def _apply(self, connection: Connection, changed: set[int]) -> None:
        for pk in changed:
            key = self._owner.pop(pk, None)
            entry = self._cache.get(key) if key is not None else None
            if entry is not None:
                with entry.lock:
                    entry.vectors.delete([pk])
        for rows in _chunks(sorted(changed)):
            statement = select(
                memories.c.pk,
                memories.c.scope_key,
                memories.c.embedding_model,
                memories.c.embedding,
            ).where(memories.c.pk.in_(rows), memories.c.embedding.is_not(None))
            for row in connection.execute(statement):
                key = (row.scope_key, row.embedding_model)
                entry = self._cache.get(key)
                if entry is not None:
                    with entry.lock:
                        entry.vectors.upsert([row.pk], np.asarray(row.embedding)[None, :])
                    self._owner[row.pk] = key
                    self._cache.touch_size(key)

    def _entry(self, connection: Connection, key: Key, current: bool) -> CachedScope:
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                return entry
            vectors, pks = _load(connection, key)
            if not current:
                # This snapshot is older than the cache: use it once, keep nothing.
                return CachedScope(vectors, self._seen)
            self._owner.update((pk, key) for pk in pks)
            return self._cache.put(key, vectors, self._seen)


def _load(connection: Connection, key: Key) -> tuple[ScopeVectors, list[int]]:
    statement = select(memories.c.pk, memories.c.embedding).where(
        memories.c.scope_key == key[0],
        memories.c.embedding_model == key[1],
        memories.c.embedding.is_not(None),
    )
    rows = connection.execute(statement).all()
    pks = [int(row.pk) for row in rows]
    vectors = ScopeVectors(capacity=len(rows))
    if rows:
        vectors.upsert(pks, np.stack([row.embedding for row in rows]))
    return vectors, pks


def _filtered_pks(connection: Connection, query: MemoryQuery, model: str) -> set[int]:
    statement = select(memories.c.pk).where(
        memory_where(query), memories.c.embedding_model == model
    )
    return set(connection.execute(statement).scalars())


def _as_hits(
    connection: Connection, scored: list[tuple[int, float]], query: MemoryQuery
) -> list[Hit]:
    if not scored:
        return []
    # The scope predicate has the last word, whatever the cache proposed.
    values: dict[str, Any] = {"pks": [pk for pk, _ in scored]}
    bound = bound_where(query)
    if bound is None:
        statement = select(memories.c.pk, memories.c.id).where(
            memories.c.pk.in_(bindparam("pks", expanding=True)), memory_where(query)
        )
    else:
        statement = _visible_statement(bound.shape)
        values |= bound.params
    ids = dict(connection.execute(statement, values).all())  # pk -> id
    # A pk missing here was deleted after the cache saw it: it is not in this snapshot.
    return [Hit(ids[pk], score) for pk, score in scored if pk in ids]


@functools.lru_cache(maxsize=256)
def _top_k_statement(shape: WhereShape) -> Select[Any]:
    # The scopes are in the MATCH already: take FTS5's own top k first, then
    # join only those (joining every match cost as much as ranking them).
    best = select(_FTS.c.rowid, _RANK).where(_MATCH).order_by(_RANK).limit(bindparam("k"))
    top = best.subquery()
    return (
        select(memories.c.id, top.c.rank)
        .select_from(top.join(memories, memories.c.pk == top.c.rowid))
        .where(where_template(shape))
        .order_by(top.c.rank)
    )


@functools.lru_cache(maxsize=256)
def _visible_statement(shape: WhereShape) -> Select[Any]:
    return select(memories.c.pk, memories.c.id).where(
        memories.c.pk.in_(bindparam("pks", expanding=True)), where_template(shape)
    )


def _chunks(values: Iterable[int]) -> Iterable[list[int]]:
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, _CHUNK)):
        yield chunk
