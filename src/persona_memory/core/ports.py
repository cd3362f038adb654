"""The protocols the domain needs from the outside world.

A storage backend or an embedding provider is one class that satisfies one of
these; nothing else in the domain knows which one it got.

Every public operation runs in one :class:`Transaction`: services open it with
``with store.transaction() as tx:`` (reads, checks and writes that happen whole
or not at all; concurrent read-modify-writes never lose an update) or
``with store.read() as tx:`` (a consistent snapshot that never writes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

if TYPE_CHECKING:
    from persona_memory.core.blocks import Block
    from persona_memory.core.episodes import Episode
    from persona_memory.core.jobs import Job, JobStatus
    from persona_memory.core.memories import (
        HistoryEvent,
        MemoryHistoryEntry,
        MemoryQuery,
        MemoryRecord,
        SearchHit,
    )
    from persona_memory.core.persona_files import SyncStatus
    from persona_memory.core.personas import Persona
    from persona_memory.core.privacy import Redaction, RedactionTotals
    from persona_memory.core.procedures import Procedure
    from persona_memory.core.profiles import (
        CategoryChange,
        Profile,
        ProfileCategory,
        ProfileHistoryEntry,
    )
    from persona_memory.core.relationships import Relationship
    from persona_memory.core.sessions import Entry, Session
    from persona_memory.core.tokens import StoredToken, UserToken
    from persona_memory.core.transfer import ImportResult
    from persona_memory.core.user_personas import Membership, UserPersona
    from persona_memory.core.users import User

Vectors = npt.NDArray[np.float32]
M = TypeVar("M", bound=BaseModel)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return an array of shape (len(texts), dimension)."""
        ...


@runtime_checkable
class Reranker(Protocol):
    """Scores how well each text answers a question, reading both together (a
    cross-encoder): slower than a search's rankers, so it reorders only a
    search's best few (``providers.rerankers``)."""

    @property
    def name(self) -> str: ...

    def score(self, question: str, texts: Sequence[str]) -> list[float]:
        """One score per text, higher is better; comparable within one call."""
        ...


@runtime_checkable
class Tokenizer(Protocol):
    """Counts tokens the way a target model would (``providers.tokenizers``)."""

    @property
    def name(self) -> str: ...

    def count(self, text: str) -> int: ...


@dataclass(frozen=True, slots=True)
class Embedding:
    model: str
    vector: Vectors


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked memory: higher scores are better."""

    memory_id: str
    score: float


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    """What loading or changing a profile reads, in one query: the persona's
    profile schema and title, whether the relationship exists, and its stored
    profile (None: never written)."""

    schema: Mapping[str, ProfileCategory]
    title: str
    related: bool
    profile: Profile | None


class LLMUnavailable(Exception):
    """The model endpoint could not be reached or kept failing."""


class LLMOutputInvalid(Exception):
    """The model's answer was not the JSON asked for, even after one retry."""


class LLM(Protocol):
    """A chat model that answers in JSON (``providers.llms``)."""

    def complete_json(self, messages: Sequence[dict[str, str]], answer: type[M]) -> M:
        """Raises LLMUnavailable or LLMOutputInvalid; callers fall back on heuristics."""
        ...

    def close(self) -> None: ...


class Searcher(Protocol):
    """Hybrid search over memories (``retrieval.HybridSearcher``)."""

    def search(self, text: str, query: MemoryQuery, *, limit: int = 10) -> list[SearchHit]: ...

    def embed_query(self, text: str) -> Vectors:
        """The question's vector, for :meth:`search_embedded`."""
        ...

    def search_embedded(
        self, text: str, vector: Vectors | None, query: MemoryQuery, *, limit: int = 10
    ) -> list[SearchHit]:
        """The same, with the query's vector already computed (None: text only)."""
        ...


class PersonaRows(Protocol):
    def insert_persona(self, persona: Persona) -> bool:
        """False (and nothing written) if the id exists."""
        ...

    def get_persona(self, persona_id: str, *, for_update: bool = False) -> Persona | None: ...
    def list_personas(self) -> list[Persona]: ...
    def update_persona(self, persona: Persona) -> None: ...
    def delete_persona(self, persona_id: str) -> bool:
        """Delete the persona with everything in its scopes; False if it did not exist."""
        ...


class UserRows(Protocol):
    def insert_user(self, user: User) -> bool:
        """False (and nothing written) if the id exists."""
        ...

    def get_user(self, user_id: str) -> User | None: ...
    def list_users(self) -> list[User]: ...
    def erase_user(self, user_id: str) -> bool:
        """Delete every row that holds the user's data, in every table; False if unknown."""
        ...

    def insert_relationship(self, relationship: Relationship) -> bool:
        """False (and nothing written) if it exists."""
        ...

    def get_relationship(
        self, persona_id: str, user_id: str, *, for_update: bool = False
    ) -> Relationship | None:
        """``for_update`` locks the row: the serialisation point for changes to a
        relationship's profile and attachments."""
        ...

    def update_relationship(self, relationship: Relationship) -> None: ...
    def list_relationships(
        self, *, persona_id: str | None = None, user_id: str | None = None
    ) -> list[Relationship]: ...


class MemoryRows(Protocol):
    def insert_memories(self, items: Sequence[tuple[MemoryRecord, Embedding | None]]) -> None:
        """Insert memories with their tags, indexes and ADD history."""
        ...

    def get_memory(self, memory_id: str, *, for_update: bool = False) -> MemoryRecord | None: ...
    def get_memories(self, memory_ids: Sequence[str]) -> list[MemoryRecord]: ...
    def list_memories(
        self, query: MemoryQuery, *, limit: int = 100, offset: int = 0
    ) -> list[MemoryRecord]: ...
    def update_memory(
        self,
        old: MemoryRecord,
        new: MemoryRecord,
        embedding: Embedding | None,
        event: HistoryEvent = ...,
    ) -> None:
        """Write ``new`` over ``old`` (same id), with history ``event`` (UPDATE)."""
        ...

    def reinforce_memories(
        self, memory_ids: Sequence[str], now: datetime, *, unless_since: datetime | None = None
    ) -> int:
        """Mark them re-mentioned or retrieved at ``now`` (no history: nothing in
        them changed); skip those reinforced since ``unless_since``. How many."""
        ...

    def delete_memory(self, record: MemoryRecord) -> None:
        """Delete it, with DELETE history."""
        ...

    def memory_history(self, memory_id: str) -> list[MemoryHistoryEntry]: ...
    def user_history(self, user_id: str) -> list[MemoryHistoryEntry]: ...

    def text_search(self, terms: Sequence[str], query: MemoryQuery, k: int) -> list[Hit]:
        """The best ``k`` full-text hits for any of ``terms`` inside ``query``."""
        ...

    def vector_search(self, vector: Vectors, model: str, query: MemoryQuery, k: int) -> list[Hit]:
        """The ``k`` memories inside ``query`` nearest to ``vector`` (cosine), among
        those embedded by ``model``. Never loads every vector of the scope."""
        ...

    def memories_to_embed(self, model: str, limit: int) -> list[MemoryRecord]:
        """Memories whose stored vector is missing or from another model."""
        ...

    def count_memories_to_embed(self, model: str) -> int: ...
    def set_embeddings(self, items: Sequence[tuple[str, Embedding]]) -> None: ...


class BlockRows(Protocol):
    def insert_blocks(self, blocks: Sequence[Block]) -> None: ...
    def get_block(self, block_id: str, *, for_update: bool = False) -> Block | None: ...
    def attached_blocks(self, persona_id: str, user_id: str) -> list[Block]: ...
    def update_block(self, block: Block) -> None:
        """Write the block's value and ``updated_at``."""
        ...

    def attach_block(self, block_id: str, persona_id: str, user_id: str, now: datetime) -> bool:
        """True if it was not attached before."""
        ...

    def detach_block(self, block_id: str, persona_id: str, user_id: str) -> bool: ...
    def block_relationships(self, block_id: str) -> list[tuple[str, str]]: ...
    def attach_membership_blocks(self, persona_id: str, user_id: str, now: datetime) -> int:
        """Attach the shared block of every user persona the user belongs to."""
        ...


class UserPersonaRows(Protocol):
    def insert_user_persona(self, persona: UserPersona) -> bool:
        """False (and nothing written) if the handle exists."""
        ...

    def get_user_persona(self, handle: str) -> UserPersona | None: ...
    def list_user_personas(self) -> list[UserPersona]: ...
    def shared_block(self, handle: str) -> Block | None: ...
    def upsert_membership(self, membership: Membership) -> Membership:
        """Insert, or update the confidence of, the membership; the stored row."""
        ...

    def delete_membership(self, user_id: str, handle: str) -> bool:
        """End it and detach the shared block from the user's relationships."""
        ...

    def attach_shared_block(self, handle: str, now: datetime, *, user_id: str | None = None) -> int:
        """Attach ``handle``'s shared block to the relationships of its members (or of
        one member) whose persona takes such blocks; returns how many are new."""
        ...

    def members(self, handle: str) -> list[Membership]: ...
    def memberships(self, user_id: str) -> list[Membership]: ...


class ProfileRows(Protocol):
    def get_profile(self, persona_id: str, user_id: str) -> Profile | None: ...
    def profile_record(
        self, persona_id: str, user_id: str, *, lock: bool = False
    ) -> ProfileRecord | None:
        """None if the persona does not exist. ``lock`` first takes the
        relationship's row lock (as ``get_relationship(for_update=True)``) if it
        exists, and reads the profile after it."""
        ...

    def save_profile(self, profile: Profile) -> None:
        """Insert or overwrite the relationship's profile."""
        ...

    def user_profiles(self, user_id: str) -> list[Profile]: ...
    def add_profile_history(
        self,
        persona_id: str,
        user_id: str,
        event: str,
        changes: Sequence[CategoryChange],
        now: datetime,
    ) -> None: ...
    def profile_history(self, persona_id: str, user_id: str) -> list[ProfileHistoryEntry]: ...
    def user_profile_history(self, user_id: str) -> list[ProfileHistoryEntry]: ...


