"""Subjects as a ranking signal: a memory whose text starts with a name the
question names is by or about that one, as a transcript line ("Melanie: I
signed up for a pottery class") or a fact ("Alice is allergic to peanuts") is.

Full text already matches the name, but a conversation's names are in nearly
every memory's text or context ("Thanks, Melanie!"), so that match says little
about whom a memory is about; its first word says more. Measured on LoCoMo dev
(bench/results/retrieval.md): a factor of 1.5 anywhere in the text gained R@10
0.005 and lost it under leave-one-conversation-out; the same factor on the
subject gained 0.018, and leave-one-conversation-out chose it in every fold.
"""

from __future__ import annotations

import re

# Chosen by leave-one-conversation-out on LoCoMo dev (docs/retrieval.md).
SUBJECT_BOOST = 2.0

_CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
_FIRST_WORD = re.compile(r"[^\w]*([\w-]+)")
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


def subject(text: str) -> str:
    """A memory's first word, lower-cased: "Melanie: ..." and "Melanie's dog ..."
    -> melanie (a possessive's "s" is not part of the word)."""
    match = _FIRST_WORD.match(text)
    return match.group(1).lower() if match else ""


def about_named(names: frozenset[str], text: str) -> bool:
    """Whether ``text`` starts with one of ``names``."""
    return bool(names) and subject(text) in names
