"""Call transcripts: the verbatim record of a live session, kept outside the database.

When a session ends its transcript is written, whole, to a :class:`TranscriptStore`
(a folder by default) and kept until retention purges it or the user is erased.
The JSON is the seed's format, field for field; this module holds the models and
the rules, and does no I/O.
"""

from __future__ import annotations

import builtins
import json
from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import Field, TypeAdapter, model_validator

from persona_memory.core.base import MAX_NAME_CHARS, MAX_TAG_CHARS, Model, Tags, UTCDatetime
from persona_memory.core.ids import (
    PERSONA_ID_PATTERN,
    SESSION_ID_PATTERN,
    USER_ID_PATTERN,
)

_UTC = TypeAdapter(UTCDatetime)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is taken as UTC, as everywhere in the package."""
    return _UTC.validate_python(value)


class CallMetadata(Model):
    started_at: UTCDatetime
    ended_at: UTCDatetime
    duration_seconds: int = Field(ge=0)

    @model_validator(mode="after")
    def _ends_after_start(self) -> CallMetadata:
        if self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self


class TranscriptLine(Model):
    speaker: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    text: str
    timestamp: UTCDatetime
    timeline: str = Field(default="main", min_length=1, max_length=MAX_TAG_CHARS)


class ExtractedEntities(Model):
    people_mentioned: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    emotions: list[str] = Field(default_factory=list)
    decisions_made: list[str] = Field(default_factory=list)


class Transcript(Model):
    """One ended call. The ids use the package's id rules (the same patterns as
    ``check_user_id``, ``check_persona_id`` and :func:`check_session_id`), because
    a store turns them into path parts."""

    call_id: str = Field(pattern=SESSION_ID_PATTERN, description="the session id")
    user_id: str = Field(pattern=USER_ID_PATTERN)
    persona_id: str = Field(pattern=PERSONA_ID_PATTERN)
    call_metadata: CallMetadata
    full_transcript: list[TranscriptLine] = Field(default_factory=list)
    extracted_entities: ExtractedEntities = Field(default_factory=ExtractedEntities)
    tags: Tags = Field(default_factory=list)


def ended_at_of(document: str | bytes) -> datetime:
    """The call's end read from a stored transcript's JSON, and nothing else of it:
    retention must apply even to a file that no longer validates as a whole (say,
    one written by another version). Raises ValueError if there is none."""
    try:
        value = json.loads(document)["call_metadata"]["ended_at"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("the document has no call_metadata.ended_at") from exc
    return _UTC.validate_python(value)


@runtime_checkable
class TranscriptStore(Protocol):
    """Where transcripts live, outside the database: a folder
    (:class:`persona_memory.storage.transcripts.FolderTranscriptStore`), or an
    S3-compatible bucket implementing this same protocol with the same key layout.

    Every method checks the ids it is given and raises ``InvalidInput`` for one
    that breaks the id rules, before touching storage.
    """

    def put(self, transcript: Transcript) -> None:
        """Store ``transcript``, replacing any stored one with the same user,
        persona and call_id. A failed put leaves the previous version intact."""
        ...

    def get(self, user_id: str, persona_id: str, call_id: str) -> Transcript | None:
        """The stored transcript, or None if there is none."""
        ...

    def list(self, user_id: str, persona_id: str | None = None) -> builtins.list[Transcript]:
        """Every transcript of ``user_id`` (with one persona only, if given), oldest
        ``started_at`` first; [] for an unknown user. Unreadable entries are
        skipped, not raised."""
        ...

    def delete_user(self, user_id: str) -> int:
        """Erasure: delete every transcript of ``user_id``, with every persona.
        Returns how many were deleted (0 for an unknown user)."""
        ...

    def delete_persona(self, persona_id: str) -> int:
        """Delete every transcript with ``persona_id``, of every user. Returns how many."""
        ...

    def purge(self, ended_before: datetime) -> int:
        """Retention: delete every transcript whose call ended strictly before
        ``ended_before`` (a naive datetime is taken as UTC). Entries whose end
        cannot be read are left in place. Returns how many were deleted."""
        ...
