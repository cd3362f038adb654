"""How a backend finds memories: full text and nearest vectors, top-k inside
the reader's scopes. One implementation per backend: ``sqlite_index``
(FTS5 + an in-process vector index) and ``postgres_index`` (tsvector +
pgvector HNSW)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection

from persona_memory.core.memories import MemoryQuery
from persona_memory.core.ports import Hit, Vectors

# Full text weighs a memory's context (neighbouring turns, speaker, date) at this
# share of its text: chosen by leave-one-conversation-out on LoCoMo dev
# (docs/retrieval.md). SQLite passes it to bm25(); PostgreSQL to ts_rank() as
# the weight of the context's 'B' label.
CONTEXT_WEIGHT = 0.5


class SearchIndex(Protocol):
    def prepare(self, connection: Connection, model: str, dimension: int) -> None:
        """Called before vectors of ``model`` are written in this transaction."""
        ...

    def text_search(
        self, connection: Connection, terms: Sequence[str], query: MemoryQuery, k: int
    ) -> list[Hit]: ...

    def vector_search(
        self, connection: Connection, vector: Vectors, model: str, query: MemoryQuery, k: int
    ) -> list[Hit]: ...

    def close(self) -> None: ...
