"""A relationship handle: the SDK's calls for one (persona, user), with no ids.

``memory.for_relationship("brad", "alice")`` gives one; each call delegates to
the service on ``Memory`` that the id-ful call would reach, with the same
result and the same errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from persona_memory.core.blocks import Block
from persona_memory.core.memories import (
    DEFAULT_MIN_SCORE,
    MemoryCreate,
    MemoryNotFound,
    MemoryRecord,
    SearchFilters,
    SearchMode,
    SearchResults,
)
from persona_memory.core.profiles import Operation, Profile
from persona_memory.core.prompts import DEFAULT_BUDGET, Prompt, Section
from persona_memory.core.relationships import Relationship
from persona_memory.core.sessions import Session, SessionCreate

if TYPE_CHECKING:
    from persona_memory.memory import Memory


@dataclass(frozen=True, slots=True)
class RelationshipHandle:
    """One persona's view of one user, as a value: the ``Memory`` and two ids.

    Older bots with flat profile folders switch persona with ``set_persona()``,
    which flushes dirty profiles and clears per-persona caches first, because
    their writes sit in memory until flushed. Here there is nothing to flush:
    every write is one committed transaction in the store before the call
    returns, and nothing is cached per persona. So a handle holds no state,
    switching is making another one (two id checks, no I/O), and any number of
    handles for any personas can be used side by side. Creating a handle
    creates nothing in the store: the relationship opens on its first write,
    as with id-ful calls.
    """

    memory: Memory
    persona_id: str
    user_id: str

    # --- memories -------------------------------------------------------------

    def remember(self, text: str, **fields: Any) -> MemoryRecord:
        """A fact in this relationship's private scope (``fields`` as in ``MemoryCreate``)."""
        data = MemoryCreate(text=text, persona_id=self.persona_id, user_id=self.user_id, **fields)
        return self.memory.memories.add(data)

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        filters: SearchFilters | dict[str, Any] | None = None,
        mode: SearchMode = "hybrid",
        min_score: float = DEFAULT_MIN_SCORE,
        explain: bool = False,
    ) -> SearchResults:
        """What the persona may see for the user: this relationship, the persona, global
        (``min_score`` and ``explain`` as in ``Memory.search``)."""
        return self.memory.search(
            query,
            persona_id=self.persona_id,
            user_id=self.user_id,
            limit=limit,
            filters=filters,
            mode=mode,
            min_score=min_score,
            explain=explain,
        )

    def memories(
        self, *, filters: SearchFilters | None = None, limit: int = 100, offset: int = 0
    ) -> list[MemoryRecord]:
        """The memories the persona may see for the user, as ``memory.memories.all`` lists them."""
        return self.memory.memories.all(
            persona_id=self.persona_id,
            user_id=self.user_id,
            filters=filters,
            limit=limit,
            offset=offset,
        )

    def forget(self, memory_id: str) -> None:
        """Delete one of this relationship's memories.

        A memory of another relationship, or a shared one, is "not found" here:
        a handle only reaches what it owns. Owners never change, so checking
        before the delete's own transaction cannot be outdated by it.
        """
        record = self.memory.memories.get(memory_id)
        if (record.persona_id, record.user_id) != (self.persona_id, self.user_id):
            raise MemoryNotFound(memory_id)
        self.memory.memories.delete(memory_id)

    # --- profile --------------------------------------------------------------

    def profile(self) -> Profile:
        """The profile the persona keeps about the user."""
        return self.memory.profiles.get(self.persona_id, self.user_id)

    def update_profile(
        self,
        category: str,
        data: object,
        operation: Operation = "merge",
        expected_version: int | None = None,
    ) -> Profile:
        """Deep-merge ``data`` into one category, or replace it."""
        return self.memory.profiles.update(
            self.persona_id, self.user_id, category, data, operation, expected_version
        )

    def put_profile(
        self, categories: Mapping[str, object], expected_version: int | None = None
    ) -> Profile:
        """Replace each category given; the others stay."""
        return self.memory.profiles.put(self.persona_id, self.user_id, categories, expected_version)

    def clear_profile(
        self, category: str | None = None, expected_version: int | None = None
    ) -> Profile:
        """Empty one category, or every category when none is named."""
        return self.memory.profiles.clear(self.persona_id, self.user_id, category, expected_version)

    # --- blocks ---------------------------------------------------------------

    def blocks(self) -> list[Block]:
        """The relationship's blocks: the persona's, its own, then shared ones."""
        return self.memory.blocks.attached(self.persona_id, self.user_id)

    def block(self, label: str) -> Block:
        """The relationship's block labelled ``label``."""
        return self.memory.blocks.get(self.persona_id, self.user_id, label)

    def append_block(self, label: str, content: str) -> Block:
        """Add ``content`` on a new line at the end of a block."""
        return self.memory.blocks.append(self.persona_id, self.user_id, label, content)

    def replace_block(self, label: str, old: str, new: str) -> Block:
        """Replace every occurrence of ``old`` in a block with ``new``."""
        return self.memory.blocks.replace(self.persona_id, self.user_id, label, old, new)

    # --- relationship, sessions, prompt ---------------------------------------

    def relationship(self) -> Relationship:
        """What the user is to the persona."""
        return self.memory.relationships.get(self.persona_id, self.user_id)

    def start_session(
        self, session_id: str | None = None, metadata: dict[str, Any] | None = None
    ) -> Session:
        """Start a live conversation of the persona with the user."""
        data = SessionCreate(
            persona_id=self.persona_id,
            user_id=self.user_id,
            session_id=session_id,
            metadata=metadata or {},
        )
        return self.memory.sessions.start(data)

    def prompt(
        self,
        query: str | None = None,
        *,
        token_budget: int = DEFAULT_BUDGET,
        session_id: str | None = None,
        sections: list[Section] | None = None,
    ) -> Prompt:
        """The persona's system prompt for the user, as ``memory.build_prompt`` builds it."""
        return self.memory.build_prompt(
            self.persona_id,
            self.user_id,
            query=query,
            session_id=session_id,
            token_budget=token_budget,
            sections=sections,
        )
