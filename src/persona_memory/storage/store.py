"""The SQL store: one engine, one search index, transactions on demand."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from persona_memory.core.errors import ConflictError
from persona_memory.core.ports import Transaction
from persona_memory.storage.engine import (
    MEMORY_DATABASE,
    database_url,
    make_engine,
    read_transaction,
    temporary_database,
    upgrade_schema,
    write_transaction,
)
from persona_memory.storage.index import CONTEXT_WEIGHT, SearchIndex
from persona_memory.storage.sql.transaction import SqlTransaction


class ConcurrentChange(ConflictError):
    code = "concurrent_change"

    def __init__(self) -> None:
        super().__init__(
            "something this request refers to was changed or removed by another request "
            "while it ran; nothing was written: read again and retry"
        )


class SqlStore:
    """Satisfies :class:`persona_memory.core.ports.Store` on SQLite and PostgreSQL."""

    def __init__(
        self,
        engine: Engine,
        index: SearchIndex,
        scratch: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        self.engine = engine
        self.index = index
        self._scratch = scratch

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        try:
            with write_transaction(self.engine) as connection:
                yield SqlTransaction(connection, self.index)
        except IntegrityError as error:
            # The checks passed, then a concurrent operation removed what this one
            # refers to (a persona deleted while a memory was added): nothing was
            # written; the caller may retry.
            raise ConcurrentChange() from error

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        with read_transaction(self.engine) as connection:
            yield SqlTransaction(connection, self.index)

    def scrub(self) -> None:
        """After an erasure: leave no copy of deleted data in the database files.

        SQLite: merge the full-text index (its 'delete' only writes tombstones;
        the old segments still hold the terms) and checkpoint the WAL, truncating
        it, so that old page images go too; secure_delete has zeroed the freed
        pages. PostgreSQL keeps dead rows until VACUUM and WAL until recycled:
        see docs/security.md.
        """
        if self.engine.dialect.name != "sqlite":
            return
        with write_transaction(self.engine) as connection:
            connection.exec_driver_sql("INSERT INTO memories_fts(memories_fts) VALUES ('optimize')")
        raw = self.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        finally:
            raw.close()

    def close(self) -> None:
        self.index.close()
        self.engine.dispose()
        if self._scratch is not None:
            self._scratch.cleanup()


def open_store(
    target: str | Path, *, vector_cache_mb: int = 512, context_weight: float = CONTEXT_WEIGHT
) -> SqlStore:
    """Open (and migrate to the latest schema) a SQLite path, ``:memory:``, or a
    ``sqlite:///`` or ``postgresql+psycopg://`` URL."""
    scratch = None
    if str(target) == MEMORY_DATABASE:
        url, scratch = temporary_database()
    else:
        url = database_url(target)
    engine = make_engine(url)
    upgrade_schema(engine)
    index: SearchIndex
    if engine.dialect.name == "postgresql":
        from persona_memory.storage.postgres_index import PostgresIndex

        index = PostgresIndex(context_weight=context_weight)
    else:
        from persona_memory.storage.sqlite_index import SqliteIndex

        index = SqliteIndex(max_bytes=vector_cache_mb * 2**20, context_weight=context_weight)
    return SqlStore(engine, index, scratch)
