"""Query text → full-text terms.

Questions are mostly function words ("what did she do when..."); dropping
them keeps BM25 from rewarding any turn that says "what".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been
    before being below between both but by can could did do does doing down during
    each few for from further had has have having he her here hers herself him
    himself his how i if in into is it its itself just let me more most my myself
    no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours
    yourself yourselves s t don ever
    """.split()  # noqa: SIM905 - a word list reads better as prose
)


def query_terms(text: str, limit: int = 32) -> list[str]:
    """Distinct content words of ``text``, lower-cased, in order of appearance."""
    words = (match.group().lower() for match in _WORD.finditer(text))
    terms = [word.split("'")[0] for word in words]
    kept = [term for term in dict.fromkeys(terms) if term and term not in STOPWORDS]
    return kept[:limit]


def content_words(texts: Iterable[str]) -> set[str]:
    """Every distinct content word of ``texts``, as ``query_terms`` reads them
    (numbers aside); the words are collected before they are filtered, so many
    texts cost one pass of the expression."""
    words = {word.split("'")[0] for word in _WORD.findall("\n".join(texts).lower())}
    return {w for w in words if w and w not in STOPWORDS and not w.isdigit()}
