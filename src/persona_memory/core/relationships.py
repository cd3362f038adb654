"""Relationships: one user with one persona. A relationship *is* the agent
instance: everything the persona knows privately about the user lives in it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, StrictInt, computed_field, model_validator

from persona_memory.core.base import (
    MAX_PROMPT_CHARS,
    BoundedJSON,
    Model,
    UTCDatetime,
    refuse_nulls,
)
from persona_memory.core.errors import NotFoundError


class MemoryConfig(Model):
    """What the user lets the persona remember (seed 004's defaults); unknown
    keys are refused."""

    remember_relationship_details: bool = True
    remember_past_conversations: bool = Field(
        default=True, description="false: an ended session leaves no episode, only the stats"
    )
    remember_personal_facts: bool = True
    auto_recall_depth: StrictInt = Field(
        default=10, ge=0, le=100, description="how many past sessions to recall"
    )


class RelationshipUpdate(Model):
    """What one user is to one persona (the relationship context).
    ``relationship_type`` is free text; the usual ones are friend, partner,
    family_member, professional and custom."""

    relationship_type: str = Field(default="friend", min_length=1, max_length=50)
    custom_system_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    memory_config: MemoryConfig = Field(default_factory=MemoryConfig)
    metadata: BoundedJSON = Field(default_factory=dict)
    relationship_started_at: UTCDatetime | None = Field(
        default=None, description="when they met; defaults to when the record was created"
    )


class MemoryConfigPatch(Model):
    remember_relationship_details: bool | None = None
    remember_past_conversations: bool | None = None
    remember_personal_facts: bool | None = None
    auto_recall_depth: StrictInt | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _no_nulls(self) -> MemoryConfigPatch:
        refuse_nulls(self)
        return self


class RelationshipPatch(Model):
    """A partial update: fields left out are kept; ``memory_config`` merges."""

    relationship_type: str | None = Field(default=None, min_length=1, max_length=50)
    custom_system_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    memory_config: MemoryConfigPatch | None = None
    metadata: BoundedJSON | None = None
    relationship_started_at: UTCDatetime | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> RelationshipPatch:
        refuse_nulls(self, frozenset({"custom_system_prompt"}))
        return self


class Customization(Model):
    """What a user may set themselves (``POST /v1/me/personas/{pid}/customize``)."""

    relationship_type: str = Field(min_length=1, max_length=50)
    custom_system_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)


class Relationship(Model):
    """What one user is to one persona, with their sessions' stats; created on
    first use."""

    persona_id: str
    user_id: str
    relationship_type: str
    custom_system_prompt: str | None
    memory_config: MemoryConfig
    metadata: BoundedJSON
    relationship_started_at: UTCDatetime
    total_sessions: int = 0
    total_seconds: int = 0
    last_session_at: UTCDatetime | None = None
    created_at: UTCDatetime
    updated_at: UTCDatetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_minutes(self) -> int:
        """Whole minutes of all ended sessions."""
        return self.total_seconds // 60


class RelationshipNotFound(NotFoundError):
    """The persona and the user have no relationship yet (404)."""

    code = "relationship_not_found"

    def __init__(self, persona_id: str, user_id: str) -> None:
        super().__init__(f"persona {persona_id!r} has no relationship with user {user_id!r}")


def new_relationship(persona_id: str, user_id: str, now: datetime) -> Relationship:
    """The relationship created on first use, before anyone describes it."""
    defaults = RelationshipUpdate()
    return Relationship(
        persona_id=persona_id,
        user_id=user_id,
        relationship_type=defaults.relationship_type,
        custom_system_prompt=None,
        memory_config=defaults.memory_config,
        metadata={},
        relationship_started_at=now,
        created_at=now,
        updated_at=now,
    )


def described(current: Relationship, data: RelationshipUpdate, now: datetime) -> Relationship:
    """``current`` as ``data`` describes it (a PUT); the stats are kept."""
    values = data.model_dump(exclude={"relationship_started_at"})
    started = data.relationship_started_at or current.relationship_started_at
    return current.model_copy(
        update={
            **values,
            "memory_config": data.memory_config,
            "relationship_started_at": started,
            "updated_at": now,
        }
    )


def patched(current: Relationship, patch: RelationshipPatch, now: datetime) -> Relationship:
    """``current`` with the fields ``patch`` sets; ``memory_config`` merges key by key."""
    changes = patch.model_dump(exclude_unset=True, exclude={"memory_config"})
    if patch.memory_config is not None:
        merged = current.memory_config.model_copy(
            update=patch.memory_config.model_dump(exclude_unset=True)
        )
        changes["memory_config"] = merged
    return current.model_copy(update={**changes, "updated_at": now})


def with_session(current: Relationship, seconds: int, ended_at: datetime) -> Relationship:
    """The stats after one more ended session."""
    return current.model_copy(
        update={
            "total_sessions": current.total_sessions + 1,
            "total_seconds": current.total_seconds + seconds,
            "last_session_at": ended_at,
        }
    )
