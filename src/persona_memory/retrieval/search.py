"""Hybrid search: BM25 and dense top-k inside the reader's scopes, fused."""

from __future__ import annotations

from persona_memory.core.memories import MemoryQuery, SearchHit, SearchMode
from persona_memory.core.ports import Embedder, Store
from persona_memory.retrieval.fusion import RRF_K, reciprocal_rank_fusion
from persona_memory.retrieval.terms import query_terms


class HybridSearcher:
    def __init__(
        self, store: Store, embedder: Embedder, *, depth: int = 50, rrf_k: int = RRF_K
    ) -> None:
        self._store = store
        self._embedder = embedder
        # Each ranker contributes this many candidates before fusion.
        self._depth = depth
        self._rrf_k = rrf_k

    def search(
        self, text: str, query: MemoryQuery, *, limit: int = 10, mode: SearchMode = "hybrid"
    ) -> list[SearchHit]:
        depth = max(self._depth, 3 * limit)
        # Embed before the snapshot opens: the model is the slow part.
        vector = self._embedder.embed([text])[0] if mode != "text" else None
        with self._store.read() as tx:
            text_ranking = (
                [hit.memory_id for hit in tx.text_search(query_terms(text), query, depth)]
                if mode != "vector"
                else []
            )
            vector_ranking = (
                [
                    hit.memory_id
                    for hit in tx.vector_search(vector, self._embedder.model_name, query, depth)
                ]
                if vector is not None
                else []
            )
            fused = reciprocal_rank_fusion([text_ranking, vector_ranking], k=self._rrf_k)[:limit]
            records = {m.id: m for m in tx.get_memories([i for i, _ in fused])}
        text_rank = {memory_id: rank for rank, memory_id in enumerate(text_ranking, 1)}
        vector_rank = {memory_id: rank for rank, memory_id in enumerate(vector_ranking, 1)}
        return [
            SearchHit(
                **records[memory_id].model_dump(),
                score=score,
                text_rank=text_rank.get(memory_id),
                vector_rank=vector_rank.get(memory_id),
            )
            for memory_id, score in fused
            if memory_id in records
        ]
