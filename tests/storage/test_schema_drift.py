"""The migrations build the schema that storage/schema.py declares, on every
backend: an index or column added to one and not the other fails here."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from persona_memory.storage import SqlStore
from persona_memory.storage.schema import metadata

# What the backends' own indexes keep (storage/sqlite_index.py, postgres_index.py):
# made by the migrations or at run time, never declared in schema.py.
INDEX_TABLES = ("memories_fts", "vector_log")
INDEX_COLUMNS = ("text_search",)
INDEX_INDEXES = ("ix_memories_text_search", "ix_memories_embedding_")


def _ours(difference: Any) -> bool:
    if not isinstance(difference, tuple):
        return True
    kind, item = difference[0], difference[1]
    if kind == "remove_table":
        return not item.name.startswith(INDEX_TABLES)
    if kind == "remove_index":
        return not item.name.startswith(INDEX_INDEXES)
    if kind == "remove_column":
        return difference[3].name not in INDEX_COLUMNS
    return True


def _lengthless_sqlite(difference: Any, dialect: str) -> bool:
    # SQLite keeps no VARCHAR length (0005 widened block labels for PostgreSQL).
    return (
        dialect == "sqlite"
        and isinstance(difference, list)
        and all(change[0] == "modify_type" for change in difference)
    )


def test_the_migrated_schema_is_the_declared_one(store: SqlStore) -> None:
    dialect = store.engine.dialect.name
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    left = [d for d in differences if _ours(d) and not _lengthless_sqlite(d, dialect)]
    assert left == []


def test_the_listing_indexes_exist(store: SqlStore) -> None:
    with store.engine.connect() as connection:
        found = {
            index["name"]: index["column_names"]
            for index in connection.dialect.get_indexes(connection, "memories")
        }
    owner = ["scope", "persona_id", "user_id"]
    assert found["ix_memories_category"] == [*owner, "category", "created_at"]
    assert found["ix_memories_importance"] == [*owner, "importance"]