class TokenRows(Protocol):
    def insert_token(self, token: StoredToken) -> None: ...
    def get_token(self, token_id: str) -> StoredToken | None: ...
    def list_tokens(self, user_id: str) -> list[UserToken]: ...
    def delete_token(self, user_id: str, token_id: str) -> bool: ...


class SessionRows(Protocol):
    def insert_session(self, session: Session) -> bool:
        """False (and nothing written) if the id exists."""
        ...

    def get_session(self, session_id: str, *, for_update: bool = False) -> Session | None:
        """With its entry count and timelines; ``for_update`` serialises changes."""
        ...

    def update_session(self, session: Session) -> None: ...
    def idle_sessions(self, before: datetime, limit: int) -> list[str]:
        """Live sessions with no activity since ``before``, oldest first."""
        ...

    def list_sessions(self, persona_id: str, user_id: str) -> list[str]: ...
    def insert_entries(self, session: Session, entries: Sequence[dict[str, Any]]) -> list[Entry]:
        """Entries (role, content, timeline, created_at) in order, with their new ids."""
        ...

    def list_entries(self, session_id: str, timeline: str | None = None) -> list[Entry]: ...
    def delete_entry(self, session_id: str, entry_id: int) -> bool: ...
    def insert_episode(self, episode: Episode) -> None:
        """The structured fields; the summary is the memory ``episode.memory_id``."""
        ...

    def get_episodes(self, session_ids: Sequence[str]) -> list[Episode]: ...
    def episode_for_memories(self, memory_ids: Sequence[str]) -> dict[str, str]: ...


class ProcedureRows(Protocol):
    def put_procedure(self, procedure: Procedure) -> None: ...
    def get_procedure(self, persona_id: str, user_id: str | None, key: str) -> Procedure | None: ...
    def list_procedures(self, persona_id: str, user_id: str | None) -> list[Procedure]: ...
    def delete_procedure(self, persona_id: str, user_id: str | None, key: str) -> bool: ...


class JobRows(Protocol):
    def enqueue_job(self, kind: str, session_id: str, user_id: str, now: datetime) -> int:
        """The id of the pending job (an existing one for the same kind and session)."""
        ...

    def get_job(self, job_id: int, *, for_update: bool = False) -> Job | None: ...
    def next_job(self, now: datetime) -> Job | None:
        """The oldest claimable job, locked for this transaction (skipping jobs
        other transactions hold, where the backend can)."""
        ...

    def update_job(self, job: Job) -> None: ...
    def user_jobs(self, user_id: str) -> list[Job]: ...
    def count_jobs(self, status: JobStatus) -> int: ...


class PersonaFileRows(Protocol):
    def put_sync_status(self, status: SyncStatus) -> None: ...
    def get_sync_status(self, persona_id: str) -> SyncStatus | None: ...


class ContinuationRows(Protocol):
    def get_continuation_state(
        self, persona_id: str, conversation_id: str, *, for_update: bool = False
    ) -> dict[str, Any] | None:
        """The coordinator's state for one conversation (None: never seen)."""
        ...

    def put_continuation_state(
        self, persona_id: str, conversation_id: str, state: dict[str, Any], now: datetime
    ) -> None: ...


class PrivacyRows(Protocol):
    def record_redactions(self, redactions: Sequence[Redaction]) -> None:
        """Store each redaction, and a REDACT event in each memory's history."""
        ...

    def redaction_totals(self) -> RedactionTotals: ...
    def shared_memories(self, after: int, limit: int) -> list[tuple[int, MemoryRecord]]:
        """Memories no user owns, with their keys, after key ``after``."""
        ...

    def shared_blocks(self) -> list[Block]: ...


class TransferRows(Protocol):
    """Rows in the export format (core/transfer.py): a kind and its columns."""

    def export_rows(
        self, persona_id: str | None = None, user_id: str | None = None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every row, parents first, in an order a second export repeats;
        filtered to a persona and/or a user with the parents they need."""
        ...

    def import_rows(self, records: Sequence[tuple[int, str, dict[str, Any]]]) -> ImportResult:
        """Write the (line, kind, row) records the store lacks. A row equal to
        the store's is skipped; one that differs raises ImportConflict and the
        caller's transaction rolls back."""
        ...


class Transaction(
    PersonaRows,
    UserRows,
    MemoryRows,
    BlockRows,
    UserPersonaRows,
    ProfileRows,
    TokenRows,
    SessionRows,
    ProcedureRows,
    JobRows,
    PersonaFileRows,
    ContinuationRows,
    PrivacyRows,
    TransferRows,
    Protocol,
):
    """Every read and write of one operation, on one connection."""


class Store(Protocol):
    """A backend: hands out transactions. ``close`` releases its connections."""

    @property
    def url(self) -> str: ...

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        ...

    def read(self) -> AbstractContextManager[Transaction]:
        """A read-only snapshot; writing through it is an error."""
        ...

    def scrub(self) -> None:
        """After an erasure, remove what the backend keeps of deleted rows (index
        segments, journals) as far as it can."""
        ...

    def close(self) -> None: ...
