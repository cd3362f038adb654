"""Persona learning: what a conversation teaches the persona itself (seed 003's
privacy-safe learning).

After a session ends, a :class:`PersonaMemoryClassifier` reads it and proposes
:class:`PersonaMemoryCandidate` memories of the persona's own: a topic it talked
about, a pattern someone shared, something it learned. They are stored in the
persona's scope, which every user's agent reads, so each is anonymised and
generalised first (the seed's rules: names become "someone", companies "their
workplace", places "a city" or nothing; contact details are never kept) and
only those of importance 7 or more are stored. The rules here are pure; the
service that runs them is :mod:`persona_memory.core.persona_learning_service`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from pydantic import Field

from persona_memory.core.base import Model
from persona_memory.core.digests import Turn
from persona_memory.core.learning import words
from persona_memory.core.persona_files import PersonaMemoryCategory
from persona_memory.core.privacy import PiiSpan, PiiType, anonymise

LEARNED_SOURCE = "learned"  # a persona memory's ``source`` when learned from a session
MAX_MEMORY_CHARS = 500

IMPORTANCE_SCALE = """1-3: not worth storing (routine, boring: greetings, logistics, errands)
4-6: somewhat interesting, but not enough to store
7-8: interesting, worth storing (a fear, a passion, an idea or project someone told about)
9-10: very impactful, definitely store (a life-changing event)"""

ANONYMIZATION_RULES = """Names -> "someone" or "a friend"
Companies -> "their workplace" or "a tech company"
Locations -> "a city", or omit them entirely
Contact info (phone, email, address, ids) -> remove completely; if a moment is mostly
  contact details or where someone lives, store nothing (too much PII)
Specifics -> generalise (dates, numbers, brands, exact events)"""


class PersonaMemoryCandidate(Model):
    """A memory the persona could keep from a conversation, not yet stored."""

    text: str = Field(
        min_length=1,
        max_length=MAX_MEMORY_CHARS,
        description="anonymised, in the persona's voice, e.g. "
        "'Someone shared they're afraid of deep water'",
    )
    category: PersonaMemoryCategory
    importance: int = Field(ge=1, le=10, description=IMPORTANCE_SCALE.replace("\n", "; "))
    reason: str = Field(default="", max_length=500, description="why it is worth remembering")


@runtime_checkable
class PersonaMemoryClassifier(Protocol):
    """Turns a session's turns into the memories the persona could keep.

    An implementation reads what users shared (never copies a person into a
    memory) and never raises on odd input: nothing to remember is ``[]``.
    """

    def classify(self, turns: Sequence[Turn]) -> list[PersonaMemoryCandidate]: ...


def worth_storing(
    candidates: Sequence[PersonaMemoryCandidate], min_importance: int
) -> list[PersonaMemoryCandidate]:
    """Those at ``min_importance`` or above, one per statement, in order."""
    seen: set[frozenset[str]] = set()
    kept = []
    for candidate in candidates:
        key = words(candidate.text)
        if candidate.importance < min_importance or key in seen:
            continue
        seen.add(key)
        kept.append(candidate)
    return kept


# --- first person -> third person ---------------------------------------------

_PRONOUNS = {
    "i am": "they are",
    "i'm": "they're",
    "i was": "they were",
    "i wasn't": "they weren't",
    "i've": "they've",
    "i'll": "they'll",
    "i'd": "they'd",
    "i": "they",
    "am": "are",
    "my": "their",
    "mine": "theirs",
    "me": "them",
    "myself": "themselves",
}
# Longest first, so "I am" is one replacement, not "they am".
_FIRST_PERSON = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(
        re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_PRONOUNS, key=len, reverse=True)
    )
    + r")(?![\w'])",
    re.IGNORECASE,
)


def third_person(text: str) -> str:
    """``I'm terrified of my boss`` -> ``they're terrified of their boss``. "they"
    takes the same verb forms as "I", except for the verb "be"."""
    text = text.replace("\u2019", "'")
    return _FIRST_PERSON.sub(lambda m: _PRONOUNS[" ".join(m.group(0).lower().split())], text)


def someone_shared(clause: str) -> str:
    """A user's first-person clause retold: "I just got engaged" -> "Someone
    shared they just got engaged"."""
    return f"Someone shared {third_person(clause)}"


# --- generalising -------------------------------------------------------------

