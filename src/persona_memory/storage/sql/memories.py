"""Memory rows: records, tags, history; search goes to the backend's index."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.base import utcnow
from persona_memory.core.memories import (
    HistoryEvent,
    MemoryHistoryEntry,
    MemoryQuery,
    MemoryRecord,
)
from persona_memory.core.ports import Embedding, Hit, Vectors
from persona_memory.storage.predicates import (
    WhereShape,
    bound_where,
    memory_where,
    where_template,
)
from persona_memory.storage.rows import (
    MEMORY_COLUMNS,
    history_from_row,
    memory_from_row,
    memory_values,
)
from persona_memory.storage.schema import memories, memory_history, memory_tags
from persona_memory.storage.sql.base import Rows, locked

# A record's columns: never the vector, whose conversion per row cost more than
# the rest of the read.
RECORD = tuple(memories.c[name] for name in MEMORY_COLUMNS)
# Built once: search reads its hits through this on every query.
_BY_IDS = select(*RECORD).where(memories.c.id.in_(bindparam("ids", expanding=True)))


def _listing(where: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*RECORD)
        .where(where)
        .order_by(memories.c.created_at.desc(), memories.c.pk.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@functools.lru_cache(maxsize=256)
def _listing_of_shape(shape: WhereShape) -> Select[Any]:
    # A prompt lists four times per build: a cached statement saves ~0.7 ms each.
    return _listing(where_template(shape))


class MemorySql(Rows):
    def insert_memories(self, items: Sequence[tuple[MemoryRecord, Embedding | None]]) -> None:
        if not items:
            return
        for model, dimension in {(e.model, len(e.vector)) for _, e in items if e is not None}:
            self.index.prepare(self.connection, model, dimension)
        rows = [memory_values(record) | embedding_values(e) for record, e in items]
        # One statement for all rows (executemany with RETURNING), in order.
        returned = self.connection.execute(
            insert(memories).returning(memories.c.pk, sort_by_parameter_order=True), rows
        ).all()
        tags = [
            {"memory_pk": row.pk, "tag": tag}
            for row, (record, _) in zip(returned, items, strict=True)
            for tag in dict.fromkeys(record.tags)
        ]
        if tags:
            self.connection.execute(insert(memory_tags), tags)
        _write_history(self.connection, [(HistoryEvent.ADD, None, record) for record, _ in items])

    def get_memory(self, memory_id: str, *, for_update: bool = False) -> MemoryRecord | None:
        statement = locked(select(*RECORD).where(memories.c.id == memory_id), for_update)
        row = self.connection.execute(statement).first()
        return None if row is None else memory_from_row(row)

    def get_memories(self, memory_ids: Sequence[str]) -> list[MemoryRecord]:
        if not memory_ids:
            return []
        # .all(): one fetchall, not a fetchone per row (a search reads 20-120 of them).
        rows = self.connection.execute(_BY_IDS, {"ids": list(memory_ids)}).all()
        return [memory_from_row(row) for row in rows]

    def list_memories(
        self, query: MemoryQuery, *, limit: int = 100, offset: int = 0
    ) -> list[MemoryRecord]:
        page = {"limit": limit, "offset": offset}
        bound = bound_where(query)
        if bound is None:
            rows = self.connection.execute(_listing(memory_where(query)), page)
        else:
            rows = self.connection.execute(_listing_of_shape(bound.shape), bound.params | page)
        return [memory_from_row(row) for row in rows.all()]

    def update_memory(
        self,
        old: MemoryRecord,
        new: MemoryRecord,
        embedding: Embedding | None,
        event: HistoryEvent = HistoryEvent.UPDATE,
    ) -> None:
        values = memory_values(new)
        if embedding is not None:
            self.index.prepare(self.connection, embedding.model, len(embedding.vector))
            values |= embedding_values(embedding)
        pk = self.connection.execute(
            update(memories).where(memories.c.id == new.id).values(values).returning(memories.c.pk)
        ).scalar_one()
        self.connection.execute(delete(memory_tags).where(memory_tags.c.memory_pk == pk))
        if new.tags:
            self.connection.execute(
                insert(memory_tags), [{"memory_pk": pk, "tag": t} for t in dict.fromkeys(new.tags)]
            )
        _write_history(self.connection, [(event, old, new)])

    def reinforce_memories(
        self, memory_ids: Sequence[str], now: datetime, *, unless_since: datetime | None = None
    ) -> int:
        if not memory_ids:
            return 0
        statement = update(memories).where(memories.c.id.in_(list(memory_ids)))
        if unless_since is not None:
            statement = statement.where(
                or_(memories.c.reinforced_at.is_(None), memories.c.reinforced_at < unless_since)
            )
        result = self.connection.execute(
            statement.values(reinforced_at=now, reinforcements=memories.c.reinforcements + 1)
        )
        return int(result.rowcount)

    def delete_memory(self, record: MemoryRecord) -> None:
        self.connection.execute(delete(memories).where(memories.c.id == record.id))
        _write_history(self.connection, [(HistoryEvent.DELETE, record, None)])

    def memory_history(self, memory_id: str) -> list[MemoryHistoryEntry]:
        return self._history(memory_history.c.memory_id == memory_id)

    def user_history(self, user_id: str) -> list[MemoryHistoryEntry]:
        return self._history(memory_history.c.user_id == user_id)

    def _history(self, where: ColumnElement[bool]) -> list[MemoryHistoryEntry]:
        statement = select(memory_history).where(where).order_by(memory_history.c.id)
        return [history_from_row(row) for row in self.connection.execute(statement)]

    def text_search(self, terms: Sequence[str], query: MemoryQuery, k: int) -> list[Hit]:
        if not terms or not query.scopes or k <= 0:
            return []
        return self.index.text_search(self.connection, terms, query, k)

    def vector_search(self, vector: Vectors, model: str, query: MemoryQuery, k: int) -> list[Hit]:
        if not query.scopes or k <= 0:
            return []
        return self.index.vector_search(self.connection, vector, model, query, k)

    def memories_to_embed(self, model: str, limit: int) -> list[MemoryRecord]:
        statement = (
            select(*RECORD).where(_stale_embedding(model)).order_by(memories.c.pk).limit(limit)
        )
        return [memory_from_row(row) for row in self.connection.execute(statement)]

    def count_memories_to_embed(self, model: str) -> int:
        statement = select(func.count()).select_from(memories).where(_stale_embedding(model))
        return int(self.connection.execute(statement).scalar_one())

    def set_embeddings(self, items: Sequence[tuple[str, Embedding]]) -> None:
        for model, dimension in {(e.model, len(e.vector)) for _, e in items}:
            self.index.prepare(self.connection, model, dimension)
        for memory_id, embedding in items:
            self.connection.execute(
                update(memories)
                .where(memories.c.id == memory_id)
                .values(embedding_values(embedding))
            )


def embedding_values(embedding: Embedding | None) -> dict[str, Any]:
    if embedding is None:
        return {"embedding": None, "embedding_model": None, "embedding_dim": None}
    return {
        "embedding": embedding.vector,
        "embedding_model": embedding.model,
        "embedding_dim": len(embedding.vector),
    }


def _stale_embedding(model: str) -> ColumnElement[bool]:
    return or_(memories.c.embedding_model.is_(None), memories.c.embedding_model != model)


def _write_history(
    connection: Connection,
    events: Sequence[tuple[HistoryEvent, MemoryRecord | None, MemoryRecord | None]],
) -> None:
    now = utcnow()
    rows = []
    for event, old, new in events:
        owner = new or old
        assert owner is not None
        rows.append(
            {
                "memory_id": owner.id,
                "persona_id": owner.persona_id,
                "user_id": owner.user_id,
                "event": event.value,
                "old_value": None if old is None else old.model_dump(mode="json"),
                "new_value": None if new is None else new.model_dump(mode="json"),
                "created_at": now,
            }
        )
    connection.execute(insert(memory_history), rows)
