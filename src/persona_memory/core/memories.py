"""Semantic memories: facts in one scope, their history, and how they are searched.

The rules here are pure; :mod:`persona_memory.core.memory_service` runs them
inside one transaction per operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from persona_memory.core.base import (
    FROM_STORE,
    MAX_QUERY_CHARS,
    BoundedJSON,
    JSONObject,
    Model,
    Tags,
    UTCDatetime,
    refuse_nulls,
    utcnow,
)
from persona_memory.core.errors import InvalidInput, NotFoundError, TextTooLong
from persona_memory.core.ids import PERSONA_ID_PATTERN, USER_ID_PATTERN, new_memory_id
from persona_memory.core.scope import Scope, ScopeKind, visible_scopes

# A few neighbouring turns and a date: enough context for search to match a
# follow-up, small enough that it never outweighs the memory itself.
MAX_CONTEXT_CHARS = 4_000
# A search's default min_score (relevance, 0-1): chosen by leave-one-conversation-out
# on LoCoMo dev to drop the padding below it, before context counted for words;
# kept when that picked 0.28-0.30, as the higher floor drops paraphrases for little
# (docs/retrieval.md, "Scores").
DEFAULT_MIN_SCORE = 0.14
CONTEXT_DESCRIPTION = (
    "what the memory was said in (neighbouring turns, speaker, date): matched by "
    "full-text search at a lower weight than the text, never shown as the text"
)
CAN_REFERENCE_DESCRIPTION = (
    "false: stored and listed for admins, but never returned to an agent, shown in a "
    "prompt or shared in a continuation"
)


def text_not_blank(cls: type, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("text must not be blank")
    return value


class MemoryCreate(Model):
    """A fact to remember. Persona + user: a relationship memory; persona
    alone: the persona's own; neither: global."""

    text: str = Field(min_length=1)
    persona_id: str | None = Field(default=None, pattern=PERSONA_ID_PATTERN)
    user_id: str | None = Field(default=None, pattern=USER_ID_PATTERN)
    category: str | None = Field(default=None, max_length=100)
    tags: Tags = Field(default_factory=list)
    importance: StrictInt = Field(default=5, ge=1, le=10)
    metadata: BoundedJSON = Field(default_factory=dict)
    source: str = Field(default="api", max_length=100)
    valid_from: UTCDatetime | None = None
    valid_to: UTCDatetime | None = None
    context: str | None = Field(
        default=None, max_length=MAX_CONTEXT_CHARS, description=CONTEXT_DESCRIPTION
    )
    can_reference: StrictBool = Field(default=True, description=CAN_REFERENCE_DESCRIPTION)

    _not_blank = field_validator("text")(text_not_blank)


class MemoryBatch(Model):
    """Many memories in one request: embedded in batches, written in one transaction."""

    memories: list[MemoryCreate] = Field(min_length=1, max_length=1000)


class MemoryUpdate(Model):
    """A partial update of a memory; its scope never changes. Leave a field out to
    keep it; ``null`` clears only what may be empty (category, validity)."""

    text: str | None = Field(default=None, min_length=1)
    category: str | None = Field(default=None, max_length=100)
    tags: Tags | None = None
    importance: StrictInt | None = Field(default=None, ge=1, le=10)
    metadata: BoundedJSON | None = None
    valid_from: UTCDatetime | None = None
    valid_to: UTCDatetime | None = None
    context: str | None = Field(
        default=None, max_length=MAX_CONTEXT_CHARS, description=CONTEXT_DESCRIPTION
    )
    can_reference: StrictBool | None = Field(default=None, description=CAN_REFERENCE_DESCRIPTION)

    _not_blank = field_validator("text")(text_not_blank)

    @model_validator(mode="after")
    def _nulls(self) -> MemoryUpdate:
        refuse_nulls(self, frozenset({"category", "valid_from", "valid_to", "context"}))
        return self


