"""Hybrid search: BM25 and dense rankings inside the reader's scopes, fused."""

from __future__ import annotations

from persona_memory.core.models import SearchHit, SearchMode
from persona_memory.core.ports import Embedder, MemoryQuery, MemoryStore
from persona_memory.retrieval.dense import top_k_cosine
from persona_memory.retrieval.fusion import RRF_K, reciprocal_rank_fusion
from persona_memory.retrieval.terms import query_terms


class HybridSearcher:
    def __init__(
        self, store: MemoryStore, embedder: Embedder, *, depth: int = 50, rrf_k: int = RRF_K
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
        text_ranking = self._text_ranking(text, query, depth) if mode != "vector" else []
        vector_ranking = self._vector_ranking(text, query, depth) if mode != "text" else []
        fused = reciprocal_rank_fusion([text_ranking, vector_ranking], k=self._rrf_k)[:limit]
        records = {m.id: m for m in self._store.get_memories([i for i, _ in fused])}
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
            if memory_id in records  # deleted between ranking and fetch
        ]

    def _text_ranking(self, text: str, query: MemoryQuery, depth: int) -> list[str]:
        hits = self._store.text_search(query_terms(text), query, depth)
        return [hit.memory_id for hit in hits]

    def _vector_ranking(self, text: str, query: MemoryQuery, depth: int) -> list[str]:
        candidates = self._store.vector_candidates(query, self._embedder.model_name)
        if not candidates.memory_ids:
            return []
        vector = self._embedder.embed([text])[0]
        return [memory_id for memory_id, _ in top_k_cosine(candidates, vector, depth)]
