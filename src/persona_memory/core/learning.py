"""Learning: what a conversation teaches about the user, and how it joins what
is already known (seed 004's post-call processing).

An :class:`Extractor` turns turns into :class:`Candidate` facts; consolidation
compares each candidate with the relationship's current facts and decides one
:class:`LearningEvent`: ADD it, UPDATE a near-duplicate (merged, reinforced),
SUPERSEDE a fact it contradicts (the old one gets ``valid_to`` and a link, and
stays in history), or NOOP. The rules here are pure; the service that runs
them is :mod:`persona_memory.core.learning_service`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import Field

from persona_memory.core.base import Model
from persona_memory.core.digests import Turn
from persona_memory.core.ids import PERSONA_ID_PATTERN, USER_ID_PATTERN
from persona_memory.core.memories import MAX_CONTEXT_CHARS, MemoryRecord

FACT_SOURCE = "learning"
STORYLINE_CATEGORY = "storyline"
SLOT_TAG_PREFIX = "slot:"


class StorylineStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class Candidate(Model):
    """A fact the conversation states about the user, not yet stored.

    ``slot`` names a single-valued attribute (``employer``, ``home_city``,
    ``boss``...): a newer value for the same slot supersedes the older one.
    Facts without a slot (likes, allergies, events) accumulate. A storyline is
    a candidate of category ``storyline`` with a ``topic`` and a ``status``.
    """

    text: str = Field(min_length=1, max_length=2_000, description="a third-person statement")
    category: str = Field(min_length=1, max_length=100)
    entities: list[str] = Field(default_factory=list, max_length=20)
    importance: int = Field(default=5, ge=1, le=10)
    slot: str | None = Field(default=None, max_length=80)
    value: str | None = Field(default=None, max_length=500)
    topic: str | None = Field(default=None, max_length=100)
    status: StorylineStatus | None = None
    turns: list[int] = Field(
        default_factory=list, description="0-based indexes of the turns it came from"
    )


@runtime_checkable
class Extractor(Protocol):
    """Finds candidate facts in turns. Never raises on odd input: nothing found
    is an empty list. Only the user's turns (role ``user``) state user facts."""

    def extract(self, turns: Sequence[Turn]) -> list[Candidate]: ...


class Event(StrEnum):
    ADD = "ADD"
    UPDATE = "UPDATE"
    SUPERSEDE = "SUPERSEDE"
    NOOP = "NOOP"


class LearningEvent(Model):
    """What consolidation did with one candidate."""

    event: Event
    memory_id: str | None = Field(description="the fact added, updated or repeated")
    text: str
    previous_memory_id: str | None = Field(
        default=None, description="SUPERSEDE: the fact it closed"
    )
    previous_text: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """One candidate's fate; ``target`` is the existing fact it touches."""

    event: Event
    candidate: Candidate
    target: MemoryRecord | None = None
    reason: str = ""


# --- rules -----------------------------------------------------------------

NEAR_DUPLICATE = 0.6
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "i",
        "my",
        "me",
        "user",
        "user's",
        "s",
        "just",
        "really",
        "very",
        "so",
        "also",
        "still",
        "now",
    ]
)


def words(text: str) -> frozenset[str]:
    """Content words, lower-cased, with a crude plural/verb -s strip."""
    found = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        found.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return frozenset(found)


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of content words: 1.0 for the same statement."""
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def slot_tag(slot: str) -> str:
    return SLOT_TAG_PREFIX + slot


def record_slot(record: MemoryRecord) -> str | None:
    slot = record.metadata.get("slot")
    return slot if isinstance(slot, str) else None


def decide(candidate: Candidate, current: Sequence[MemoryRecord]) -> Decision:
    """Compare ``candidate`` with the relationship's current facts near it."""
    if candidate.slot is not None:
        same_slot = [r for r in current if record_slot(r) == candidate.slot]
        if same_slot:
            return _same_slot(candidate, same_slot[0])
    best, score = _nearest(candidate, current)
    if best is not None and (score >= 0.999 or words(candidate.text) <= words(best.text)):
        return Decision(Event.NOOP, candidate, best, "already known; reinforced")
    # Only a learned fact is merged into: a memory written by the API (a raw
    # turn, a fact the agent chose the words of) keeps its text.
    if (
        best is not None
        and score >= NEAR_DUPLICATE
        and record_slot(best) is None
        and best.source == FACT_SOURCE
    ):
        return Decision(Event.UPDATE, candidate, best, f"near-duplicate ({score:.2f}); merged")
    return Decision(Event.ADD, candidate)


