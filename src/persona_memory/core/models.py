"""The domain's data, as pydantic models.

These same models are the SDK's return values and the REST API's request and
response bodies: one definition per concept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from persona_memory.core.blocks import Block
from persona_memory.core.ids import PERSONA_ID_PATTERN, USER_ID_PATTERN
from persona_memory.core.profiles import Profile, ProfileCategory, default_profile_schema
from persona_memory.core.scope import ScopeKind
from persona_memory.core.user_personas import Membership

JSONObject = dict[str, Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to it."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTCDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- personas -------------------------------------------------------------


class PersonaFields(_Model):
    """Everything about a persona but its id; shared by create and read."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    core_system_prompt: str = ""
    personality_traits: dict[str, str] = Field(default_factory=dict)
    behavioral_rules: list[str] = Field(default_factory=list)
    voice: str | None = None
    metadata: JSONObject = Field(default_factory=dict)
    attach_user_persona_blocks: bool = Field(
        default=True,
        description="attach the shared blocks of the user's user personas to this persona's "
        "relationships",
    )
    profile_schema: dict[str, ProfileCategory] = Field(
        default_factory=default_profile_schema,
        description="the categories of the JSON profile this persona keeps about each user",
    )
    profile_title: str = Field(
        default="USER MEMORY", max_length=100, description="title of the profile prompt section"
    )


class PersonaCreate(PersonaFields):
    id: str = Field(pattern=PERSONA_ID_PATTERN, description="slug, e.g. 'sage'")


class PersonaUpdate(_Model):
    """A partial update: only the fields given change."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    core_system_prompt: str | None = None
    personality_traits: dict[str, str] | None = None
    behavioral_rules: list[str] | None = None
    voice: str | None = None
    metadata: JSONObject | None = None
    attach_user_persona_blocks: bool | None = None
    profile_schema: dict[str, ProfileCategory] | None = None
    profile_title: str | None = Field(default=None, max_length=100)


class Persona(PersonaCreate):
    created_at: datetime
    updated_at: datetime


# --- users and relationships ---------------------------------------------


class UserCreate(_Model):
    id: str = Field(pattern=USER_ID_PATTERN, description="the caller's own id for the user")
    name: str | None = None
    metadata: JSONObject = Field(default_factory=dict)


class User(UserCreate):
    created_at: datetime


class RelationshipUpdate(_Model):
    """What one user is to one persona (seed 004's relationship context)."""

    relationship_type: str = "user"
    custom_system_prompt: str | None = None
    memory_config: JSONObject = Field(default_factory=dict)
    metadata: JSONObject = Field(default_factory=dict)


class Relationship(RelationshipUpdate):
    persona_id: str
    user_id: str
    created_at: datetime
    updated_at: datetime


# --- semantic memories -----------------------------------------------------


class MemoryCreate(_Model):
    """A fact to remember. Persona + user: a relationship memory; persona
    alone: the persona's own; neither: global."""

    text: str = Field(min_length=1)
    persona_id: str | None = Field(default=None, pattern=PERSONA_ID_PATTERN)
    user_id: str | None = Field(default=None, pattern=USER_ID_PATTERN)
    category: str | None = Field(default=None, max_length=100)
    tags: list[str] = Field(default_factory=list)
    importance: int = Field(default=5, ge=1, le=10)
    metadata: JSONObject = Field(default_factory=dict)
    source: str = Field(default="api", max_length=100)
    valid_from: UTCDatetime | None = None
    valid_to: UTCDatetime | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class MemoryUpdate(_Model):
    """A partial update of a memory; its scope never changes."""

    text: str | None = Field(default=None, min_length=1)
    category: str | None = Field(default=None, max_length=100)
    tags: list[str] | None = None
    importance: int | None = Field(default=None, ge=1, le=10)
    metadata: JSONObject | None = None
    valid_from: UTCDatetime | None = None
    valid_to: UTCDatetime | None = None


class MemoryRecord(_Model):
    id: str
    text: str
    scope: ScopeKind
    persona_id: str | None
    user_id: str | None
    category: str | None
    tags: list[str]
    importance: int
    metadata: JSONObject
    source: str
    created_at: datetime
    updated_at: datetime
    valid_from: UTCDatetime | None = None
    valid_to: UTCDatetime | None = None


class HistoryEvent(StrEnum):
    ADD = "ADD"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class MemoryHistoryEntry(_Model):
    id: int
    memory_id: str
    event: HistoryEvent
    old_value: JSONObject | None
    new_value: JSONObject | None
    created_at: datetime


# --- search ----------------------------------------------------------------

SearchMode = Literal["hybrid", "text", "vector"]


class SearchFilters(_Model):
    scope: list[ScopeKind] | None = Field(
        default=None, description="restrict to these of the visible scopes"
    )
    category: str | None = None
    tags: list[str] | None = Field(default=None, description="memories carrying any of these")
    created_after: UTCDatetime | None = None
    created_before: UTCDatetime | None = None
    valid_at: UTCDatetime | None = Field(
        default=None, description="only memories valid at this instant (valid_from/valid_to)"
    )
    min_importance: int | None = Field(default=None, ge=1, le=10)


class SearchRequest(_Model):
    query: str = Field(min_length=1)
    persona_id: str | None = Field(default=None, pattern=PERSONA_ID_PATTERN)
    user_id: str | None = Field(default=None, pattern=USER_ID_PATTERN)
    limit: int = Field(default=10, ge=1, le=200)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    mode: SearchMode = "hybrid"


class SearchHit(MemoryRecord):
    score: float = Field(description="fused relevance, higher is better")
    text_rank: int | None = Field(default=None, description="1-based BM25 rank, if matched")
    vector_rank: int | None = Field(default=None, description="1-based dense rank, if matched")


class SearchResults(_Model):
    results: list[SearchHit]


class UserExport(_Model):
    user: User
    relationships: list[Relationship]
    memories: list[MemoryRecord]
    history: list[MemoryHistoryEntry]
    blocks: list[Block] = Field(description="the private blocks of the user's relationships")
    profiles: list[Profile]
    memberships: list[Membership]
    exported_at: datetime
