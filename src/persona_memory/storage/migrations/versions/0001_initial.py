"""Personas, users, relationships, semantic memories with history, tags and
a full-text index.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from persona_memory.storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_FTS = [
    # External-content FTS5 over memories.text, kept in step by triggers so
    # that no code path can forget to index a write.
    "CREATE VIRTUAL TABLE memories_fts USING fts5("
    "text, content='memories', content_rowid='pk', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN "
    "INSERT INTO memories_fts(rowid, text) VALUES (new.pk, new.text); END",
    "CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN "
    "INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.pk, old.text); "
    "END",
    "CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN "
    "INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.pk, old.text); "
    "INSERT INTO memories_fts(rowid, text) VALUES (new.pk, new.text); END",
]


def upgrade() -> None:
    op.create_table(
        "personas",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("core_system_prompt", sa.Text, nullable=False),
        sa.Column("personality_traits", sa.JSON, nullable=False),
        sa.Column("behavioral_rules", sa.JSON, nullable=False),
        sa.Column("voice", sa.String(200)),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "relationships",
        sa.Column(
            "persona_id",
            sa.String(64),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.String(128),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("relationship_type", sa.String(50), nullable=False),
        sa.Column("custom_system_prompt", sa.Text),
        sa.Column("memory_config", sa.JSON, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_relationships_user", "relationships", ["user_id"])
    _create_memories()
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)


def _create_memories() -> None:
    op.create_table(
        "memories",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("persona_id", sa.String(64), sa.ForeignKey("personas.id", ondelete="CASCADE")),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("category", sa.String(100)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("importance", sa.Integer, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("valid_from", UTCDateTime()),
        sa.Column("valid_to", UTCDateTime()),
        sa.Column("embedding", sa.LargeBinary),
        sa.Column("embedding_model", sa.String(200)),
        sa.Column("embedding_dim", sa.Integer),
    )
    op.create_index("ix_memories_scope", "memories", ["scope", "persona_id", "user_id"])
    op.create_index("ix_memories_user", "memories", ["user_id"])
    op.create_table(
        "memory_tags",
        sa.Column(
            "memory_pk",
            sa.Integer,
            sa.ForeignKey("memories.pk", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(100), primary_key=True),
    )
    op.create_index("ix_memory_tags_tag", "memory_tags", ["tag"])
    op.create_table(
        "memory_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("memory_id", sa.String(36), nullable=False),
        sa.Column("persona_id", sa.String(64)),
        sa.Column("user_id", sa.String(128)),
        sa.Column("event", sa.String(10), nullable=False),
        sa.Column("old_value", sa.JSON),
        sa.Column("new_value", sa.JSON),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_memory_history_memory", "memory_history", ["memory_id"])
    op.create_index("ix_memory_history_user", "memory_history", ["user_id"])