# A place goes with the word that pointed at it: "afraid of sharks in Florida" ->
# "afraid of sharks"; "a city" is only left where nothing can be dropped.
_PLACE_POINTER = re.compile(
    r"\s*(?<![\w'])(?:in|at|to|from|near|around|outside|across|through|of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def generalised(text: str, spans: Sequence[PiiSpan]) -> str:
    """``text`` under the seed's anonymisation rules: places dropped with their
    preposition (else "a city"), then names, companies and contact details as
    :func:`persona_memory.core.privacy.anonymise` does them."""
    pieces: list[str] = []
    kept: list[PiiSpan] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < cursor:
            continue
        before = text[cursor : span.start]
        pointer = _PLACE_POINTER.search(before) if span.type is PiiType.LOCATION else None
        if pointer is not None:
            pieces.append(before[: pointer.start()])
        else:
            pieces.append(before)
            start = sum(len(piece) for piece in pieces)
            pieces.append(text[span.start : span.end])
            kept.append(replace(span, start=start, end=start + span.end - span.start))
        cursor = span.end
    pieces.append(text[cursor:])
    return anonymise("".join(pieces), kept)


_WHEN = (
    r"(?:yesterday|today|tonight|this\s+morning|last\s+night|tomorrow"
    r"|(?:last|this|next)\s+(?:week|weekend|month|year|summer|winter|spring|fall|autumn)"
    r"|on\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day|in\s+(?:19|20)\d\d"
    r"|since\s+.+|\d+\s+(?:days|weeks|months|years)\s+ago|recently|earlier)"
)
_TRAILING_WHEN = re.compile(rf"(?:\s*,?\s+{_WHEN})+\s*$", re.IGNORECASE)


def timeless(text: str) -> str:
    """Without the trailing "when" (dates are specifics) or punctuation: "afraid
    of water since 2003!" -> "afraid of water"."""
    return _TRAILING_WHEN.sub("", text.strip().rstrip(".!?… ")).strip()


_CLAUSE_END = re.compile(
    r"\s*(?:[,;:(]|\s-\s|\bbut\b|\bbecause\b|\bso\s+(?:I|we)\b|\band\s+(?:I|it|they|he|she|we)\b"
    r"|\b(?:that|which|who|where|when)\b)",
    re.IGNORECASE,
)
_LINKS = {"to", "of", "for", "with", "about", "from", "in", "on", "at", "by", "into", "like"}
_SINGULAR = {"a", "an", "their", "his", "her", "my", "our", "your", "this", "that", "the"}
_VAGUE = {"new", "latest", "recent", "big", "little", "secret", "own", "cool", "crazy",
          "amazing", "exciting", "interesting", "whole", "first", "current", "next", "old",
          "some", "weird", "huge", "small"}  # fmt: skip
_UNCOUNTABLE = {"research", "work", "music", "art", "software", "hardware", "information",
                "advice", "knowledge", "equipment", "homework", "news", "stuff", "ai", "data",
                "science", "history", "physics", "travel", "fun", "love", "money", "food",
                "water", "health", "politics", "philosophy", "poetry", "literature"}  # fmt: skip
_UNCOUNTABLE_ENDINGS = ("ing", "ism", "ics", "ness", "ship", "ity", "tion")


def topic(phrase: str) -> str:
    """What a phrase is about, generalised: its first clause without relative
    clauses, "when", determiners or vague adjectives; a single thing becomes
    the kind of thing ("their new AI project that..." -> "AI projects")."""
    clause = timeless(_CLAUSE_END.split(phrase, maxsplit=1)[0]).strip(" .!?\"'")
    tokens = clause.split()
    singular = False
    while tokens and tokens[0].lower() in _SINGULAR | _VAGUE:
        singular = singular or tokens[0].lower() in _SINGULAR
        tokens.pop(0)
    if not tokens:
        return ""
    # The head noun is the last word before "to", "of"...: "trip to the coast".
    head = next((i - 1 for i, t in enumerate(tokens) if i and t.lower() in _LINKS), len(tokens) - 1)
    if singular:
        tokens[head] = plural(tokens[head])
    return third_person(" ".join(tokens))


def plural(noun: str) -> str:
    lower = noun.lower()
    if not noun.isalpha() or lower in _UNCOUNTABLE or lower.endswith(_UNCOUNTABLE_ENDINGS):
        return noun
    if lower.endswith("s"):
        return noun  # already a plural, most likely: "their kids"
    if lower.endswith(("x", "z", "ch", "sh")):
        return noun + "es"
    if lower.endswith("y") and lower[-2:-1] not in tuple("aeiou"):
        return noun[:-1] + "ies"
    return noun + "s"


def sentence_case(text: str) -> str:
    """Trimmed, capitalised, without a trailing full stop, and at most
    :data:`MAX_MEMORY_CHARS` (the seed's memories read like this)."""
    text = " ".join(text.split()).strip(" ,;:-").rstrip(".!?… ")
    if len(text) > MAX_MEMORY_CHARS:
        text = text[: MAX_MEMORY_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text[:1].upper() + text[1:]
