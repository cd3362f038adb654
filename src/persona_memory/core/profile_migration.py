"""Flat profile folders (seed 001's Discord bot): one ``user_{id}.json`` per
user, ``{"user_id", "username", "facts": [{"fact", "timestamp"}], "interests",
...}``, to be moved into per-persona relationships.

Pure: a file's text becomes a :class:`LegacyProfile` or a reason it cannot;
a profile becomes the memories and profile data it imports as, with ids that
depend only on its content, so that a second run finds them already there.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, ValidationError, field_validator

from persona_memory.core.base import Model
from persona_memory.core.errors import InvalidInput
from persona_memory.core.ids import check_user_id
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.scope import ScopeKind

DEFAULT_PERSONA = "default"  # where a flat folder's profiles go (the seed's fallback)
MIGRATION_SOURCE = "migration"
PROFILE_CATEGORY = "personal_info"  # the default schema's category for who the user is
_IDS = uuid.UUID("6f1d3c8e-2b1a-4c55-9a57-52d1f0c0a001")  # namespace of migrated memory ids


class LegacyFact(Model):
    fact: str = Field(min_length=1)
    timestamp: datetime | None = None

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # The bot wrote naive local times; UTC is the only reading we can defend.
        return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


class LegacyProfile(Model, extra="allow"):
    """One file. Keys the seed does not name are kept, as profile data."""

    user_id: str
    username: str | None = None
    facts: list[LegacyFact] = Field(default_factory=list)
    interests: list[Any] = Field(default_factory=list)

    @field_validator("user_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # Discord ids are numbers in these files.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class LegacyProfileInvalid(InvalidInput):
    code = "legacy_profile_invalid"


def parse_profile(text: str) -> LegacyProfile:
    """The file's profile, or LegacyProfileInvalid saying why not."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LegacyProfileInvalid(f"not JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(data, dict):
        raise LegacyProfileInvalid("not a JSON object")
    try:
        profile = LegacyProfile.model_validate(data)
        check_user_id(profile.user_id)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise LegacyProfileInvalid(f"{where}: {problem['msg']}") from None
    return profile


@dataclass(frozen=True, slots=True)
class Migrated:
    """What one profile file imports as, for one persona."""

    persona_id: str
    user_id: str
    username: str | None
    memories: list[MemoryRecord]
    profile_data: dict[str, Any]
    content_hash: str
    source: str = field(default="")


def migrated(profile: LegacyProfile, persona_id: str, source: str, found_at: datetime) -> Migrated:
    """``found_at``: the file's time, for facts that carry none (a rerun gets the
    same, since the source folder is never modified)."""
    memories = [
        _memory(persona_id, profile.user_id, index, fact, source, found_at)
        for index, fact in enumerate(profile.facts)
    ]
    data = {**profile.extra, "interests": profile.interests}
    if profile.username is not None:
        data["username"] = profile.username
    return Migrated(
        persona_id=persona_id,
        user_id=profile.user_id,
        username=profile.username,
        memories=memories,
        profile_data=data,
        content_hash=content_hash([m.text for m in memories], data),
        source=source,
    )


def _memory(
    persona_id: str, user_id: str, index: int, fact: LegacyFact, source: str, found_at: datetime
) -> MemoryRecord:
    when = fact.timestamp or found_at
    ident = uuid.uuid5(_IDS, f"{persona_id}\n{user_id}\n{index}\n{fact.fact}")
    return MemoryRecord(
        id=str(ident),
        text=fact.fact,
        scope=ScopeKind.RELATIONSHIP,
        persona_id=persona_id,
        user_id=user_id,
        category=None,
        tags=[],
        importance=5,
        metadata={"migrated_from": source},
        source=MIGRATION_SOURCE,
        created_at=when,
        updated_at=when,
    )


def content_hash(facts: list[str], profile_data: dict[str, Any]) -> str:
    """SHA-256 of what a file says: its facts in order and its profile data. The
    verification compares it with the same hash of what the store holds."""
    canonical = json.dumps({"facts": facts, "profile": profile_data}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
