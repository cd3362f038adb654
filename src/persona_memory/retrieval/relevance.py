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
    letters, shares the term's first ``_STEM`` letters. Each term is looked for with
    ``str.find`` and its word boundaries checked where it occurs: tokenizing every
    candidate's text and context into word sets made term coverage the larger part
    of a search's time, and compiling a pattern per term cost a search 0.5 ms, as
    nearly every question brings words the pattern cache has not seen."""

    def __init__(self, terms: Sequence[str]) -> None:
        kept = [term for term in terms if term not in COMMON] or list(terms)
        distinct = dict.fromkeys(term.lower() for term in kept)
        # (what to find, whether it must end a word: a stem may go on)
        self._terms = [
            (term[:_STEM], False) if len(term) >= _STEM else (term, True) for term in distinct
        ]
        lowered = [term.lower() for term in kept]
        self._weights = [lowered.count(term) for term in distinct]
        self._count = len(kept)

    def share(self, text: str, context: str = "") -> float:
        """The share in ``text``; with a ``context`` (the turns around it), the
        larger of that and ``CONTEXT_SHARE`` of the share in both together."""
        if not self._count:
            return 0.0
        lowered, around = text.lower(), context.lower()
        in_text = in_both = 0
        for (literal, whole), weight in zip(self._terms, self._weights, strict=True):
            # ``in`` first: most terms are in neither, and it costs no call.
            if literal in lowered and _holds(lowered, literal, whole):
                in_text += weight
                in_both += weight
            elif literal in around and _holds(around, literal, whole):
                in_both += weight
        return max(in_text, CONTEXT_SHARE * in_both) / self._count


def _holds(text: str, literal: str, whole: bool) -> bool:
    """Whether a word of ``text`` starts with ``literal`` and, if ``whole``, is it
    or its plural. A word is a run of letters and digits (``str.isalnum``, which is
    what ``[^\\W_]`` means to ``re``): ``_`` and every other character end it."""
    at = text.find(literal)
    while at >= 0:
        if at == 0 or not text[at - 1].isalnum():
            end = at + len(literal)
            if not whole or _word_ends(text, end):
                return True
            if text.startswith("s", end) and _word_ends(text, end + 1):
                return True
            if text.startswith("es", end) and _word_ends(text, end + 2):
                return True
        at = text.find(literal, at + 1)
    return False


def _word_ends(text: str, at: int) -> bool:
    return at >= len(text) or not text[at].isalnum()
