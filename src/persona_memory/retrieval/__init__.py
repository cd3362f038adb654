"""Hybrid retrieval: full text and dense vectors (and the query's expansion), fused."""

from persona_memory.retrieval.search import Expansion, HybridSearcher, RankingSignals

__all__ = ["Expansion", "HybridSearcher", "RankingSignals"]
