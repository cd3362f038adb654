"""Rows in and out of the export format (core/transfer.py): every table but the
ones a store rebuilds (the tag index, the job queue), each row's columns but
integer keys and embeddings, in an order that a second export repeats.

Import matches each row with the store's by its identity: its primary key, its
unique key where the primary key is a counter, else the whole row (history).
An equal row is skipped, a different one is a conflict, the rest is written;
all in the caller's transaction, so a refused import writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    Select,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    false,
    insert,
    select,
    true,
    tuple_,
)
from sqlalchemy.exc import IntegrityError

from persona_memory.core.transfer import (
    ImportConflict,
    ImportResult,
    Row,
    TransferFileInvalid,
    encode,
)
from persona_memory.storage.schema import (
    block_attachments,
    blocks,
    memories,
    memory_history,
    memory_tags,
    metadata,
    profile_history,
    relationships,
    session_entries,
    sessions,
    user_persona_members,
    user_personas,
)
from persona_memory.storage.sql.base import Rows
from persona_memory.storage.types import UTCDateTime

REBUILT = {memory_tags.name, "jobs"}  # from memories.tags; a queue, not data
EMBEDDING = {"embedding", "embedding_model", "embedding_dim"}
SEEDED_HANDLES = ("qsr_real_estate", "tobacco_consumer_insights")  # migration 0002
_CHUNK = 500
# History-like tables have no key of their own: a row is known by all its
# columns, looked up among the rows sharing this one.
_LOOKUP = {
    memory_history.name: "memory_id",
    profile_history.name: "user_id",
    session_entries.name: "session_id",
    "privacy_redactions": "target_id",
}
Numbered = tuple[int, str, Row]  # (line, kind, row)


def exported_tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if t.name not in REBUILT]


def export_kinds() -> list[str]:
    return [t.name for t in exported_tables()]


def exported_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if not _counter(c) and c.name not in EMBEDDING]


def _counter(column: Column[Any]) -> bool:
    return bool(column.primary_key and column.autoincrement is True) and isinstance(
        column.type, Integer
    )


def _identity(table: Table) -> list[str] | None:
    """Columns naming one row, or None when only the whole row does."""
    if not any(_counter(c) for c in table.primary_key.columns):
        return [c.name for c in table.primary_key.columns]
    for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
        if isinstance(constraint, UniqueConstraint):
            return [c.name for c in constraint.columns]
    unique = [c.name for c in table.columns if c.unique]
    return unique[:1] or None


class TransferSql(Rows):
    def export_rows(
        self, persona_id: str | None = None, user_id: str | None = None
    ) -> Iterator[tuple[str, Row]]:
        for table in exported_tables():
            columns = exported_columns(table)
            statement = select(*columns).where(_scope(table, persona_id, user_id))
            order = list(table.primary_key.columns)
            for row in self.connection.execute(statement.order_by(*order)).mappings():
                yield table.name, dict(row)

    def import_rows(self, records: Sequence[Numbered]) -> ImportResult:
        """Write the rows the store lacks, in the caller's transaction."""
        by_table: dict[str, list[tuple[int, Row]]] = {}
        for line, kind, row in records:
            by_table.setdefault(kind, []).append((line, row))
        self._make_room_for_seeds(by_table.get(user_personas.name, []))
        added: Counter[str] = Counter()
        unchanged: Counter[str] = Counter()
        lines: set[int] = set()
        conflicts: list[str] = []
        for table in exported_tables():
            rows = [(line, _typed(table, line, row)) for line, row in by_table.get(table.name, [])]
            fresh, same, differ = self._sort_out(table, rows)
            conflicts += differ
            unchanged[table.name] += same
            if fresh and not conflicts:
                self._insert(table, [row for _, row in fresh])
                added[table.name] += len(fresh)
                lines.update(line for line, _ in fresh)
        if conflicts:
            raise ImportConflict(conflicts)
        return ImportResult(added, unchanged, frozenset(lines))

    def _sort_out(
        self, table: Table, rows: list[tuple[int, Row]]
    ) -> tuple[list[tuple[int, Row]], int, list[str]]:
        """The rows to write, how many are already there, and the conflicts."""
        identity = _identity(table)
        if identity is None:
            return self._sort_out_by_content(table, rows)
        existing = self._existing(table, identity, [row for _, row in rows])
        fresh, same, differ = [], 0, []
        for line, row in rows:
            key = tuple(row[c] for c in identity)
            found = existing.get(key)
            if found is None:
                fresh.append((line, row))
                existing[key] = row  # a repeated row in the file counts once
            elif _same(found, row):
                same += 1
            else:
                differ.append(f"line {line}: {table.name} {'/'.join(map(str, key))}")
        return fresh, same, differ

    def _sort_out_by_content(
        self, table: Table, rows: list[tuple[int, Row]]
    ) -> tuple[list[tuple[int, Row]], int, list[str]]:
        lookup = table.c[_LOOKUP[table.name]]
        keys = sorted({row[lookup.name] for _, row in rows})
        there: Counter[str] = Counter()
        for chunk in _chunks(keys):
            statement = select(*exported_columns(table)).where(lookup.in_(chunk))
            there.update(_fingerprint(r) for r in self.connection.execute(statement).mappings())
        fresh, same = [], 0
        for line, row in rows:
            mark = _fingerprint(row)
            if there[mark]:
                there[mark] -= 1
                same += 1
            else:
                fresh.append((line, row))
        return fresh, same, []

    def _existing(
        self, table: Table, identity: list[str], rows: list[Row]
    ) -> dict[tuple[Any, ...], Row]:
        keys = sorted({tuple(row[c] for c in identity) for row in rows}, key=str)
        found: dict[tuple[Any, ...], Row] = {}
        key_columns = [table.c[c] for c in identity]
        for chunk in _chunks(keys):
            statement = select(*exported_columns(table)).where(tuple_(*key_columns).in_(chunk))
            for row in self.connection.execute(statement).mappings():
                found[tuple(row[c] for c in identity)] = dict(row)
        return found

    def _insert(self, table: Table, rows: list[Row]) -> None:
        try:
            if table is memories:
                self._insert_memories(rows)
            else:
                self.connection.execute(insert(table), rows)
        except IntegrityError as error:
            reason = str(error.orig).splitlines()[0]
            raise ImportConflict([f"{table.name}: {reason}"]) from None

    def _insert_memories(self, rows: list[Row]) -> None:
        returned = self.connection.execute(
            insert(memories).returning(memories.c.pk, sort_by_parameter_order=True), rows
        ).all()
        tags = [
            {"memory_pk": pk, "tag": tag}
            for (pk,), row in zip(returned, rows, strict=True)
            for tag in dict.fromkeys(row["tags"])
        ]
        if tags:
            self.connection.execute(insert(memory_tags), tags)

    def _make_room_for_seeds(self, incoming: list[tuple[int, Row]]) -> None:
        """A new store holds the two user personas the migrations seed, with their
        blocks. When the file brings its own and the store's are untouched (no
        member, the block never written), the file's replace them."""
        handles = [row["handle"] for _, row in incoming if row.get("handle") in SEEDED_HANDLES]
        for handle in handles:
            block = blocks.c.user_persona_handle == handle
            members = exists().where(user_persona_members.c.handle == handle)
            written = exists().where(block, blocks.c.updated_at != blocks.c.created_at)
            if self.connection.execute(select(members | written)).scalar():
                continue
            self.connection.execute(delete(blocks).where(block))
            self.connection.execute(delete(user_personas).where(user_personas.c.handle == handle))


