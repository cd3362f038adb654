"""Working memory: live sessions and their entries (seed 004).

A session belongs to one relationship (persona + user). Its entries carry who
spoke, on which timeline ("main", "technical", "planning"...), and when. Ending
a session with ``flush`` writes an episode (core/episodes.py) and the verbatim
transcript (core/transcripts.py).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from persona_memory.core.base import BoundedJSON, Model, UTCDatetime
from persona_memory.core.errors import ConflictError, NotFoundError
from persona_memory.core.ids import PERSONA_ID_PATTERN, SESSION_ID_PATTERN, USER_ID_PATTERN
from persona_memory.core.learning import LearningEvent

MAX_ENTRY_CHARS = 16_000
MAX_TIMELINE_CHARS = 64
MAX_ROLE_CHARS = 100
_TIMELINE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class SessionStatus(StrEnum):
    LIVE = "live"
    ENDED = "ended"


class SessionContext(Model):
    """What is happening now (the seed's ``current_context``)."""

    topic: str | None = Field(default=None, max_length=200)
    mood: str | None = Field(default=None, max_length=100)
    urgency: Literal["low", "medium", "high"] | None = None
    needs_decision: bool | None = None


class SessionCreate(Model):
    persona_id: str = Field(pattern=PERSONA_ID_PATTERN)
    user_id: str = Field(pattern=USER_ID_PATTERN)
    session_id: str | None = Field(
        default=None, pattern=SESSION_ID_PATTERN, description="omit to get a generated id"
    )
    metadata: BoundedJSON = Field(default_factory=dict)


class Session(Model):
    id: str
    persona_id: str
    user_id: str
    status: SessionStatus
    current_context: SessionContext = Field(default_factory=SessionContext)
    metadata: BoundedJSON = Field(default_factory=dict)
    started_at: UTCDatetime
    last_activity_at: UTCDatetime
    ended_at: UTCDatetime | None = None
    entry_count: int = 0
    timelines: list[str] = Field(default_factory=list)
    memory_extracted: bool = Field(
        default=False, description="what the session taught has been learned (seed 004)"
    )
    extracted_facts: list[LearningEvent] | None = Field(
        default=None, description="what learning did with each fact the session stated"
    )


class EntryCreate(Model):
    content: str = Field(min_length=1, max_length=MAX_ENTRY_CHARS)
    role: str = Field(
        default="user",
        min_length=1,
        max_length=MAX_ROLE_CHARS,
        description="who spoke: 'user', 'assistant', or the persona's id",
    )
    timeline: str = Field(default="main", pattern=_TIMELINE)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        return value


class Entry(Model):
    id: int
    session_id: str
    role: str
    content: str
    timeline: str
    created_at: UTCDatetime


class SessionEnd(Model):
    flush: bool = Field(
        default=True, description="archive the session as an episode (and its transcript)"
    )


class SessionNotFound(NotFoundError):
    code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no session {session_id!r}", field="session_id")


class EntryNotFound(NotFoundError):
    code = "entry_not_found"

    def __init__(self, session_id: str, entry_id: int) -> None:
        super().__init__(f"session {session_id!r} has no entry {entry_id}", field="entry_id")


class SessionEnded(ConflictError):
    code = "session_ended"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id!r} has ended", field="session_id")


class SessionExists(ConflictError):
    code = "already_exists"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id!r} already exists", field="session_id")


def new_session_id() -> str:
    return f"session_{secrets.token_hex(8)}"


def new_session(data: SessionCreate, now: datetime) -> Session:
    return Session(
        id=data.session_id or new_session_id(),
        persona_id=data.persona_id,
        user_id=data.user_id,
        status=SessionStatus.LIVE,
        metadata=data.metadata,
        started_at=now,
        last_activity_at=now,
    )


def duration_seconds(entries: list[Entry], session: Session, ended_at: datetime) -> int:
    """From the first entry (or the start) to the last entry (or the end)."""
    start = entries[0].created_at if entries else session.started_at
    end = entries[-1].created_at if entries else ended_at
    return max(0, round((end - start).total_seconds()))


_WORD = re.compile(r"\w+", re.UNICODE)


def entry_matches(entry: Entry, query: str) -> int:
    """How many of the query's words the entry holds (0: not a match); a session
    is small, so its search is a scan."""
    wanted = {word.lower() for word in _WORD.findall(query)}
    have = {word.lower() for word in _WORD.findall(entry.content)}
    return len(wanted & have)
