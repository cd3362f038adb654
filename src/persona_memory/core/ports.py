"""The protocols the domain needs from the outside world.

A storage backend or an embedding provider is one class that satisfies one of
these; nothing else in the domain knows which one it got.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from persona_memory.core.blocks import Block, BlockChange
from persona_memory.core.models import (
    MemoryHistoryEntry,
    MemoryRecord,
    Persona,
    Relationship,
    User,
)
from persona_memory.core.profiles import Profile, ProfileChange, ProfileHistoryEntry
from persona_memory.core.scope import Scope
from persona_memory.core.tokens import StoredToken, UserToken
from persona_memory.core.user_personas import Membership, UserPersona

Vectors = npt.NDArray[np.float32]


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


@dataclass(frozen=True, slots=True)
class Embedding:
    model: str
    vector: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class MemoryQuery:
    """Which memories a read may touch: the scopes first, then the filters."""

    scopes: Sequence[Scope]
    category: str | None = None
    tags: Sequence[str] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    valid_at: datetime | None = None
    min_importance: int | None = None


@dataclass(frozen=True, slots=True)
class TextHit:
    memory_id: str
    score: float


@dataclass(slots=True)
class VectorCandidates:
    memory_ids: list[str] = field(default_factory=list)
    matrix: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))


class PersonaStore(Protocol):
    def create_persona(self, persona: Persona) -> None: ...
    def get_persona(self, persona_id: str) -> Persona | None: ...
    def list_personas(self) -> list[Persona]: ...
    def replace_persona(self, persona: Persona) -> None: ...
    def delete_persona(self, persona_id: str) -> bool: ...


class UserStore(Protocol):
    def ensure_user(self, user_id: str) -> None: ...
    def create_user(self, user: User) -> None: ...
    def get_user(self, user_id: str) -> User | None: ...
    def list_users(self) -> list[User]: ...
    def erase_user(self, user_id: str) -> bool: ...
    def get_relationship(self, persona_id: str, user_id: str) -> Relationship | None: ...
    def put_relationship(self, relationship: Relationship) -> None: ...
    def list_relationships(
        self, *, persona_id: str | None = None, user_id: str | None = None
    ) -> list[Relationship]: ...


class MemoryStore(Protocol):
    def add_memories(self, items: Sequence[tuple[MemoryRecord, Embedding | None]]) -> None:
        """Insert memories, their history and any missing user/relationship, atomically."""
        ...

    def get_memory(self, memory_id: str) -> MemoryRecord | None: ...
    def get_memories(self, memory_ids: Sequence[str]) -> list[MemoryRecord]: ...
    def list_memories(
        self, query: MemoryQuery, *, limit: int = 100, offset: int = 0
    ) -> list[MemoryRecord]: ...
    def update_memory(self, record: MemoryRecord, embedding: Embedding | None) -> None: ...
    def delete_memory(self, memory_id: str) -> bool: ...
    def memory_history(self, memory_id: str) -> list[MemoryHistoryEntry]: ...
    def user_history(self, user_id: str) -> list[MemoryHistoryEntry]: ...

    def text_search(self, terms: Sequence[str], query: MemoryQuery, limit: int) -> list[TextHit]:
        """Best-first full-text hits for any of ``terms`` inside ``query``."""
        ...

    def vector_candidates(self, query: MemoryQuery, model: str) -> VectorCandidates:
        """Every embedded memory inside ``query`` with its vector from ``model``."""
        ...

    def memories_to_embed(self, model: str, limit: int) -> list[MemoryRecord]:
        """Memories whose stored vector is missing or from another model."""
        ...

    def count_memories_to_embed(self, model: str) -> int: ...

    def set_embeddings(self, items: Sequence[tuple[str, Embedding]]) -> None: ...


class BlockStore(Protocol):
    def ensure_relationship(self, persona_id: str, user_id: str) -> bool:
        """Create the relationship with its private and membership blocks if missing."""
        ...

    def get_block(self, block_id: str) -> Block | None: ...
    def attached_blocks(self, persona_id: str, user_id: str) -> list[Block]: ...
    def modify_block(self, block_id: str, change: BlockChange) -> Block:
        """Apply ``change`` to the block atomically: concurrent changes never lose one."""
        ...

    def attach_block(self, block_id: str, persona_id: str, user_id: str) -> bool: ...
    def detach_block(self, block_id: str, persona_id: str, user_id: str) -> bool: ...
    def block_relationships(self, block_id: str) -> list[tuple[str, str]]: ...


class UserPersonaStore(Protocol):
    def create_user_persona(self, persona: UserPersona, block: Block) -> bool:
        """Create it with its shared block in one transaction; False if it existed."""
        ...

    def get_user_persona(self, handle: str) -> UserPersona | None: ...
    def list_user_personas(self) -> list[UserPersona]: ...
    def shared_block(self, handle: str) -> Block | None: ...
    def join_user_persona(self, membership: Membership) -> None:
        """Upsert the membership; attach the shared block to the user's relationships."""
        ...

    def attach_to_members(self, handle: str) -> int:
        """Attach the shared block to every member's relationships; returns how many new."""
        ...

    def leave_user_persona(self, user_id: str, handle: str) -> bool: ...
    def members(self, handle: str) -> list[Membership]: ...
    def memberships(self, user_id: str) -> list[Membership]: ...


class ProfileStore(Protocol):
    def get_profile(self, persona_id: str, user_id: str) -> Profile | None: ...
    def user_profiles(self, user_id: str) -> list[Profile]: ...
    def modify_profile(
        self,
        persona_id: str,
        user_id: str,
        change: ProfileChange,
        *,
        event: str,
        expected_version: int | None = None,
    ) -> Profile:
        """Apply ``change`` atomically (creating the relationship if needed); a stale
        ``expected_version`` raises PreconditionFailed; each changed category is
        recorded in the history as ``event``."""
        ...

    def profile_history(self, persona_id: str, user_id: str) -> list[ProfileHistoryEntry]: ...


class TokenStore(Protocol):
    def create_token(self, token: StoredToken) -> None: ...
    def get_token(self, token_id: str) -> StoredToken | None: ...
    def list_tokens(self, user_id: str) -> list[UserToken]: ...
    def delete_token(self, user_id: str, token_id: str) -> bool: ...


class Store(
    PersonaStore,
    UserStore,
    MemoryStore,
    BlockStore,
    UserPersonaStore,
    ProfileStore,
    TokenStore,
    Protocol,
):
    """Everything a backend provides. ``close`` releases its connections."""

    def close(self) -> None: ...
