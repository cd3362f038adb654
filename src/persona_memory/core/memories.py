"""Semantic memories: the one write path, with its checks, and plain reads.

Every write goes through :class:`MemoryService`: it validates the owner scope,
the size limit and the persona's existence before the store sees anything,
and the store writes the memory, its history and its indexes in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from persona_memory.core.errors import InvalidInput, MemoryNotFound, PersonaNotFound, TextTooLong
from persona_memory.core.ids import new_memory_id
from persona_memory.core.models import (
    MemoryCreate,
    MemoryHistoryEntry,
    MemoryRecord,
    MemoryUpdate,
    SearchFilters,
    utcnow,
)
from persona_memory.core.ports import Embedder, Embedding, MemoryQuery, Store
from persona_memory.core.scope import Scope, visible_scopes

Progress = Callable[[int], None]


class MemoryService:
    def __init__(self, store: Store, embedder: Embedder, max_text_chars: int = 16_000) -> None:
        self._store = store
        self._embedder = embedder
        self._max_text_chars = max_text_chars

    # --- writes ------------------------------------------------------------

    def add(self, data: MemoryCreate) -> MemoryRecord:
        return self.add_many([data])[0]

    def add_many(self, items: Sequence[MemoryCreate]) -> list[MemoryRecord]:
        """Validate all, embed in one batch, then write all in one transaction."""
        records = [self._new_record(item) for item in items]
        for persona_id in {r.persona_id for r in records if r.persona_id is not None}:
            if self._store.get_persona(persona_id) is None:
                raise PersonaNotFound(persona_id)
        vectors = self._embedder.embed([record.text for record in records])
        model = self._embedder.model_name
        self._store.add_memories(
            [
                (record, Embedding(model, vector))
                for record, vector in zip(records, vectors, strict=True)
            ]
        )
        return records

    def update(self, memory_id: str, changes: MemoryUpdate) -> MemoryRecord:
        current = self.get(memory_id)
        given = changes.model_dump(exclude_unset=True)
        if "text" in given:
            self._check_text(given["text"])
        updated = MemoryRecord.model_validate(
            current.model_dump() | given | {"updated_at": utcnow()}
        )
        _check_validity(updated.valid_from, updated.valid_to)
        embedding = None
        if updated.text != current.text:
            vector = self._embedder.embed([updated.text])[0]
            embedding = Embedding(self._embedder.model_name, vector)
        self._store.update_memory(updated, embedding)
        return updated

    def delete(self, memory_id: str) -> None:
        if not self._store.delete_memory(memory_id):
            raise MemoryNotFound(memory_id)

    def reindex(self, batch_size: int = 256, progress: Progress | None = None) -> int:
        """Re-embed every memory whose vector is missing or from another model."""
        model, done = self._embedder.model_name, 0
        while batch := self._store.memories_to_embed(model, batch_size):
            vectors = self._embedder.embed([memory.text for memory in batch])
            self._store.set_embeddings(
                [(m.id, Embedding(model, v)) for m, v in zip(batch, vectors, strict=True)]
            )
            done += len(batch)
            if progress is not None:
                progress(len(batch))
        return done

    # --- reads -------------------------------------------------------------

    def get(self, memory_id: str) -> MemoryRecord:
        memory = self._store.get_memory(memory_id)
        if memory is None:
            raise MemoryNotFound(memory_id)
        return memory

    def all(
        self,
        *,
        persona_id: str | None = None,
        user_id: str | None = None,
        filters: SearchFilters | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[MemoryRecord]:
        query = memory_query(persona_id, user_id, filters or SearchFilters())
        return self._store.list_memories(query, limit=limit, offset=offset)

    def history(self, memory_id: str) -> list[MemoryHistoryEntry]:
        entries = self._store.memory_history(memory_id)
        if not entries:
            raise MemoryNotFound(memory_id)
        return entries

    # --- checks ------------------------------------------------------------

    def _new_record(self, data: MemoryCreate) -> MemoryRecord:
        self._check_text(data.text)
        _check_validity(data.valid_from, data.valid_to)
        scope = Scope.for_owner(data.persona_id, data.user_id)
        now = utcnow()
        return MemoryRecord(
            **data.model_dump(),
            id=new_memory_id(),
            scope=scope.kind,
            created_at=now,
            updated_at=now,
        )

    def _check_text(self, text: str) -> None:
        if len(text) > self._max_text_chars:
            raise TextTooLong(len(text), self._max_text_chars)


def memory_query(
    persona_id: str | None, user_id: str | None, filters: SearchFilters
) -> MemoryQuery:
    """The reader's visible scopes, narrowed by ``filters.scope``, plus filters."""
    scopes = visible_scopes(persona_id, user_id)
    if filters.scope is not None:
        wanted = set(filters.scope)
        scopes = [scope for scope in scopes if scope.kind in wanted]
    return MemoryQuery(
        scopes=scopes,
        category=filters.category,
        tags=filters.tags,
        created_after=filters.created_after,
        created_before=filters.created_before,
        valid_at=filters.valid_at,
        min_importance=filters.min_importance,
    )


def _check_validity(valid_from: datetime | None, valid_to: datetime | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise InvalidInput("valid_to must be after valid_from", field="valid_to")
