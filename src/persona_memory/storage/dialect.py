"""What differs between SQL dialects: upserts and full-text search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table, column, func, literal_column, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.ports import TextHit


def insert_ignoring_duplicates(
    connection: Connection, table: Table, values: dict[str, Any] | Select[Any]
) -> int:
    """INSERT (of values, or of a SELECT's rows) that keeps existing rows with the
    same key. Returns how many rows it inserted."""
    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    if isinstance(values, Select):
        statement = statement.from_select([c.name for c in values.selected_columns], values)
    else:
        statement = statement.values(values)
    return int(connection.execute(statement.on_conflict_do_nothing()).rowcount)


def fts5_query(terms: Sequence[str]) -> str:
    """OR of quoted terms: any term may match, BM25 ranks by how many and how rare."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


_FTS = table("memories_fts", column("rowid"))
_FTS_SELF: ColumnElement[Any] = literal_column("memories_fts")


def sqlite_text_search(
    connection: Connection,
    memories: Table,
    terms: Sequence[str],
    where: ColumnElement[bool],
    limit: int,
) -> list[TextHit]:
    rank = func.bm25(_FTS_SELF).label("rank")
    statement = (
        select(memories.c.id, rank)
        .select_from(_FTS.join(memories, memories.c.pk == _FTS.c.rowid))
        .where(_FTS_SELF.op("MATCH")(fts5_query(terms)), where)
        .order_by(rank)
        .limit(limit)
    )
    rows = connection.execute(statement).all()
    # bm25() is lower-is-better and negative; flip it so higher is better.
    return [TextHit(memory_id=row.id, score=-float(row.rank)) for row in rows]
