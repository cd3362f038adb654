"""PostgreSQL search: a generated ``tsvector`` with a GIN index for full text,
pgvector HNSW for vectors.

pgvector's ``vector`` column takes any dimension, but an HNSW index needs one,
so each dimension gets its own partial expression index the first time
vectors of that dimension are written. Queries use the same expression, with
``hnsw.iterative_scan`` so that a filter (the reader's scopes) does not starve
the result: the scan goes on until ``k`` rows pass the filter. The scope
predicate is in the same WHERE clause, so visibility is decided by SQL.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from pgvector.sqlalchemy import VECTOR
from sqlalchemy import Connection, Float, bindparam, cast, func, literal_column, select, text
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.memories import MemoryQuery
from persona_memory.core.ports import Hit, Vectors
from persona_memory.storage.index import CONTEXT_WEIGHT
from persona_memory.storage.predicates import memory_where
from persona_memory.storage.schema import memories

_TEXT_SEARCH: ColumnElement[Any] = literal_column("memories.text_search")
EF_SEARCH = 100


class PostgresIndex:
    def __init__(self, context_weight: float = CONTEXT_WEIGHT) -> None:
        # Inlined into the SQL below: a float, never user text.
        self._context_weight = float(context_weight)
        self._indexed: set[int] = set()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._indexed.clear()

    def prepare(self, connection: Connection, model: str, dimension: int) -> None:
        if dimension in self._indexed:
            return
        with self._lock:
            # Serialise index creation between processes too; CREATE INDEX IF NOT
            # EXISTS alone can race on the catalog.
            connection.execute(text("SELECT pg_advisory_xact_lock(7311)"))
            connection.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS ix_memories_embedding_{dimension} "
                    f"ON memories USING hnsw ((embedding::vector({dimension})) "
                    f"vector_cosine_ops) WHERE embedding_dim = {dimension}"
                )
            )
            self._indexed.add(dimension)

    def text_search(
        self, connection: Connection, terms: Sequence[str], query: MemoryQuery, k: int
    ) -> list[Hit]:
        words = [term for term in terms if term.replace("'", "").isalnum()]
        if not words:
            return []
        tsquery = func.to_tsquery("english", " | ".join(words))
        # Weights of the labels {D, C, B, A}: the text is A, its context B.
        weights: ColumnElement[Any] = literal_column(
            f"'{{0, 0, {self._context_weight}, 1}}'::float4[]"
        )
        rank = func.ts_rank(weights, _TEXT_SEARCH, tsquery).label("rank")
        statement = (
            select(memories.c.id, rank)
            .where(_TEXT_SEARCH.op("@@")(tsquery), memory_where(query))
            .order_by(rank.desc(), memories.c.pk)
            .limit(k)
        )
        rows = connection.execute(statement).all()
        return [Hit(memory_id, float(rank)) for memory_id, rank in rows]

    def vector_search(
        self, connection: Connection, vector: Vectors, model: str, query: MemoryQuery, k: int
    ) -> list[Hit]:
        dimension = len(vector)
        connection.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
        connection.execute(text(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, k)}"))
        fixed = VECTOR(dimension)
        # Written as the index's expression (embedding::vector(n)) so the planner can use it.
        distance = cast(memories.c.embedding, fixed).op("<=>", return_type=Float())(
            bindparam("query_vector", vector, type_=fixed)
        )
        statement = (
            select(memories.c.id, memories.c.pk, distance.label("distance"))
            .where(
                memories.c.embedding_dim == dimension,
                memories.c.embedding_model == model,
                memory_where(query),
            )
            .order_by(distance)
            .limit(k)
        )
        rows = connection.execute(statement).all()
        # relaxed_order may return rows slightly out of order: sort them here. Ties go
        # to the older memory, as on SQLite.
        ranked = sorted(rows, key=lambda row: (float(row.distance), row.pk))
        return [Hit(row.id, 1.0 - float(row.distance)) for row in ranked]
