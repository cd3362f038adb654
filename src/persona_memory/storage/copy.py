"""Copy a whole store into an empty one, across backends (SQLite ⇄ PostgreSQL).

Tables are copied parents first, in batches, inside one transaction on the
target, so a failed copy leaves the target empty. Column types convert the
values (vectors, datetimes, JSON) on the way, and each table's row count is
checked at the end.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, func, insert, select, text

from persona_memory.core.errors import ConflictError
from persona_memory.storage.engine import read_transaction, write_transaction
from persona_memory.storage.schema import blocks, metadata, user_personas
from persona_memory.storage.store import SqlStore

BATCH = 1000
SEEDED_HANDLES = ("qsr_real_estate", "tobacco_consumer_insights")  # migration 0002
Progress = Callable[[int], None]


class TargetNotEmpty(ConflictError):
    code = "target_not_empty"


def total_rows(store: SqlStore) -> int:
    with read_transaction(store.engine) as connection:
        return sum(_count(connection, table.name) for table in metadata.sorted_tables)


def copy_store(
    source: SqlStore, target: SqlStore, progress: Progress | None = None
) -> dict[str, int]:
    """Copy every row of ``source`` into ``target``; returns rows copied per table."""
    copied: dict[str, int] = {}
    with read_transaction(source.engine) as reading, write_transaction(target.engine) as writing:
        _check_empty(writing)
        # Migrations seed a few rows (user personas); the source has its own.
        writing.execute(text("DELETE FROM blocks WHERE user_persona_handle IS NOT NULL"))
        writing.execute(user_personas.delete())
        for table in metadata.sorted_tables:
            copied[table.name] = 0
            rows = reading.execute(select(table)).mappings()
            while batch := [dict(row) for row in rows.fetchmany(BATCH)]:
                writing.execute(insert(table), batch)
                copied[table.name] += len(batch)
                if progress is not None:
                    progress(len(batch))
            if _count(writing, table.name) != copied[table.name]:
                raise RuntimeError(f"copy of {table.name} does not match its source")
        if writing.dialect.name == "postgresql":
            _advance_sequences(writing)
    return copied


def _check_empty(connection: Connection) -> None:
    """Empty but for what the migrations seed: the two user personas of seed 000
    with their shared blocks, never written to."""
    for table in metadata.sorted_tables:
        if table is user_personas or table is blocks:
            continue
        if _count(connection, table.name):
            raise _not_empty(table.name)
    others = select(func.count()).where(user_personas.c.handle.not_in(SEEDED_HANDLES))
    if connection.execute(others).scalar_one():
        raise _not_empty(user_personas.name)
    touched = (
        select(func.count())
        .select_from(blocks)
        .where(
            (blocks.c.user_persona_handle.is_(None)) | (blocks.c.updated_at != blocks.c.created_at)
        )
    )
    if connection.execute(touched).scalar_one():
        raise _not_empty(blocks.name)


def _not_empty(table: str) -> TargetNotEmpty:
    return TargetNotEmpty(
        f"the target already holds data (table {table}); copy into an empty database",
        field="to",
    )


def _count(connection: Connection, name: str) -> int:
    table = metadata.tables[name]
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _advance_sequences(connection: Connection) -> None:
    """Rows came with their integer keys: move each serial past the largest copied."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )
