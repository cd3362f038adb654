"""The persona's own memories as a file a person edits and commits (seed 003):
``persona_memories.json``, and the persona's passport beside it.

The file is the source; the store is its index. A sync compares each entry's
content hash with what was stored from it and writes only the difference
(core/persona_file_service.py). This module is pure: parsing with errors that
name the line, the plan of a sync, and the file an export writes.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, StrictBool, StrictInt, ValidationError, field_validator

from persona_memory.core.base import Model, Rules, Tags
from persona_memory.core.continuation import ContinuationSettings
from persona_memory.core.errors import InvalidInput
from persona_memory.core.memories import MemoryRecord, text_not_blank
from persona_memory.core.personas import Persona, PersonaUpdate, Traits

FILE_NAME = "persona_memories.json"
FORMAT_VERSION: Literal["1.0"] = "1.0"
FILE_SOURCE = "json"  # a memory's ``source`` when it came from the file
RUNTIME_SOURCE = "runtime"  # added through the API or UI, or learned
FILE_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,100}$"
# Keys this module keeps in a file memory's ``metadata``.
FILE_ID, CONTENT_HASH, FIELDS = "file_id", "content_hash", "file_fields"
IMPORTANCE_BANDS = (
    "1-3 not worth storing (routine), 4-6 somewhat interesting, 7-8 worth storing, "
    "9-10 very impactful (seed 003)"
)
M = TypeVar("M", bound=Model)


class PersonaMemoryCategory(StrEnum):
    EXPERIENCE = "experience"
    PREFERENCE = "preference"
    OPINION = "opinion"
    LEARNED_FACT = "learned_fact"
    INTEREST = "interest"
    RELATIONSHIP = "relationship"
    EMOTIONAL_PATTERN = "emotional_pattern"


class FileMemory(Model):
    id: str = Field(pattern=FILE_ID_PATTERN, description="unique in the file, e.g. sage_mem_001")
    category: PersonaMemoryCategory
    text: str = Field(min_length=1, max_length=16_000)
    tags: Tags = Field(default_factory=list)
    emotional_tone: str | None = Field(default=None, max_length=100)
    timestamp: date | datetime | None = Field(
        default=None, description="when it happened: a date (2023-06-01) or an ISO datetime"
    )
    importance: StrictInt = Field(ge=1, le=10, description=IMPORTANCE_BANDS)
    can_reference: StrictBool = Field(
        default=True, description="false: listed for admins, never referenced to a user"
    )

    _not_blank = field_validator("text")(text_not_blank)


class FileMetadata(Model):
    last_updated: date
    total_memories: StrictInt = Field(ge=0)
    source: str = Field(default="manual_curation", max_length=100)


class PersonaMemoryFile(Model):
    """``persona_memories.json``, exactly seed 003's format."""

    persona_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    version: Literal["1.0"] = FORMAT_VERSION
    metadata: FileMetadata
    memories: list[FileMemory] = Field(max_length=10_000)


class Passport(Model):
    """``passports/{persona_id}.json``: the persona's definition."""

    persona_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2_000)
    core_system_prompt: str = Field(default="", max_length=20_000)
    personality_traits: Traits = Field(default_factory=dict)
    behavioral_rules: Rules = Field(default_factory=list)
    voice: str | None = Field(default=None, max_length=200)
    continuation: ContinuationSettings = Field(default_factory=ContinuationSettings)

    def as_update(self) -> PersonaUpdate:
        return PersonaUpdate(**self.model_dump(exclude={"persona_id"}))

    @classmethod
    def of(cls, persona: Persona) -> Passport:
        fields = persona.model_dump(include=set(cls.model_fields) - {"persona_id"})
        return cls(persona_id=persona.id, **fields)


class SyncCounts(Model):
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


class SyncStatus(Model):
    """A persona's last sync of its memory file."""

    persona_id: str
    synced_at: datetime
    file: str = Field(description="the file synced, as given")
    file_hash: str = Field(description="SHA-256 of the file's bytes")
    counts: SyncCounts
    file_metadata: dict[str, Any] = Field(
        default_factory=dict, description="the file's own metadata, kept for export"
    )
    order: list[str] = Field(
        default_factory=list, description="the file's memory ids in its order, kept for export"
    )


class PersonaFileInvalid(InvalidInput):
    code = "persona_file_invalid"


# --- reading -------------------------------------------------------------------


