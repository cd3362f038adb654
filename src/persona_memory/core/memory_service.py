"""Semantic memories: the one write path, with its checks, and plain reads.

Embedding runs before the transaction opens (it is the slow part, and a write
lock should not wait on a model); checks and writes then run in one
transaction, so an operation happens whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller, Role
from persona_memory.core.decay import RETRIEVAL_REINFORCEMENT_GAP_SECONDS
from persona_memory.core.errors import Forbidden
from persona_memory.core.memories import (
    MemoryCreate,
    MemoryHistoryEntry,
    MemoryNotFound,
    MemoryRecord,
    MemoryUpdate,
    SearchFilters,
    changed,
    check_text,
    memory_query,
    new_record,
)
from persona_memory.core.persona_service import require_persona
from persona_memory.core.ports import Embedder, Embedding, Store, Transaction
from persona_memory.core.privacy_service import PrivacyFirewall
from persona_memory.core.relationship_service import open_relationship
from persona_memory.core.scope import ScopeKind

Progress = Callable[[int], None]


class MemoryService:
    """Memories one at a time; reached as ``memory.memories`` (``memory.add``
    and ``memory.search`` are shortcuts)."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        firewall: PrivacyFirewall,
        max_text_chars: int = 16_000,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._firewall = firewall
        self._max_text_chars = max_text_chars

    # --- writes ------------------------------------------------------------

    def add(self, data: MemoryCreate, *, caller: Caller = ADMIN) -> MemoryRecord:
        """Remember one memory (``memory.add`` is the shortcut)."""
        return self.add_many([data], caller=caller)[0]

    def add_many(
        self, items: Sequence[MemoryCreate], *, caller: Caller = ADMIN
    ) -> list[MemoryRecord]:
        """Check all, screen shared ones for PII, embed in batches, then write all
        in one transaction."""
        now = utcnow()
        records = [new_record(item, now, self._max_text_chars) for item in items]
        for record in records:
            if record.user_id is not None:
                caller.check_user(record.user_id)
        screened = [self._firewall.memory(record, now) for record in records]
        records = [s.record for s in screened]
        vectors = self._embedder.embed([record.text for record in records])
        model = self._embedder.model_name
        with self._store.transaction() as tx:
            _open_owners(tx, records)
            tx.insert_memories(
                [(r, Embedding(model, v)) for r, v in zip(records, vectors, strict=True)]
            )
            tx.record_redactions([r for s in screened for r in s.redactions])
        return records

    def update(
        self, memory_id: str, changes: MemoryUpdate, *, caller: Caller = ADMIN
    ) -> MemoryRecord:
        """Change the fields ``changes`` sets (a new text is embedded again); the
        memory's history keeps the old values."""
        embedding = None
        if changes.text is not None:
            check_text(changes.text, self._max_text_chars)
        with self._store.read() as tx:
            before = _own(tx, memory_id, caller)
        # The owner never changes, so the new values can be screened before the lock.
        given = changes.model_fields_set & {"text", "context", "tags"}
        screened = self._firewall.memory(
            changed(before, changes, utcnow(), self._max_text_chars), utcnow()
        )
        redactions = [r for r in screened.redactions if r.field in given]
        if changes.text is not None:
            vector = self._embedder.embed([screened.record.text])[0]
            embedding = Embedding(self._embedder.model_name, vector)
        with self._store.transaction() as tx:
            current = _own(tx, memory_id, caller, for_update=True)
            updated = changed(current, changes, utcnow(), self._max_text_chars)
            updated = updated.model_copy(update={k: getattr(screened.record, k) for k in given})
            tx.update_memory(current, updated, embedding)
            tx.record_redactions(redactions)
        return updated

    def delete(self, memory_id: str, *, caller: Caller = ADMIN) -> None:
        """Delete the memory; its history keeps it, ending in a DELETE."""
        with self._store.transaction() as tx:
            tx.delete_memory(_own(tx, memory_id, caller, for_update=True))

    def reinforce_retrieved(self, records: Sequence[MemoryRecord]) -> int:
        """Retrieval reinforces (core/decay.py), at most once an hour per memory:
        the write is skipped when every hit was reinforced recently."""
        now = utcnow()
        since = now - timedelta(seconds=RETRIEVAL_REINFORCEMENT_GAP_SECONDS)
        stale = [r.id for r in records if (r.reinforced_at or r.created_at) < since]
        if not stale:
            return 0
        with self._store.transaction() as tx:
            return tx.reinforce_memories(stale, now, unless_since=since)

    def reindex(self, batch_size: int = 256, progress: Progress | None = None) -> int:
        """Re-embed every memory whose vector is missing or from another model."""
        model, done = self._embedder.model_name, 0
        while True:
            with self._store.read() as tx:
                batch = tx.memories_to_embed(model, batch_size)
            if not batch:
                return done
            vectors = self._embedder.embed([memory.text for memory in batch])
            with self._store.transaction() as tx:
                tx.set_embeddings(
                    [(m.id, Embedding(model, v)) for m, v in zip(batch, vectors, strict=True)]
                )
            done += len(batch)
            if progress is not None:
                progress(len(batch))

    def count_to_reindex(self) -> int:
        """How many memories ``reindex`` would embed: those with no vector, or one
        from another model."""
        with self._store.read() as tx:
            return tx.count_memories_to_embed(self._embedder.model_name)

    # --- reads -------------------------------------------------------------

    def get(self, memory_id: str, *, caller: Caller = ADMIN) -> MemoryRecord:
        """The memory; ``MemoryNotFound`` if there is none."""
        with self._store.read() as tx:
            return _own(tx, memory_id, caller)

    def all(
        self,
        *,
        persona_id: str | None = None,
        user_id: str | None = None,
        filters: SearchFilters | None = None,
        limit: int = 100,
        offset: int = 0,
        caller: Caller = ADMIN,
    ) -> list[MemoryRecord]:
        """The memories (persona, user) may see, newest first, one page of them:
        their relationship's, the persona's own and global ones, as ``filters``
        narrow them."""
        if user_id is not None:
            caller.check_user(user_id)
        query = memory_query(persona_id, user_id, filters or SearchFilters())
        with self._store.read() as tx:
            return tx.list_memories(query, limit=limit, offset=offset)

    def history(self, memory_id: str) -> list[MemoryHistoryEntry]:
        """Every change of the memory, oldest first (ADD, UPDATE, SUPERSEDE, DELETE,
        REDACT), with the values before and after; kept after a delete."""
        with self._store.read() as tx:
            entries = tx.memory_history(memory_id)
        if not entries:
            raise MemoryNotFound(memory_id)
        return entries


def _open_owners(tx: Transaction, records: Sequence[MemoryRecord]) -> None:
    """Every persona named must exist; relationships open on their first memory."""
    owners = {(r.scope, r.persona_id, r.user_id) for r in records}
    now = utcnow()
    for scope, persona_id, user_id in sorted(owners, key=str):
        if scope is ScopeKind.RELATIONSHIP:
            assert persona_id is not None and user_id is not None
            open_relationship(tx, persona_id, user_id, now)
        elif persona_id is not None:
            require_persona(tx, persona_id)


def _own(
    tx: Transaction, memory_id: str, caller: Caller, *, for_update: bool = False
) -> MemoryRecord:
    """The memory, if it exists and the caller may touch it: a user's memories by
    that user (or an agent acting for them); shared ones (persona, global) are
    read by all and changed by the admin alone."""
    record = tx.get_memory(memory_id, for_update=for_update)
    if record is None:
        raise MemoryNotFound(memory_id)
    if record.user_id is not None:
        caller.check_user(record.user_id)
    elif for_update and caller.role is not Role.ADMIN:
        raise Forbidden(f"memory {memory_id!r} is shared: only the admin may change it")
    return record
