"""Reciprocal rank fusion (Cormack et al., 2009).

The paper's k = 60 suits deep TREC runs; an agent reads the top few results,
and a small k lets the top ranks of each list dominate. On the LoCoMo dev set
(bench/results/retrieval.md, docs/retrieval.md) k = 60 put hybrid below
BM25 alone (R@10 0.583 vs 0.618) while k = 1..5 gave 0.653-0.657.
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 5
# The dense ranking's weight against full text's 1: MiniLM alone ranks LoCoMo's
# evidence well below BM25 (R@10 0.50 vs 0.62), so a vote from it counts less.
# Chosen by leave-one-conversation-out (docs/retrieval.md).
VECTOR_WEIGHT = 0.5


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]],
    weights: Sequence[float] | None = None,
    k: int = RRF_K,
) -> list[tuple[str, float]]:
    """Fuse best-first id lists: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1.

    Ties keep the order in which ids were first seen, so the result is
    deterministic.
    """
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
