"""Users: the end users, known by the caller's own id string."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from persona_memory.core.base import MAX_NAME_CHARS, BoundedJSON, Model
from persona_memory.core.blocks import Block
from persona_memory.core.episodes import Episode
from persona_memory.core.errors import NotFoundError
from persona_memory.core.ids import USER_ID_PATTERN
from persona_memory.core.jobs import Job
from persona_memory.core.memories import MemoryHistoryEntry, MemoryRecord
from persona_memory.core.procedures import Procedure
from persona_memory.core.profiles import Profile, ProfileHistoryEntry
from persona_memory.core.relationships import Relationship
from persona_memory.core.sessions import Entry, Session
from persona_memory.core.tokens import UserToken
from persona_memory.core.transcripts import Transcript
from persona_memory.core.user_personas import Membership


class UserCreate(Model):
    """A new user: your own id for them, and a name and metadata if you like."""

    id: str = Field(pattern=USER_ID_PATTERN, description="the caller's own id for the user")
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    metadata: BoundedJSON = Field(default_factory=dict)


class User(UserCreate):
    """A user, with when they were created."""

    created_at: datetime


class UserPage(Model):
    users: list[User]
    total: int = Field(description="users matching the search, all pages together")


class UserNotFound(NotFoundError):
    """No user has that id (404)."""

    code = "user_not_found"

    def __init__(self, user_id: str) -> None:
        super().__init__(f"user {user_id!r} does not exist", field="user_id")


class UserExport(Model):
    """Everything stored about one user, in every table and scope."""

    user: User
    relationships: list[Relationship]
    memories: list[MemoryRecord]
    history: list[MemoryHistoryEntry]
    blocks: list[Block] = Field(description="the private blocks of the user's relationships")
    profiles: list[Profile]
    profile_history: list[ProfileHistoryEntry]
    memberships: list[Membership]
    tokens: list[UserToken] = Field(description="the user's tokens, without their secrets")
    sessions: list[Session] = Field(default_factory=list)
    session_entries: list[Entry] = Field(default_factory=list)
    episodes: list[Episode] = Field(default_factory=list)
    procedures: list[Procedure] = Field(
        default_factory=list, description="templates the user's relationships override"
    )
    jobs: list[Job] = Field(default_factory=list, description="learning work on their sessions")
    transcripts: list[Transcript] = Field(
        default_factory=list, description="verbatim sessions from the transcript store"
    )
    exported_at: datetime


def new_user(user_id: str, now: datetime) -> User:
    """The user created on first use: only the id is known."""
    return User(id=user_id, created_at=now)
