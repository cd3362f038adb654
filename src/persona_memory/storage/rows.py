"""Conversions between table rows and domain models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from persona_memory.core.base import FROM_STORE
from persona_memory.core.blocks import Block
from persona_memory.core.memories import HistoryEvent, MemoryHistoryEntry, MemoryRecord
from persona_memory.core.personas import Persona
from persona_memory.core.relationships import MemoryConfig, Relationship
from persona_memory.core.scope import ScopeKind
from persona_memory.core.user_personas import Membership, UserPersona
from persona_memory.core.users import User

MEMORY_COLUMNS = (
    "id",
    "text",
    "scope",
    "persona_id",
    "user_id",
    "category",
    "tags",
    "importance",
    "metadata",
    "source",
    "created_at",
    "updated_at",
    "valid_from",
    "valid_to",
    "reinforced_at",
    "reinforcements",
    "supersedes",
    "superseded_by",
    "context",
    "can_reference",
)


# Rows read back were checked on the way in: FROM_STORE skips walking every
# string of their JSON again (20-35 us of a persona's or relationship's ~70).


def persona_from_row(row: Row[Any]) -> Persona:
    values = dict(row._mapping)
    if values.get("continuation") is None:
        values.pop("continuation", None)  # before migration 0009: the defaults
    return Persona.model_validate(values, context=FROM_STORE)


def user_from_row(row: Row[Any]) -> User:
    return User.model_validate(dict(row._mapping), context=FROM_STORE)


def relationship_from_row(row: Row[Any]) -> Relationship:
    values = dict(row._mapping)
    # Before migration 0006 memory_config was free-form and the start date absent:
    # keep what the record knows, so that no old row becomes unreadable.
    config = values.get("memory_config") or {}
    values["memory_config"] = {k: v for k, v in config.items() if k in MemoryConfig.model_fields}
    values["relationship_started_at"] = values["relationship_started_at"] or values["created_at"]
    return Relationship.model_validate(values, context=FROM_STORE)


def relationship_values(relationship: Relationship) -> dict[str, Any]:
    return relationship.model_dump(exclude={"total_minutes"})


def memory_from_row(row: Sequence[Any]) -> MemoryRecord:
    """A row selected as ``RECORD`` (storage/sql/memories.py): MEMORY_COLUMNS, in order."""
    values = dict(zip(MEMORY_COLUMNS, row, strict=True))
    values["scope"] = ScopeKind(values["scope"])
    return MemoryRecord.model_validate(values, context=FROM_STORE)


def memory_values(record: MemoryRecord) -> dict[str, Any]:
    return record.model_dump(mode="python") | {"scope_key": record.owner.key}


def history_from_row(row: Row[Any]) -> MemoryHistoryEntry:
    values = dict(row._mapping)
    values.pop("persona_id", None)
    values.pop("user_id", None)
    values["event"] = HistoryEvent(values["event"])
    return MemoryHistoryEntry.model_validate(values)


def block_values(block: Block) -> dict[str, Any]:
    values = block.model_dump(mode="python")
    values["char_limit"] = values.pop("limit")
    values["owner"] = block.owner.value
    return values


def block_from_row(row: Row[Any]) -> Block:
    values = dict(row._mapping)
    values["limit"] = values.pop("char_limit")
    return Block.model_validate(values)


def user_persona_from_row(row: Row[Any]) -> UserPersona:
    return UserPersona.model_validate(dict(row._mapping))


def membership_from_row(row: Row[Any]) -> Membership:
    return Membership.model_validate(dict(row._mapping))
