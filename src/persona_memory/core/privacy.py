"""The PII firewall's rules: what counts as PII, how it is found and how it is
anonymised, and what a shared scope does with it (DESIGN.md invariant 2).

Shared scopes (blocks owned by a user persona, a persona's own memories,
global memories) are read by every user's agent, so what is written there
must carry lessons, never a person. :func:`screen` is the one rule every
write to them passes: it finds PII, then either rewrites the text the way
the seed's PersonaMemoryClassifier does (names become "someone", companies
"their workplace", places "a city"; contact details and identifiers are
removed) or refuses it. What was found is reported as counts per type,
never as the values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import Field

from persona_memory.core.base import Model, UTCDatetime
from persona_memory.core.errors import InvalidInput


class PiiType(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    CREDIT_CARD = "CREDIT_CARD"
    IBAN = "IBAN"
    US_SSN = "US_SSN"
    IP_ADDRESS = "IP_ADDRESS"
    STREET_ADDRESS = "STREET_ADDRESS"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    URL = "URL"
    SOCIAL_HANDLE = "SOCIAL_HANDLE"
    PERSON = "PERSON"
    ORG = "ORG"
    LOCATION = "LOCATION"


ENTITY_TYPES = frozenset({PiiType.PERSON, PiiType.ORG, PiiType.LOCATION})
STRUCTURED_TYPES = frozenset(PiiType) - ENTITY_TYPES


class PrivacyMode(StrEnum):
    """What a write to a shared scope does with PII it carries."""

    REDACT = "redact"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class PiiSpan:
    type: PiiType
    start: int
    end: int
    score: float
    text: str


class EntityRecognizer(Protocol):
    """Names, companies and places in free text (spaCy, Presidio, a gazetteer)."""

    @property
    def name(self) -> str: ...

    def recognise(self, text: str) -> list[PiiSpan]: ...


class PiiDetector:
    """Validated patterns for structured PII, then a recogniser for entities.

    Structured spans always win an overlap: "Contact Main St 12" may look like
    a place to a model, but an address is removed, not generalised.
    """

    def __init__(self, recogniser: EntityRecognizer) -> None:
        self.recogniser = recogniser

    @property
    def name(self) -> str:
        return f"patterns+{self.recogniser.name}"

    def detect(self, text: str) -> list[PiiSpan]:
        from persona_memory.core.privacy_patterns import structured_spans

        spans = structured_spans(text)
        addresses = [s.end for s in spans if s.type is PiiType.STREET_ADDRESS]
        for entity in self.recogniser.recognise(text):
            if any(entity.start < s.end and s.start < entity.end for s in spans):
                continue
            # "Ziegertweg 61, Bischofswerda": a name right after an address is its town.
            if any(text[end : entity.start].strip() == "," for end in addresses):
                entity = PiiSpan(
                    PiiType.LOCATION, entity.start, entity.end, entity.score, entity.text
                )
            spans.append(entity)
        return sorted(spans, key=lambda s: (s.start, -s.end))


@dataclass(frozen=True, slots=True)
class Screened:
    """A text as a shared scope will store it, and what was taken out of it."""

    text: str
    found: dict[str, int]

    @property
    def changed(self) -> bool:
        return bool(self.found)


class PiiRejected(InvalidInput):
    code = "pii_rejected"

    def __init__(self, found: dict[str, int], field: str) -> None:
        kinds = ", ".join(f"{kind} ({count})" for kind, count in sorted(found.items()))
        super().__init__(
            f"{field} holds personal data ({kinds}); a shared scope is read by every user's "
            "agent, so it stores lessons, never people: write it without them, or store it "
            "in the user's own relationship",
            field=field,
        )
        self.found = found


def counts(spans: Sequence[PiiSpan]) -> dict[str, int]:
    return dict(sorted(Counter(str(span.type) for span in spans).items()))


def screen(text: str, spans: Sequence[PiiSpan], mode: PrivacyMode, field: str) -> Screened:
    """The text to store in a shared scope: as given when it holds no PII;
    anonymised under ``redact``; refused under ``reject``."""
    if not spans:
        return Screened(text, {})
    found = counts(spans)
    if mode is PrivacyMode.REJECT:
        raise PiiRejected(found, field)
    return Screened(anonymise(text, spans), found)


class Redaction(Model):
    """One shared-scope write that was anonymised: where, what kinds, how many.
    Never the values: a record of PII removed must not be a copy of it."""

    target: Literal["memory", "block"]
    target_id: str
    scope: str = Field(description="persona, global or user_persona")
    owner: str | None = Field(description="the persona id or the user persona's handle")
    field: str
    found: dict[str, int] = Field(description="PII type -> how many were removed")
    source: str = Field(description="what wrote it: api, tool, sync, learning, scan...")
    created_at: UTCDatetime


class RedactionTotals(Model):
    redactions: int = Field(description="shared-scope writes anonymised so far")
    by_type: dict[str, int] = Field(description="PII removed, per type")
    by_scope: dict[str, int]
    by_source: dict[str, int]
    last_at: datetime | None


class PrivacyStats(RedactionTotals):
    mode: PrivacyMode
    detector: str


class ScanFinding(Model):
    target: Literal["memory", "block"]
    target_id: str
    scope: str
    owner: str | None
    found: dict[str, int]
    fixed: bool


class ScanReport(Model):
    scanned: int
    with_pii: int
    fixed: int
    findings: list[ScanFinding]


# --- the anonymiser ------------------------------------------------------

_WORK_CUES = re.compile(r"\b(?:at|for|with|from|joined|left|by)\s*$", re.IGNORECASE)
# The word that pointed at a removed detail goes with it: "text me at X" → "text me".
_POINTER = re.compile(r"(?:\s+(?:at|on|to|via|is|are)|\s*[:=#-])\s*$", re.IGNORECASE)


def anonymise(text: str, spans: Sequence[PiiSpan]) -> str:
    """The seed's rules: names → "someone" (then "a friend"), companies → "their
    workplace" (after at/for/with) or "a company", places → "a city"; contact
    details, identifiers and birth dates are removed with the word that
    introduced them, and the sentence is tidied so it still reads."""
    out: list[str] = []
    cursor = 0
    people: dict[str, str] = {}
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < cursor:
            continue
        before = text[cursor : span.start]
        if span.type in ENTITY_TYPES:
            out.append(before)
            out.append(_stand_in(span, before, people))
        else:
            out.append(_drop_cue(before))
        cursor = span.end
    out.append(text[cursor:])
    return _tidy("".join(out), text)


def _stand_in(span: PiiSpan, before: str, people: dict[str, str]) -> str:
    if span.type is PiiType.PERSON:
        key = span.text.casefold().split()[0] if span.text.split() else span.text
        word = people.setdefault(key, "someone" if not people else "a friend")
    elif span.type is PiiType.ORG:
        word = "their workplace" if _WORK_CUES.search(before) else "a company"
    else:
        word = "a city"
    at_start = not before.strip() or before.rstrip()[-1:] in ".!?"
    return word[0].upper() + word[1:] if at_start and span.text[:1].isupper() else word


def _drop_cue(before: str) -> str:
    return _POINTER.sub(" ", before)


_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")
_EMPTY_PARENS = re.compile(r"\(\s*\)|\[\s*\]")
_REPEATED_PUNCT = re.compile(r"([,;:])(?:\s*[,;:])+")
_DANGLING = re.compile(r"(?:\s*(?:,|;|:|-|and|or|/|at|on|via|to))+\s*([.!?]?)$", re.IGNORECASE)


def _tidy(text: str, original: str) -> str:
    text = _EMPTY_PARENS.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _DANGLING.sub(r"\1", text.rstrip())
    text = text.strip(" ,;:-")
    return text if text.strip(" .!?") else "(personal details removed)"
