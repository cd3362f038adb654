"""Which tables hold a user's data, read from the schema itself.

Each table declares ``info["user_data"]``: the column naming the user, a
``table.column`` it cascades from, or ``None``. Erasure walks that registry,
so a new table is erased as soon as it declares itself, and
tests/storage/test_user_data.py fails for a table that declares nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, Table, delete, exists, select

from persona_memory.storage.schema import metadata, users


def user_column(table: Table) -> str | None:
    """The column of ``table`` that names a user, if rows are found by one."""
    declared = table.info.get("user_data")
    if declared is None or "." in declared:
        return None
    return str(declared)


def erase_user_rows(connection: Connection, user_id: str) -> bool:
    """Delete every row that names the user, children first; False if unknown."""
    found = connection.execute(select(exists().where(users.c.id == user_id))).scalar()
    if not found:
        return False
    for table in reversed(metadata.sorted_tables):
        column = user_column(table)
        if column is not None:
            connection.execute(delete(table).where(table.c[column] == user_id))
    return True


def undeclared_tables(schema: MetaData) -> list[Table]:
    """Tables that do not say whether they hold a user's data."""
    return [table for table in schema.sorted_tables if "user_data" not in table.info]
