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
    return Coverage(terms).share(text)


class Coverage:
    """The share of one query's content words that a text holds, for many texts.

    A word of the text (a run of letters and digits, lower-cased) holds a term when it
    is the term, its plural (``s``/``es``), or, for a term of at least ``_STEM``
    letters, shares the term's first ``_STEM`` letters. Each term is one compiled
    pattern searched in the text: tokenizing every candidate's text and context into
    word sets made term coverage the larger part of a search's time."""

    def __init__(self, terms: Sequence[str]) -> None:
        kept = [term for term in terms if term not in COMMON] or list(terms)
        self._patterns = [_pattern(term.lower()) for term in dict.fromkeys(kept)]
        self._count = len(kept)
        self._weights = [kept.count(term) for term in dict.fromkeys(kept)]

    def share(self, text: str) -> float:
        if not self._count:
            return 0.0
        lowered = text.lower()
        found = sum(
            weight
            for pattern, weight in zip(self._patterns, self._weights, strict=True)
            if pattern.search(lowered)
        )
        return found / self._count


def _pattern(term: str) -> re.Pattern[str]:
    # A word is a run of letters and digits: it starts after any other character
    # ("_" included) and ends before one. The literal comes first and the start is
    # checked behind it, so that the engine can skip to where the literal occurs.
    if len(term) >= _STEM:  # its whole and plural forms share the stem too
        stem = re.escape(term[:_STEM])
        return re.compile(rf"{stem}(?<![^\W_]{stem})")
    literal = re.escape(term)
    return re.compile(rf"{literal}(?<![^\W_]{literal})(?:s|es)?(?![^\W_])")