def _scope(table: Table, persona_id: str | None, user_id: str | None) -> ColumnElement[bool]:
    """The rows of ``table`` an export for this persona and/or user carries."""
    conditions = []
    if persona_id is not None:
        conditions.append(_for_persona(table, persona_id))
    if user_id is not None:
        conditions.append(_for_user(table, user_id))
    return and_(true(), *[c for c in conditions if c is not None])


def _for_persona(table: Table, persona_id: str) -> ColumnElement[bool] | None:
    if table.name == "personas":
        return table.c.id == persona_id
    if table.name in ("users", "user_personas", "user_persona_members", "privacy_redactions"):
        return _referenced(table, persona_id=persona_id)
    if table is blocks:
        return (blocks.c.persona_id == persona_id) | _attached(persona_id=persona_id)
    if table is session_entries:
        return session_entries.c.session_id.in_(
            select(sessions.c.id).where(sessions.c.persona_id == persona_id)
        )
    if "persona_id" in table.c:
        return table.c.persona_id == persona_id
    return None


def _for_user(table: Table, user_id: str) -> ColumnElement[bool] | None:
    if table.name == "users":
        return table.c.id == user_id
    if table.name in ("personas", "user_personas", "privacy_redactions"):
        return _referenced(table, user_id=user_id)
    if table is blocks:
        return (blocks.c.user_id == user_id) | _attached(user_id=user_id)
    if table.name in ("persona_memory_syncs", "continuation_states"):
        return table.c.persona_id.in_(_personas_of(user_id))
    if "user_id" in table.c:
        return table.c.user_id == user_id
    return None


