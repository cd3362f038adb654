"""Validity as a ranking signal: which time a question asks about, and what
that makes of a memory whose validity has ended (a superseded fact).

"Where does Alice live?" wants the current fact; the one it replaced should
stay below it, or out. "Where did Alice live before?" wants the replaced one:
it is let into the search and ranked above the fact that replaced it. Without
a cue either way a question asks about now, as it always did.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Literal

from persona_memory.core.memories import MemoryQuery, MemoryRecord

QuestionTime = Literal["now", "before", "either"]

# Words and phrases that ask about a state that has changed. Verb tense alone is
# not one: "What did Alice say about Paris?" is past tense about a current fact.
_BEFORE = re.compile(
    r"\b(before|previous(ly)?|used? to|formerly|former|in the past|originally|at first"
    r"|earlier|prior|back then|any more|anymore|no longer|(?<!how )old|ex|until)\b",
    re.IGNORECASE,
)
_NOW = re.compile(
    r"\b(now|currently|current|these days|nowadays|at the moment|still|today|present(ly)?)\b",
    re.IGNORECASE,
)

# How far an ended memory moves: enough to pass the fact that replaced it when
# both match the question about as well (reciprocal-rank scores of neighbours
# differ by 1.2-1.4x), not enough to lift it from the bottom of the list.
BEFORE_BOOST = 2.0
NOW_PENALTY = 0.5


def question_time(question: str) -> QuestionTime:
    before = _BEFORE.search(question) is not None
    now = _NOW.search(question) is not None
    if before and now:
        return "either"
    return "before" if before else "now"


def ended(record: MemoryRecord, now: datetime) -> bool:
    return record.valid_to is not None and record.valid_to <= now


def validity_weight(record: MemoryRecord, asked: QuestionTime, now: datetime) -> float:
    """The factor ranking multiplies an ended memory's relevance by (1 for the rest)."""
    if not ended(record, now):
        return 1.0
    return {"before": BEFORE_BOOST, "now": NOW_PENALTY, "either": 1.0}[asked]


def including_the_past(query: MemoryQuery, question: str) -> MemoryQuery:
    """The query, also reading ended memories when the question asks about before."""
    if query.current_at is None or question_time(question) == "now":
        return query
    return replace(query, current_at=None)
