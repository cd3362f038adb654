"""Reranking: a model that reads the question and each memory together (a
cross-encoder, providers/rerankers) reorders a hybrid search's best few.

It is slower than the rankers by far (a transformer pass per candidate), so it
sees only the best ``depth`` of the fused and weighted list, and the rest keep
their places after them. The reordered keep the scores of the places they take:
a result list stays ordered by score on one scale, and the prompt builder, which
sorts by score, keeps the reranker's order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# Deep enough to lift what the rankers put at 11-30 into a first ten, shallow
# enough for one batch on a CPU.
RERANK_DEPTH = 30


def reranked(scores: Sequence[float], judged: Sequence[float]) -> list[tuple[int, float]]:
    """For candidates ordered by ``scores`` (best first) and the reranker's
    ``judged`` scores of the same: each new place's candidate (an index into both)
    and the score of that place. Ties keep the old order."""
    if len(judged) != len(scores):
        raise ValueError(f"the reranker scored {len(judged)} texts, not {len(scores)}")
    worth = [s if math.isfinite(s) else -math.inf for s in judged]
    order = sorted(range(len(scores)), key=lambda i: -worth[i])
    return [(candidate, scores[place]) for place, candidate in enumerate(order)]
