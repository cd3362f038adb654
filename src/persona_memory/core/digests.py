"""Session digests: what a finished conversation leaves behind as an episode.

Working memory is the live session (its turns); when the session ends a
:class:`Summarizer` condenses the turns into a :class:`SessionDigest`, which
becomes episodic memory. This module holds only the shapes; summarizers live
in :mod:`persona_memory.providers.summarizers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import Field

from persona_memory.core.base import Model

# The overall tones the extractive summarizer gives. A richer summarizer may
# name a concrete emotion instead (e.g. "anxious"), so the field stays a str.
TONES = ("positive", "negative", "mixed", "neutral")


@dataclass(frozen=True, slots=True)
class Turn:
    """One entry of a live session.

    ``role`` is who spoke: "user", "assistant" or a persona id such as "brad".
    ``timeline`` names the thread the entry belongs to ("main", "technical",
    "planning", ...); one session may interleave several. ``name`` is the
    speaker's name when known (a raw conversation may carry it): extracted
    facts then say "Caroline loves..." rather than "User loves...".
    """

    role: str
    content: str
    timeline: str = "main"
    created_at: datetime | None = None
    name: str | None = None


class SessionDigest(Model):
    """A summarised session. Every field may be empty: an empty session gives
    ``SessionDigest()``, summary "" and tone "neutral"."""

    summary: str = ""
    key_topics: list[str] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list)
    action_items: list[str] = Field(default_factory=list)
    emotional_tone: str = "neutral"
    emotions: list[str] = Field(default_factory=list)
    people_mentioned: list[str] = Field(default_factory=list)


@runtime_checkable
class Summarizer(Protocol):
    """Turns a session's turns, in the order they happened, into a digest.

    The offline ExtractiveSummarizer implements it today; the LLM summarizer
    of a later issue implements the same protocol, so callers never know which
    one they got. An implementation never raises on odd input: no turns give
    an empty digest.
    """

    def summarize(self, turns: Sequence[Turn], *, max_sentences: int = 4) -> SessionDigest: ...