def read_memory_file(path: Path) -> tuple[PersonaMemoryFile, bytes]:
    """The parsed file and its bytes; PersonaFileInvalid names the line of each error."""
    data = _read(path)
    parsed = _validated(PersonaMemoryFile, path, data)
    seen: dict[str, int] = {}
    for index, memory in enumerate(parsed.memories):
        if memory.id in seen:
            line = _lines(data).get(("memories", index, "id"), 1)
            raise PersonaFileInvalid(
                f"{path}: line {line}: memories[{index}].id: {memory.id!r} is also "
                f"memories[{seen[memory.id]}].id; ids must be unique",
                field="memories",
            )
        seen[memory.id] = index
    return parsed, data


def read_passport(path: Path) -> Passport:
    return _validated(Passport, path, _read(path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise PersonaFileInvalid(f"{path}: cannot be read: {error.strerror}") from error


def _validated(model: type[M], path: Path, data: bytes) -> M:
    try:
        value = json.loads(data)
    except UnicodeDecodeError as error:
        raise PersonaFileInvalid(f"{path}: not UTF-8 text ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise PersonaFileInvalid(
            f"{path}: line {error.lineno}, column {error.colno}: not valid JSON: {error.msg}"
        ) from error
    try:
        return model.model_validate(value)
    except ValidationError as error:
        lines = _lines(data)
        problems = [_problem(path, lines, e) for e in error.errors()[:10]]
        raise PersonaFileInvalid("\n".join(problems)) from error


def _problem(path: Path, lines: dict[tuple[str | int, ...], int], error: Any) -> str:
    location = tuple(error["loc"])
    # A missing key has no line of its own: name its object's.
    while location and location not in lines:
        location = location[:-1]
    line = lines.get(location, 1)
    return f"{path}: line {line}: {_json_path(tuple(error['loc']))}: {error['msg']}"


def _json_path(location: Sequence[str | int]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_NUMBER_OR_LITERAL = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null")


def _lines(data: bytes) -> dict[tuple[str | int, ...], int]:
    """The line on which each value of a valid JSON document starts, by its path."""
    text = data.decode("utf-8-sig")
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    lines: dict[tuple[str | int, ...], int] = {}

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def value(i: int, path: tuple[str | int, ...]) -> int:
        i = skip(i)
        lines[path] = bisect.bisect_left(newlines, i) + 1
        if text[i] == "{":
            return members(i + 1, path, "}")
        if text[i] == "[":
            return members(i + 1, path, "]")
        if text[i] == '"':
            return json.decoder.scanstring(text, i + 1)[1]  # type: ignore[attr-defined,no-any-return]
        match = _NUMBER_OR_LITERAL.match(text, i)
        assert match is not None, "only called on text json.loads accepted"
        return match.end()

    def members(i: int, path: tuple[str | int, ...], close: str) -> int:
        index = 0
        while True:
            i = skip(i)
            if text[i] == close:
                return i + 1
            if text[i] == ",":
                i = skip(i + 1)
            if close == "}":
                key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                i = skip(i) + 1  # past the colon
                i = value(i, (*path, key))
            else:
                i = value(i, (*path, index))
                index += 1

    value(0, ())
    return lines


# --- hashing and the sync plan -------------------------------------------------------


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(memory: FileMemory) -> str:
    """Of the entry's meaning, not its bytes: reformatting the file changes nothing."""
    canonical = json.dumps(
        memory.model_dump(mode="json", exclude_unset=True), sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class SyncPlan:
    add: list[FileMemory] = field(default_factory=list)
    update: list[tuple[FileMemory, MemoryRecord]] = field(default_factory=list)
    remove: list[MemoryRecord] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> SyncCounts:
        return SyncCounts(
            added=len(self.add),
            updated=len(self.update),
            removed=len(self.remove),
            unchanged=self.unchanged,
        )

    @property
    def writes(self) -> bool:
        return bool(self.add or self.update or self.remove)


def plan_sync(
    file: PersonaMemoryFile, stored: Iterable[MemoryRecord], *, force: bool = False
) -> SyncPlan:
    """What to write so that the stored file memories match ``file``.

    ``stored`` is every memory of the persona's own scope: runtime ones are never
    removed, and one whose text an entry repeats word for word is adopted by it
    (the way a reviewed export comes back)."""
    records = list(stored)
    by_id = {r.metadata.get(FILE_ID): r for r in records if r.source == FILE_SOURCE}
    runtime_by_text = {r.text: r for r in records if r.source != FILE_SOURCE}
    plan = SyncPlan()
    for entry in file.memories:
        record = by_id.pop(entry.id, None) or runtime_by_text.pop(entry.text, None)
        if record is None:
            plan.add.append(entry)
        elif (
            force
            or record.source != FILE_SOURCE
            or record.metadata.get(CONTENT_HASH) != content_hash(entry)
        ):
            plan.update.append((entry, record))
        else:
            plan.unchanged += 1
    plan.remove = [r for r in by_id.values() if r is not None]
    return plan


def stored_fields(entry: FileMemory) -> dict[str, Any]:
    """A file entry as the fields of its memory in the persona's own scope."""
    metadata: dict[str, Any] = {
        FILE_ID: entry.id,
        CONTENT_HASH: content_hash(entry),
        FIELDS: sorted(entry.model_fields_set),
    }
    if entry.emotional_tone is not None:
        metadata["emotional_tone"] = entry.emotional_tone
    if entry.timestamp is not None:
        metadata["timestamp"] = entry.model_dump(mode="json")["timestamp"]
    return {
        "text": entry.text,
        "category": entry.category.value,
        "tags": list(entry.tags),
        "importance": entry.importance,
        "can_reference": entry.can_reference,
        "metadata": metadata,
        "source": FILE_SOURCE,
    }


# --- export --------------------------------------------------------------------


def export_file(
    persona_id: str,
    records: Sequence[MemoryRecord],
    today: date,
    *,
    file_metadata: dict[str, Any] | None = None,
    order: Sequence[str] = (),
    synced_at: datetime | None = None,
    runtime_only: bool = False,
) -> dict[str, Any]:
    """The file for the persona's own memories, as JSON-ready data: the file's
    memories in the file's order with the keys the file had, then runtime ones."""
    in_file = [r for r in records if r.source == FILE_SOURCE]
    place = {file_id: i for i, file_id in enumerate(order)}
    from_file = (
        []
        if runtime_only
        else sorted(
            in_file,
            key=lambda r: (place.get(str(r.metadata.get(FILE_ID)), len(place)), r.created_at),
        )
    )
    runtime = sorted((r for r in records if r.source != FILE_SOURCE), key=lambda r: r.created_at)
    # A runtime memory gets the next id the file does not use.
    taken = {str(r.metadata.get(FILE_ID)) for r in in_file}
    entries = [_entry_of_file_memory(r) for r in from_file]
    entries += [_entry_of_runtime(persona_id, r, taken) for r in runtime]
    kept = dict(file_metadata or {})
    edited = synced_at is None or any(r.updated_at > synced_at for r in from_file)
    unchanged = bool(kept) and not runtime and not runtime_only and not edited
    return {
        "persona_id": persona_id,
        "version": FORMAT_VERSION,
        "metadata": {
            "last_updated": kept.get("last_updated") if unchanged else today.isoformat(),
            "total_memories": len(entries),
            "source": kept.get("source", "manual_curation") if not runtime_only else "runtime",
        },
        "memories": entries,
    }


def _entry_of_file_memory(record: MemoryRecord) -> dict[str, Any]:
    fields = set(record.metadata.get(FIELDS) or FileMemory.model_fields)
    entry: dict[str, Any] = {
        "id": record.metadata.get(FILE_ID),
        "category": record.category,
        "text": record.text,
        "tags": list(record.tags),
        "emotional_tone": record.metadata.get("emotional_tone"),
        "timestamp": record.metadata.get("timestamp"),
        "importance": record.importance,
        "can_reference": record.can_reference,
    }
    # Keys the file left out stay out, unless the memory has since been given a value.
    return {
        k: v for k, v in entry.items() if k not in _OPTIONAL or k in fields or v != _OPTIONAL[k]
    }


_OPTIONAL: dict[str, Any] = {
    "tags": [],
    "emotional_tone": None,
    "timestamp": None,
    "can_reference": True,
}


def _entry_of_runtime(persona_id: str, record: MemoryRecord, taken: set[str]) -> dict[str, Any]:
    category = record.category if record.category in set(PersonaMemoryCategory) else None
    entry: dict[str, Any] = {
        "id": _free_id(persona_id, taken),
        "category": category or PersonaMemoryCategory.LEARNED_FACT.value,
        "text": record.text,
        "tags": list(record.tags),
    }
    if tone := record.metadata.get("emotional_tone"):
        entry["emotional_tone"] = tone
    entry["timestamp"] = record.created_at.date().isoformat()
    entry["importance"] = record.importance
    entry["can_reference"] = record.can_reference
    return entry


def _free_id(persona_id: str, taken: set[str]) -> str:
    number = 1
    while f"{persona_id}_mem_{number:03d}" in taken:
        number += 1
    taken.add(f"{persona_id}_mem_{number:03d}")
    return f"{persona_id}_mem_{number:03d}"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``persona_memories.json`` (shipped as a file; a test
    keeps the two equal)."""
    schema = PersonaMemoryFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "persona_memories.json"
    return schema