def _referenced(
    table: Table, persona_id: str | None = None, user_id: str | None = None
) -> ColumnElement[bool]:
    """Parents a filtered export needs, so that its rows import on their own."""
    where = []
    if persona_id is not None:
        where.append(relationships.c.persona_id == persona_id)
    if user_id is not None:
        where.append(relationships.c.user_id == user_id)
    related = select(relationships.c.user_id).where(*where)
    if table.name == "users":
        return table.c.id.in_(related)
    if table.name == "personas":
        return table.c.id.in_(select(relationships.c.persona_id).where(*where))
    if table.name == "user_persona_members":
        return table.c.user_id.in_(related)
    if table.name == "user_personas":
        shared = select(blocks.c.user_persona_handle).where(
            _attached(persona_id=persona_id, user_id=user_id)
        )
        return table.c.handle.in_(shared)
    return false()  # redactions are the whole store's audit: a full export's only


def _attached(persona_id: str | None = None, user_id: str | None = None) -> ColumnElement[bool]:
    where = []
    if persona_id is not None:
        where.append(block_attachments.c.persona_id == persona_id)
    if user_id is not None:
        where.append(block_attachments.c.user_id == user_id)
    return blocks.c.id.in_(select(block_attachments.c.block_id).where(*where))


def _personas_of(user_id: str) -> Select[Any]:
    return select(relationships.c.persona_id).where(relationships.c.user_id == user_id)


def _typed(table: Table, line: int, row: Row) -> Row:
    """The file's row as the table takes it: known columns only, times parsed."""
    columns = {c.name: c for c in exported_columns(table)}
    unknown = set(row) - set(columns)
    if unknown:
        raise TransferFileInvalid(line, f"{table.name} has no column {sorted(unknown)[0]!r}")
    # Every column, nullable ones too: whole-row matching (history) compares them all.
    typed = {name: row.get(name) for name in columns}
    for name, value in row.items():
        if isinstance(columns[name].type, UTCDateTime) and isinstance(value, str):
            try:
                typed[name] = datetime.fromisoformat(value)
            except ValueError:
                raise TransferFileInvalid(line, f"{table.name}.{name}: not a time") from None
    missing = [name for name, column in columns.items() if name not in row and not column.nullable]
    if missing:
        raise TransferFileInvalid(line, f"{table.name} needs {missing[0]!r}")
    return typed


def _same(stored: Row, incoming: Row) -> bool:
    return all(encode(stored.get(k)) == encode(v) for k, v in incoming.items())


def _fingerprint(row: Any) -> str:
    return encode({k: row[k] for k in sorted(row.keys())})


def _chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])
