"""Read transactions cannot write, and write transactions can, in any order on
the same pooled connections (SQLite sets query_only only when it changes)."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, exc, text

from persona_memory.storage import SqlStore
from persona_memory.storage.engine import read_transaction, write_transaction


def _insert(connection: Connection, value: int) -> None:
    connection.execute(text("INSERT INTO scratch (x) VALUES (:x)"), {"x": value})


def test_reads_never_write_and_writes_always_do(store: SqlStore) -> None:
    engine = store.engine
    with write_transaction(engine) as connection:
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
    written = []
    for n, mode in enumerate(["read", "read", "write", "write", "read", "write", "read"]):
        if mode == "write":
            with write_transaction(engine) as connection:
                _insert(connection, n)
            written.append(n)
            continue
        with pytest.raises(exc.DBAPIError), read_transaction(engine) as connection:
            _insert(connection, n)
    with read_transaction(engine) as connection:
        found = [row.x for row in connection.execute(text("SELECT x FROM scratch ORDER BY x"))]
    assert found == written
