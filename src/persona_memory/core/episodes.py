"""Episodic memory: what an ended session leaves behind (seed 004).

An episode's summary is a memory of category ``episode`` in the relationship
scope, so it is searched, exported, erased and copied like every memory; its
structured fields (topics, decisions, counts, duration) live beside it.
"""

from __future__ import annotations

from pydantic import Field

from persona_memory.core.base import Model, UTCDatetime
from persona_memory.core.errors import NotFoundError

EPISODE_CATEGORY = "episode"
EPISODE_SOURCE = "session"


class Episode(Model):
    """An ended session as episodic memory (the seed's search result fields)."""

    session_id: str
    memory_id: str = Field(description="the summary's memory")
    persona_id: str
    user_id: str
    agent: str = Field(description="the persona that held the session")
    summary: str
    key_topics: list[str]
    decisions: list[str]
    action_items: list[str]
    emotional_tone: str
    entry_count: int
    timeline_count: int
    duration: int = Field(description="seconds from the first to the last entry")
    started_at: UTCDatetime
    ended_at: UTCDatetime
    created_at: UTCDatetime


class EpisodeHit(Episode):
    score: float = Field(description="fused relevance, higher is better")


class EpisodeNotFound(NotFoundError):
    code = "episode_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no episode for session {session_id!r}", field="session_id")
