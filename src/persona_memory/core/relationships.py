"""Relationships: one user with one persona. A relationship *is* the agent
instance: everything the persona knows privately about the user lives in it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from persona_memory.core.base import MAX_PROMPT_CHARS, BoundedJSON, Model
from persona_memory.core.errors import NotFoundError


class RelationshipUpdate(Model):
    """What one user is to one persona (seed 004's relationship context)."""

    relationship_type: str = Field(default="user", min_length=1, max_length=50)
    custom_system_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    memory_config: BoundedJSON = Field(default_factory=dict)
    metadata: BoundedJSON = Field(default_factory=dict)


class Relationship(RelationshipUpdate):
    persona_id: str
    user_id: str
    created_at: datetime
    updated_at: datetime


class RelationshipNotFound(NotFoundError):
    code = "relationship_not_found"

    def __init__(self, persona_id: str, user_id: str) -> None:
        super().__init__(f"persona {persona_id!r} has no relationship with user {user_id!r}")


def new_relationship(persona_id: str, user_id: str, now: datetime) -> Relationship:
    """The relationship created on first use, before anyone describes it."""
    return Relationship(persona_id=persona_id, user_id=user_id, created_at=now, updated_at=now)
