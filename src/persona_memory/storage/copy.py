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
from persona_memory.storage.schema import metadata, user_personas
from persona_memory.storage.store import SqlStore

BATCH = 1000
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
    for table in metadata.sorted_tables:
        if table is user_personas or table.name == "blocks":
            continue  # seeded by the migrations; replaced by the copy
        if _count(connection, table.name):
            raise TargetNotEmpty(
                f"the target already holds data (table {table.name}); copy into an empty database",
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