class MemoryRecord(Model):
    """A stored memory: its text, scope, category, importance, validity and history links."""

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
    reinforced_at: UTCDatetime | None = Field(
        default=None, description="last re-mentioned or retrieved; decay restarts from it"
    )
    reinforcements: int = Field(default=0, description="how often it was re-mentioned or retrieved")
    supersedes: str | None = Field(default=None, description="the fact this one replaced")
    superseded_by: str | None = Field(
        default=None, description="the fact that replaced this one (which closed valid_to)"
    )
    context: str | None = Field(default=None, description=CONTEXT_DESCRIPTION)
    can_reference: bool = Field(default=True, description=CAN_REFERENCE_DESCRIPTION)

    @property
    def owner(self) -> Scope:
        return Scope(self.scope, self.persona_id, self.user_id)


class HistoryEvent(StrEnum):
    """What a change did to a memory (one per entry of its history)."""

    ADD = "ADD"
    UPDATE = "UPDATE"
    SUPERSEDE = "SUPERSEDE"
    DELETE = "DELETE"
    REDACT = "REDACT"  # the PII firewall anonymised it (core/privacy.py)


class MemoryHistoryEntry(Model):
    """One change of a memory: the event, and its value before and after."""

    id: int
    memory_id: str
    event: HistoryEvent
    old_value: JSONObject | None
    new_value: JSONObject | None
    created_at: datetime


class MemoryNotFound(NotFoundError):
    """No memory has this id (404)."""

    code = "memory_not_found"

    def __init__(self, memory_id: str) -> None:
        super().__init__(f"memory {memory_id!r} does not exist", field="memory_id")


# --- search ----------------------------------------------------------------

SearchMode = Literal["hybrid", "text", "vector"]


class SearchFilters(Model):
    """What narrows a search or a listing beyond the reader's visible scopes."""

    scope: list[ScopeKind] | None = Field(
        default=None, description="restrict to these of the visible scopes"
    )
    category: str | None = Field(default=None, max_length=100)
    tags: Tags | None = Field(default=None, description="memories carrying any of these")
    created_after: UTCDatetime | None = None
    created_before: UTCDatetime | None = None
    valid_at: UTCDatetime | None = Field(
        default=None, description="only memories valid at this instant (valid_from/valid_to)"
    )
    min_importance: StrictInt | None = Field(default=None, ge=1, le=10)
    include_expired: StrictBool = Field(
        default=False,
        description="also memories whose valid_to has passed (e.g. superseded facts)",
    )
    include_unreferenceable: StrictBool = Field(
        default=False,
        description="also memories with can_reference=false (admin key only)",
    )


class SearchRequest(Model):
    """A search: the query, whose memories (persona, user), how many, and how strict."""

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    persona_id: str | None = Field(default=None, pattern=PERSONA_ID_PATTERN)
    user_id: str | None = Field(default=None, pattern=USER_ID_PATTERN)
    limit: StrictInt = Field(default=10, ge=1, le=200)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    mode: SearchMode = "hybrid"
    min_score: float = Field(
        default=DEFAULT_MIN_SCORE,
        ge=0,
        le=1,
        description="leave out hits whose relevance is below this (0: keep every "
        "candidate up to limit); the default drops memories that only fill the list",
    )
    explain: StrictBool = Field(
        default=False, description="add each hit's explanation: every ranker's rank and score"
    )


class RankerMatch(Model):
    """Where one ranker put a memory."""

    rank: int = Field(description="1-based rank in this ranker's candidates")
    score: float = Field(
        description="the ranker's own score: cosine similarity for dense; for full "
        "text, bm25 (SQLite) or ts_rank (PostgreSQL), comparable only within one query"
    )


class SearchExplanation(Model):
    """How a hit's score and relevance were made (``explain=true``)."""

    text: RankerMatch | None = Field(description="full text (BM25), if it matched")
    vector: RankerMatch | None = Field(description="dense, if among its candidates")
    expansion: RankerMatch | None = Field(
        default=None,
        description="full text over the reader's words near the question's (query "
        "expansion), if it matched",
    )
    fused: float = Field(description="the rankings fused (reciprocal ranks, or linear)")
    weight: float = Field(
        description="the ranking signals' product: decayed importance, validity, a name "
        "the question asks about (under linear fusion the name orders by match, and "
        "importance and validity then move the hit a few places)"
    )
    similarity: float | None = Field(description="cosine similarity to the query")
    background: float | None = Field(
        description="what unrelated statements reach for this query (the similarity "
        "that counts as 0 relevance)"
    )
    term_coverage: float = Field(description="share of the query's content words in the text")
    rerank: float | None = Field(
        default=None,
        description="the reranker's score, when one reordered the search's best "
        "(the hit then holds the score of the place it took)",
    )


