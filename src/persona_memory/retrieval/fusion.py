"""Fusing the full-text and dense rankings into one.

Two ways, chosen by ``PERSONA_MEMORY_FUSION``:

- **linear** (the default): each ranking's scores rescaled to 0-1 between its
  best and its ``NORMALISE_AT``-th, then a weighted sum. It keeps how far apart
  a ranker puts two memories, which ranks throw away. On LoCoMo dev,
  leave-one-conversation-out chose it, with the 80th as floor and dense weight
  0.4, in every fold (docs/retrieval.md, "Fusion: ranks or scores"). Score gaps
  are wider than the ranking signals' factors (0.5-2), so under linear fusion
  importance and validity act on each memory's place, not on its score
  (retrieval/search.py, ``HybridSearcher._order``).
- **rrf**, reciprocal rank fusion (Cormack et al., 2009). The paper's k = 60
  suits deep TREC runs; an agent reads the top few results, and a small k lets
  the top ranks of each list dominate: on LoCoMo dev k = 60 put hybrid below
  BM25 alone (R@10 0.583 vs 0.618) while k = 1..5 gave 0.653-0.657.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

FusionMethod = Literal["linear", "rrf"]
FUSION: FusionMethod = "linear"
# The score each ranking is rescaled against (0) is its NORMALISE_AT-th: a fixed
# depth, so a memory's score does not depend on how many results were asked for.
# Deeper keeps more of the spread among the best; chosen by leave-one-out.
NORMALISE_AT = 80

RRF_K = 5
# The dense ranking's weight against full text's 1: MiniLM alone ranks LoCoMo's
# evidence well below BM25 (R@10 0.50 vs 0.62), so a vote from it counts less.
# Chosen by leave-one-conversation-out (docs/retrieval.md).
VECTOR_WEIGHT = 0.4


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


def linear_fusion(
    rankings: Sequence[Sequence[tuple[str, float]]],
    weights: Sequence[float] | None = None,
    at: int = NORMALISE_AT,
    floors: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Fuse best-first ``(id, score)`` lists (higher scores better):
    score(d) = Σ w_i · clamp((s_i(d) - floor_i) / (top_i - floor_i), 0, 1), where
    top_i is list i's first score and floor_i its ``at``-th. A list shorter than
    that (a small scope) has as floor what a memory that does not match at all
    would score, ``floors[i]`` (or its last score, if lower or not given): so two
    memories of three are not put at the two ends of the scale. A list whose
    scores are all equal gives each of its ids 1.

    Ties keep the order in which ids were first seen, so the result is
    deterministic.
    """
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings) or (floors is not None and len(floors) != len(rankings)):
        raise ValueError("one weight (and floor) per ranking")
    scores: dict[str, float] = {}
    for index, (ranking, weight) in enumerate(zip(rankings, weights, strict=True)):
        if not ranking:
            continue
        top, floor = ranking[0][1], ranking[min(at, len(ranking)) - 1][1]
        if len(ranking) < at and floors is not None:
            floor = min(floor, floors[index])
        span = top - floor
        for item, score in ranking:
            share = 1.0 if span <= 0 else min(1.0, max(0.0, (score - floor) / span))
            scores[item] = scores.get(item, 0.0) + weight * share
    return sorted(scores.items(), key=lambda pair: -pair[1])