def _same_slot(candidate: Candidate, existing: MemoryRecord) -> Decision:
    old_value = str(existing.metadata.get("value") or "")
    if candidate.category == STORYLINE_CATEGORY:
        if (
            existing.metadata.get("status") == candidate.status
            and similarity(candidate.text, existing.text) >= NEAR_DUPLICATE
        ):
            return Decision(Event.NOOP, candidate, existing, "storyline unchanged; reinforced")
        return Decision(Event.UPDATE, candidate, existing, "storyline moved on")
    if _same_value(candidate.value, old_value):
        if words(candidate.text) <= words(existing.text):
            return Decision(Event.NOOP, candidate, existing, "already known; reinforced")
        return Decision(Event.UPDATE, candidate, existing, "same value, more detail")
    return Decision(
        Event.SUPERSEDE,
        candidate,
        existing,
        f"{candidate.slot}: {old_value or existing.text!r} -> {candidate.value!r}",
    )


def _same_value(new: str | None, old: str) -> bool:
    return (new or "").strip().lower() == old.strip().lower()


def _nearest(
    candidate: Candidate, current: Sequence[MemoryRecord]
) -> tuple[MemoryRecord | None, float]:
    scored = [(similarity(candidate.text, record.text), record) for record in current]
    if not scored:
        return None, 0.0
    score, record = max(scored, key=lambda pair: pair[0])
    return record, score


def merged_text(old: str, new: str) -> str:
    """The near-duplicates' merge: the more informative statement."""
    return new if len(words(new)) >= len(words(old)) else old


def deduplicated(candidates: Sequence[Candidate]) -> list[Candidate]:
    """One candidate per statement, and per slot the last one said."""
    last_for_slot = {c.slot: i for i, c in enumerate(candidates) if c.slot is not None}
    seen: set[frozenset[str]] = set()
    kept = []
    for index, candidate in enumerate(candidates):
        if candidate.slot is not None and last_for_slot[candidate.slot] != index:
            continue
        key = words(candidate.text)
        if key in seen:
            continue
        seen.add(key)
        kept.append(candidate)
    return kept


def fact_tags(candidate: Candidate) -> list[str]:
    tags = [slot_tag(candidate.slot)] if candidate.slot else []
    tags += [entity.lower()[:100] for entity in candidate.entities]
    return list(dict.fromkeys(tags))[:50]


def fact_metadata(
    candidate: Candidate,
    now: datetime,
    *,
    session_id: str | None,
    entry_ids: Sequence[int],
    message_indexes: Sequence[int] = (),
) -> dict[str, object]:
    """What a stored fact carries about where it came from."""
    metadata: dict[str, object] = {"entities": candidate.entities}
    if candidate.slot is not None:
        metadata |= {"slot": candidate.slot, "value": candidate.value}
    if candidate.category == STORYLINE_CATEGORY:
        metadata |= {
            "topic": candidate.topic,
            "status": (candidate.status or StorylineStatus.IN_PROGRESS).value,
            "first_mentioned": now.isoformat(),
        }
    if session_id is not None:
        metadata["session_id"] = session_id
    if entry_ids:
        metadata["entry_ids"] = list(entry_ids)
    if message_indexes:  # ingest: which of the request's messages said it
        metadata["message_indexes"] = list(message_indexes)
    return metadata


# --- raw conversation ------------------------------------------------------


class Message(Model):
    role: str = Field(min_length=1, max_length=100, description="'user', 'assistant', ...")
    content: str = Field(min_length=1, max_length=16_000)
    name: str | None = Field(
        default=None, max_length=100, description="the speaker's name, used in the facts"
    )


class IngestRequest(Model):
    """A conversation outside any session (mem0's ``add(messages)``)."""

    persona_id: str = Field(pattern=PERSONA_ID_PATTERN)
    user_id: str = Field(pattern=USER_ID_PATTERN)
    messages: list[Message] = Field(min_length=1, max_length=1_000)


class IngestResult(Model):
    events: list[LearningEvent]


def message_turns(messages: Sequence[Message]) -> list[Turn]:
    return [Turn(m.role, m.content, name=m.name) for m in messages]


def fact_context(candidate: Candidate, turns: Sequence[Turn]) -> str | None:
    """The statements a fact was learned from, as its search context: a question
    in the speaker's own words ("my sister's wedding") still finds the
    third-person fact ("Alice's sister got married")."""
    said = [turns[i] for i in candidate.turns if 0 <= i < len(turns)]
    text = "\n".join(f"{turn.name or turn.role}: {turn.content}" for turn in said)
    return text[:MAX_CONTEXT_CHARS] or None
