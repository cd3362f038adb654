"""Backups a migration takes first, and restores on --rollback.

SQLite: the online backup API, page by page, into
``profiles_backup_YYYYMMDD_HHMMSS/database.sqlite3`` (the seed's naming); a
restore copies it back the same way, so the file holds its prior content exactly.
PostgreSQL: a logical export in our own format (core/transfer.py) into
``database.jsonl``; a restore empties every table and imports it (counters are
renumbered and vectors re-embedded, the rest row for row).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.engine import make_url

from persona_memory.core.ports import Store
from persona_memory.storage.engine import write_transaction
from persona_memory.storage.schema import metadata
from persona_memory.storage.store import SqlStore

PREFIX = "profiles_backup_"
SQLITE_FILE = "database.sqlite3"
EXPORT_FILE = "database.jsonl"


def sqlite_path(store: Store) -> Path | None:
    url = make_url(store.url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def take_backup(
    store: Store, folder: Path, now: datetime, export: Callable[[], Iterable[str]]
) -> Path:
    """A new backup folder under ``folder``; ``export`` gives the lines of a
    logical export (used when the store is not a SQLite file)."""
    target = folder / f"{PREFIX}{now:%Y%m%d_%H%M%S}"
    for n in range(2, 100):  # two backups within a second: the seed's name, numbered
        if not target.exists():
            break
        target = folder / f"{PREFIX}{now:%Y%m%d_%H%M%S}_{n}"
    target.mkdir(parents=True)
    path = sqlite_path(store)
    if path is not None:
        _copy_sqlite(path, target / SQLITE_FILE)
    else:
        with (target / EXPORT_FILE).open("w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in export())
    return target


def latest_backup(folder: Path) -> Path | None:
    found = [p for p in folder.glob(f"{PREFIX}*") if p.is_dir()]
    return max(found, key=lambda p: p.stat().st_mtime_ns, default=None)


def restore_backup(
    store: Store, backup: Path, import_lines: Callable[[Iterable[str]], object]
) -> None:
    engine = _sql(store).engine
    path = sqlite_path(store)
    if path is not None:
        engine.dispose()  # no pooled connection may hold the old pages
        _copy_sqlite(backup / SQLITE_FILE, path)
        return
    with write_transaction(engine) as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
    with (backup / EXPORT_FILE).open(encoding="utf-8") as lines:
        import_lines(lines)


def integrity_ok(store: Store) -> bool:
    """SQLite's own integrity check (PostgreSQL's constraints hold at all times)."""
    path = sqlite_path(store)
    if path is None:
        return True
    with closing(sqlite3.connect(path)) as connection:
        return bool(connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def _sql(store: Store) -> SqlStore:
    if not isinstance(store, SqlStore):
        raise TypeError(f"backups need an SQL store, not {type(store).__name__}")
    return store


def _copy_sqlite(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)
