"""Choose a backend from a URL or path."""

from __future__ import annotations

from pathlib import Path

from persona_memory.core.ports import Store
from persona_memory.storage.engine import database_url
from persona_memory.storage.sql_store import SqlStore


def open_store(target: str | Path) -> Store:
    """A plain path means SQLite; ``sqlite:///...`` URLs work too."""
    url = database_url(target)
    if not url.startswith("sqlite"):
        raise ValueError(f"unsupported database URL {url!r}: this version supports SQLite")
    return SqlStore.open(url)
