"""What differs between SQL dialects in plain statements: upserts.

(Full-text and vector search differ more; each has its own module,
``sqlite_index`` and ``postgres_index``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table
from sqlalchemy.dialects import postgresql, sqlite


def _insert(connection: Connection, table: Table) -> Any:
    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_ignoring_duplicates(
    connection: Connection, table: Table, values: dict[str, Any] | Select[Any]
) -> int:
    """INSERT (of values, or of a SELECT's rows) that keeps existing rows with the
    same key: ``ON CONFLICT DO NOTHING``. Returns how many rows it inserted."""
    statement = _insert(connection, table)
    if isinstance(values, Select):
        statement = statement.from_select([c.name for c in values.selected_columns], values)
    else:
        statement = statement.values(values)
    # Counted through RETURNING: drivers need not report rowcount for an INSERT.
    key = next(iter(table.primary_key.columns))
    returned = connection.execute(statement.on_conflict_do_nothing().returning(key))
    return len(returned.all())


def upsert(
    connection: Connection,
    table: Table,
    values: dict[str, Any],
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET update = excluded.update``."""
    statement = _insert(connection, table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: statement.excluded[name] for name in update},
    )
    connection.execute(statement)
