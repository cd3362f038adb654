"""The SQL store: SQLite by default, any SQLAlchemy URL the dialect layer knows."""

from __future__ import annotations

from sqlalchemy import Engine

from persona_memory.storage.engine import make_engine, upgrade_schema
from persona_memory.storage.sql_blocks import SqlBlocks
from persona_memory.storage.sql_entities import SqlEntities
from persona_memory.storage.sql_memories import SqlMemories
from persona_memory.storage.sql_profiles import SqlProfiles


class SqlStore(SqlEntities, SqlMemories, SqlBlocks, SqlProfiles):
    """Satisfies :class:`persona_memory.core.ports.Store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> SqlStore:
        """Open (and migrate to the latest schema) the database at ``url``."""
        engine = make_engine(url)
        upgrade_schema(engine)
        return cls(engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()
