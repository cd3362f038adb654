"""Hybrid retrieval: full text and dense vectors, fused by reciprocal rank."""

from persona_memory.retrieval.search import HybridSearcher, RankingSignals

__all__ = ["HybridSearcher", "RankingSignals"]
