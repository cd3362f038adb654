"""Engines, transactions and migrations: the one place that knows how to open a
database and how each dialect begins a transaction."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic_core import from_json
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

_MODE = "persona_memory_mode"
_QUERY_ONLY = "persona_memory_query_only"  # the pragma's state on a pooled connection
MEMORY_DATABASE = ":memory:"


def database_url(target: str | Path) -> str:
    """Accept a URL or a plain file path (which means SQLite)."""
    text = str(target)
    if "://" in text:
        return text
    path = Path(text).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def temporary_database() -> tuple[str, tempfile.TemporaryDirectory[str]]:
    """A SQLite file that lives until the returned folder is cleaned up.

    ``:memory:`` means this: a true in-memory SQLite database is private to one
    connection, so each thread of a server would see its own empty database.
    """
    folder = tempfile.TemporaryDirectory(prefix="persona-memory-")
    return f"sqlite:///{Path(folder.name) / 'memory.db'}", folder


def make_engine(url: str) -> Engine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise ValueError(
        f"unsupported database URL {url!r}: use a SQLite path or sqlite:///..., "
        "or postgresql+psycopg://..."
    )


def _sqlite_engine(url: str) -> Engine:
    # A 30 s driver timeout plus busy_timeout lets concurrent writers queue
    # instead of failing with "database is locked".
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        json_deserializer=_json_loads,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted content is overwritten with zeros, not left in free pages:
        # erasure must leave no trace in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front (IMMEDIATE): a read-check-write cannot
        # interleave with another writer's. Readers use a plain BEGIN and, in
        # WAL mode, read a snapshot without waiting for writers.
        mode = connection.get_execution_options().get(_MODE)
        # query_only outlives the transaction on a pooled connection: set it first,
        # when it changes (the pooled connection's info remembers; a search opens
        # two read transactions, and the pragma was a tenth of its statements' time).
        read_only = mode == "read"
        pooled = connection.connection.info
        if pooled.get(_QUERY_ONLY) is not read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
            pooled[_QUERY_ONLY] = read_only
        connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "write" else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Committed when the block ends, rolled back if it raises.

    SQLite: BEGIN IMMEDIATE (one writer at a time). PostgreSQL: READ COMMITTED,
    with row locks (``SELECT ... FOR UPDATE``) where a value is read to be changed.
    """
    with engine.connect() as connection:
        writer = connection.execution_options(**{_MODE: "write"})
        with writer.begin():
            yield writer


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A consistent, read-only snapshot: writing through it fails."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            reader = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            reader = connection.execution_options(**{_MODE: "read"})
        with reader.begin():
            yield reader


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Apply every pending Alembic migration up to ``revision`` (idempotent)."""
    _migrate(engine, command.upgrade, revision)


def downgrade_schema(engine: Engine, revision: str) -> None:
    """Undo the migrations after ``revision``."""
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_migrations_dir()))
    with write_transaction(engine) as connection:
        if engine.dialect.name == "postgresql":
            # Two processes opening a new database at once must not both migrate it.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7310)")
        config.attributes["connection"] = connection
        step(config, revision)


def _migrations_dir() -> Path:
    return Path(str(resources.files("persona_memory.storage") / "migrations"))


def _json_loads(text: str) -> Any:
    """JSON columns as SQLite returns them: two per memory read, 240 per search of
    limit 80, where ``json.loads`` cost 2 µs each and pydantic's parser 0.4."""
    try:
        return from_json(text)
    except ValueError:  # what only the standard parser reads, e.g. a lone surrogate
        return json.loads(text)
