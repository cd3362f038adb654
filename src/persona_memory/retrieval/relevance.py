"""A relevance a person can read: how well one memory matches one query, in [0, 1].

The fused score orders a result list, but it is built from ranks: the best hit of
any query scores the same whether it answers the question or only comes least far
from it, and scores cannot be compared across queries. Relevance is read from the
memory itself instead: the larger of

- its cosine similarity to the query (the dense ranker's score, below 0 read as 0),
- the share of the query's content words (``terms.query_terms``) found in its text.

Either alone is enough to be relevant: a paraphrase shares no word, and a short
memory that holds every word asked about may embed far from a long question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# A memory's context (the turns around it) counts for this share of its words.
CONTEXT_SHARE = 0.5

# Word forms: "allergic" finds "allergies", "peanut" "peanuts". A shared prefix of
# this many letters stands in for a stemmer; shorter words must match whole (or
# with a plural s/es).
_STEM = 6


def relevance(dense: float | None, coverage: float) -> float:
    """``max(dense, coverage)`` clipped to [0, 1]; None ``dense`` counts as 0 (the
    memory was not among the dense ranker's candidates, or has no vector)."""
    return min(max(dense or 0.0, coverage, 0.0), 1.0)


# Content words too common to say what a question is about ("what food does she
# like": "I like rainy days" is not half an answer). Left out of the share unless
# the question has no other word.
COMMON = frozenset(
    """
    like get got go goes going went make made know think want say said tell told
    much many also really well one thing things time way good new day people kind lot
    """.split()  # noqa: SIM905 - a word list reads better as prose
)


def term_coverage(terms: Sequence[str], text: str) -> float:
    """The share of ``terms`` that ``text`` contains (0 when there are none)."""
    terms = [term for term in terms if term not in COMMON] or list(terms)
    if not terms:
        return 0.0
    words = {word.lower() for word in _WORD.findall(text)}
    stems = {word[:_STEM] for word in words if len(word) >= _STEM}
    found = sum(1 for term in terms if _contains(term, words, stems))
    return found / len(terms)


def _contains(term: str, words: set[str], stems: set[str]) -> bool:
    if term in words or f"{term}s" in words or f"{term}es" in words:
        return True
    return len(term) >= _STEM and term[:_STEM] in stems
