"""What is in the database, read straight from the tables: to show that a refused
request wrote nothing (not even an update in place)."""

from __future__ import annotations

from sqlalchemy import func, select

from persona_memory import Memory
from persona_memory.storage.schema import metadata


def counts(memory: Memory) -> dict[str, int]:
    engine = memory.store.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }


def contents(memory: Memory) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: equal before and after means
    nothing was written. Plain DB-API (30x faster than SQLAlchemy Core here),
    since the hostile-input tests take a snapshot after each of thousands of
    requests."""
    engine = memory.store.engine  # type: ignore[attr-defined]
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        snapshot = {}
        for table in metadata.sorted_tables:
            cursor.execute(f'SELECT * FROM "{table.name}"')
            snapshot[table.name] = sorted(repr(row) for row in cursor.fetchall())
        connection.rollback()
        return snapshot
    finally:
        connection.close()
