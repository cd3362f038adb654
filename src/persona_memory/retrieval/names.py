"""Names as a ranking signal: a memory whose own text names someone (or
something) the question names is more likely about it.

Full text already matches the name, but a conversation's names are in nearly
every memory's context, so that match says little; the memory's own text
saying the name might say more. Measured, it did not pay: on LoCoMo dev x1.5
raised R@10 from 0.768 to 0.773 on the whole split, but choosing the boost by
leave-one-conversation-out gave 0.764 (bench/results/retrieval.md). So it is
off by default, kept as a switch for data where names do carry the signal.
"""

from __future__ import annotations

import re

# Off: leave-one-conversation-out did not beat it (see above).
NAME_BOOST = 1.0

_CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?:]\s*$")
_NOT_NAMES = frozenset({"i", "i'm", "i've", "i'd", "i'll"})


def question_names(question: str) -> frozenset[str]:
    """The capitalised words that do not start a sentence, lower-cased and
    without a possessive: "What did Melanie paint in June?" -> {melanie, june}."""
    names = set()
    for match in _CAPITALISED.finditer(question):
        before = question[: match.start()]
        if not before.strip() or _SENTENCE_END.search(before):
            continue
        word = match.group(0).lower().removesuffix("'s")
        if word not in _NOT_NAMES:
            names.add(word)
    return frozenset(names)


def names_any(names: frozenset[str], text: str) -> bool:
    """Whether ``text`` has one of ``names`` as a word (any case)."""
    return bool(names) and not names.isdisjoint(_WORD.findall(text.lower()))
