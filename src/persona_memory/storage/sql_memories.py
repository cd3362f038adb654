"""Semantic memories, their history, tags and indexes on any SQLAlchemy engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.models import HistoryEvent, MemoryHistoryEntry, MemoryRecord, utcnow
from persona_memory.core.ports import Embedding, MemoryQuery, TextHit, VectorCandidates
from persona_memory.core.scope import ScopeKind
from persona_memory.storage.dialect import sqlite_text_search
from persona_memory.storage.engine import write_transaction
from persona_memory.storage.ensure import ensure_relationship, ensure_user
from persona_memory.storage.predicates import memory_where
from persona_memory.storage.rows import history_from_row, memory_from_row, memory_values
from persona_memory.storage.schema import memories, memory_history, memory_tags


class SqlMemories:
    engine: Engine

    def add_memories(self, items: Sequence[tuple[MemoryRecord, Embedding | None]]) -> None:
        with write_transaction(self.engine) as connection:
            for record in {(r.scope, r.persona_id, r.user_id): r for r, _ in items}.values():
                _ensure_owner(connection, record)
            for record, embedding in items:
                values = memory_values(record) | _embedding_values(embedding)
                result = connection.execute(insert(memories).values(values))
                pk = result.inserted_primary_key[0]  # type: ignore[index]
                _write_tags(connection, pk, record.tags)
                _write_history(connection, HistoryEvent.ADD, None, record)

    def get_memory(self, memory_id: str) -> MemoryRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(memories).where(memories.c.id == memory_id)).first()
        return None if row is None else memory_from_row(row)

    def get_memories(self, memory_ids: Sequence[str]) -> list[MemoryRecord]:
        if not memory_ids:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(memories).where(memories.c.id.in_(list(memory_ids)))
            ).all()
        return [memory_from_row(row) for row in rows]

    def list_memories(
        self, query: MemoryQuery, *, limit: int = 100, offset: int = 0
    ) -> list[MemoryRecord]:
        statement = (
            select(memories)
            .where(memory_where(query))
            .order_by(memories.c.created_at.desc(), memories.c.pk.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [memory_from_row(row) for row in rows]

    def update_memory(self, record: MemoryRecord, embedding: Embedding | None) -> None:
        with write_transaction(self.engine) as connection:
            row = connection.execute(select(memories).where(memories.c.id == record.id)).first()
            if row is None:
                return
            old = memory_from_row(row)
            values = memory_values(record)
            if embedding is not None:
                values |= _embedding_values(embedding)
            connection.execute(update(memories).where(memories.c.pk == row.pk).values(values))
            connection.execute(delete(memory_tags).where(memory_tags.c.memory_pk == row.pk))
            _write_tags(connection, row.pk, record.tags)
            _write_history(connection, HistoryEvent.UPDATE, old, record)

    def delete_memory(self, memory_id: str) -> bool:
        with write_transaction(self.engine) as connection:
            row = connection.execute(select(memories).where(memories.c.id == memory_id)).first()
            if row is None:
                return False
            connection.execute(delete(memories).where(memories.c.pk == row.pk))
            _write_history(connection, HistoryEvent.DELETE, memory_from_row(row), None)
        return True

    def memory_history(self, memory_id: str) -> list[MemoryHistoryEntry]:
        return self._history(memory_history.c.memory_id == memory_id)

    def user_history(self, user_id: str) -> list[MemoryHistoryEntry]:
        return self._history(memory_history.c.user_id == user_id)

    def _history(self, where: Any) -> list[MemoryHistoryEntry]:
        statement = select(memory_history).where(where).order_by(memory_history.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [history_from_row(row) for row in rows]

    def text_search(self, terms: Sequence[str], query: MemoryQuery, limit: int) -> list[TextHit]:
        if not terms:
            return []
        with self.engine.connect() as connection:
            return sqlite_text_search(connection, memories, terms, memory_where(query), limit)

    def vector_candidates(self, query: MemoryQuery, model: str) -> VectorCandidates:
        statement = select(memories.c.id, memories.c.embedding).where(
            memory_where(query), memories.c.embedding_model == model
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        if not rows:
            return VectorCandidates()
        matrix = np.frombuffer(b"".join(row.embedding for row in rows), dtype=np.float32)
        return VectorCandidates([row.id for row in rows], matrix.reshape(len(rows), -1))

    def memories_to_embed(self, model: str, limit: int) -> list[MemoryRecord]:
        statement = (
            select(memories).where(_stale_embedding(model)).order_by(memories.c.pk).limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [memory_from_row(row) for row in rows]

    def count_memories_to_embed(self, model: str) -> int:
        statement = select(func.count()).select_from(memories).where(_stale_embedding(model))
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def set_embeddings(self, items: Sequence[tuple[str, Embedding]]) -> None:
        with write_transaction(self.engine) as connection:
            for memory_id, embedding in items:
                connection.execute(
                    update(memories)
                    .where(memories.c.id == memory_id)
                    .values(_embedding_values(embedding))
                )


def _stale_embedding(model: str) -> ColumnElement[bool]:
    return or_(memories.c.embedding_model.is_(None), memories.c.embedding_model != model)


def _ensure_owner(connection: Connection, record: MemoryRecord) -> None:
    if record.scope is ScopeKind.RELATIONSHIP:
        assert record.persona_id is not None and record.user_id is not None
        ensure_relationship(connection, record.persona_id, record.user_id, record.created_at)
    elif record.user_id is not None:
        ensure_user(connection, record.user_id, record.created_at)


def _embedding_values(embedding: Embedding | None) -> dict[str, Any]:
    if embedding is None:
        return {"embedding": None, "embedding_model": None, "embedding_dim": None}
    vector = np.ascontiguousarray(embedding.vector, dtype=np.float32)
    return {
        "embedding": vector.tobytes(),
        "embedding_model": embedding.model,
        "embedding_dim": int(vector.shape[0]),
    }


def _write_tags(connection: Connection, memory_pk: int, tags: Sequence[str]) -> None:
    unique = list(dict.fromkeys(tags))
    if unique:
        connection.execute(
            insert(memory_tags), [{"memory_pk": memory_pk, "tag": tag} for tag in unique]
        )


def _write_history(
    connection: Connection,
    event: HistoryEvent,
    old: MemoryRecord | None,
    new: MemoryRecord | None,
) -> None:
    owner = new or old
    assert owner is not None
    connection.execute(
        insert(memory_history).values(
            memory_id=owner.id,
            persona_id=owner.persona_id,
            user_id=owner.user_id,
            event=event.value,
            old_value=None if old is None else old.model_dump(mode="json"),
            new_value=None if new is None else new.model_dump(mode="json"),
            created_at=utcnow(),
        )
    )
