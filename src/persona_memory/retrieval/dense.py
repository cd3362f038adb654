"""Exact dense scoring inside a scope: filter first, then one matrix product."""

from __future__ import annotations

import numpy as np

from persona_memory.core.ports import VectorCandidates, Vectors


def top_k_cosine(candidates: VectorCandidates, query: Vectors, k: int) -> list[tuple[str, float]]:
    """Best-first (id, cosine) pairs; vectors are stored L2-normalised."""
    count = len(candidates.memory_ids)
    if count == 0 or k <= 0:
        return []
    scores = candidates.matrix @ query.astype(np.float32)
    k = min(k, count)
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(candidates.memory_ids[i], float(scores[i])) for i in top]