class SearchHit(MemoryRecord):
    """A memory found by a search, with its score, relevance and ranks."""

    score: float = Field(
        description="orders this list, higher is better; built from places (the fusion "
        "and the ranking signals, docs/retrieval.md), not comparable across queries"
    )
    relevance: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="how well the memory matches the query, 0-1, comparable across "
        "queries: the larger of how far its cosine similarity rises above unrelated "
        "statements' and the share of the query's content words it holds",
    )
    text_rank: int | None = Field(default=None, description="1-based BM25 rank, if matched")
    vector_rank: int | None = Field(default=None, description="1-based dense rank, if matched")
    explanation: SearchExplanation | None = Field(
        default=None, description="with explain=true: each ranker's rank and score"
    )

    def record(self) -> MemoryRecord:
        """The memory without its ranking."""
        exclude = {"score", "relevance", "text_rank", "vector_rank", "explanation"}
        values = self.model_dump(exclude=exclude)
        return MemoryRecord.model_validate(values, context=FROM_STORE)


class SearchResults(Model):
    """The hits of a search, best first."""

    results: list[SearchHit]


@dataclass(frozen=True, slots=True)
class MemoryQuery:
    """Which memories a read may touch: the scopes first, then the filters."""

    scopes: tuple[Scope, ...]
    category: str | None = None
    tags: tuple[str, ...] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    valid_at: datetime | None = None
    min_importance: int | None = None
    # Memories whose valid_to is at or before this instant are left out (None:
    # keep them). Not a "filter": it narrows nothing the indexes must know of.
    current_at: datetime | None = None
    # Only memories that may be referenced to an agent (can_reference). Not a
    # "filter" either: the indexes need not know of it.
    referenceable_only: bool = False

    @property
    def filtered(self) -> bool:
        """Whether anything beyond the scopes narrows the query."""
        return any(
            value is not None
            for value in (
                self.category,
                self.tags,
                self.created_after,
                self.created_before,
                self.valid_at,
                self.min_importance,
            )
        )


def memory_query(
    persona_id: str | None, user_id: str | None, filters: SearchFilters
) -> MemoryQuery:
    """The reader's visible scopes, narrowed by ``filters.scope``, plus filters."""
    scopes = visible_scopes(persona_id, user_id)
    if filters.scope is not None:
        wanted = set(filters.scope)
        scopes = [scope for scope in scopes if scope.kind in wanted]
    return MemoryQuery(
        scopes=tuple(scopes),
        category=filters.category,
        tags=tuple(filters.tags) if filters.tags else None,
        created_after=filters.created_after,
        created_before=filters.created_before,
        valid_at=filters.valid_at,
        min_importance=filters.min_importance,
        current_at=None if filters.include_expired else utcnow(),
        referenceable_only=not filters.include_unreferenceable,
    )


# --- rules -----------------------------------------------------------------


def new_record(data: MemoryCreate, now: datetime, max_chars: int) -> MemoryRecord:
    """A checked record for ``data``, in the scope its persona and user name."""
    check_text(data.text, max_chars)
    check_validity(data.valid_from, data.valid_to)
    scope = Scope.for_owner(data.persona_id, data.user_id)
    return MemoryRecord(
        **data.model_dump(), id=new_memory_id(), scope=scope.kind, created_at=now, updated_at=now
    )


def changed(
    record: MemoryRecord, changes: MemoryUpdate, now: datetime, max_chars: int
) -> MemoryRecord:
    """The record with the given fields changed; its scope never changes."""
    given = changes.model_dump(exclude_unset=True)
    if "text" in given:
        check_text(given["text"], max_chars)
    new = MemoryRecord.model_validate(record.model_dump() | given | {"updated_at": now})
    check_validity(new.valid_from, new.valid_to)
    return new


def check_text(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise TextTooLong(len(text), max_chars)


def check_validity(valid_from: datetime | None, valid_to: datetime | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise InvalidInput("valid_to must be after valid_from", field="valid_to")
