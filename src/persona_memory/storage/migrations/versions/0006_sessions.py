"""Working, episodic and procedural memory (seed 004): sessions and their
entries, episodes, procedures; and the relationship record's start date and
session stats. The default relationship type becomes ``friend`` (the seed's);
existing relationships keep theirs.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from persona_memory.storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _relationship_record()
    _sessions()
    _episodes()
    _procedures()


def _relationship_record() -> None:
    with op.batch_alter_table("relationships") as relationships:
        relationships.add_column(sa.Column("relationship_started_at", UTCDateTime()))
        relationships.add_column(
            sa.Column("total_sessions", sa.Integer, nullable=False, server_default="0")
        )
        relationships.add_column(
            sa.Column("total_seconds", sa.Integer, nullable=False, server_default="0")
        )
        relationships.add_column(sa.Column("last_session_at", UTCDateTime()))
    # Nullable in the table: making it NOT NULL would make SQLite rebuild the
    # table, whose DROP cascades into every table that references it. Every
    # write fills it.
    op.execute("UPDATE relationships SET relationship_started_at = created_at")


def _sessions() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("persona_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("current_context", sa.JSON, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_activity_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime()),
        sa.ForeignKeyConstraint(
            ["persona_id", "user_id"],
            ["relationships.persona_id", "relationships.user_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_sessions_relationship", "sessions", ["persona_id", "user_id"])
    op.create_index("ix_sessions_user", "sessions", ["user_id"])
    op.create_index("ix_sessions_idle", "sessions", ["status", "last_activity_at"])
    op.create_table(
        "session_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(128),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("timeline", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_session_entries_session", "session_entries", ["session_id", "id"])
    op.create_index("ix_session_entries_user", "session_entries", ["user_id"])


def _episodes() -> None:
    op.create_table(
        "episodes",
        sa.Column(
            "session_id",
            sa.String(128),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "memory_id",
            sa.String(36),
            sa.ForeignKey("memories.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("persona_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("key_topics", sa.JSON, nullable=False),
        sa.Column("decisions", sa.JSON, nullable=False),
        sa.Column("action_items", sa.JSON, nullable=False),
        sa.Column("emotional_tone", sa.String(20), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("timeline_count", sa.Integer, nullable=False),
        sa.Column("duration_seconds", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_episodes_relationship", "episodes", ["persona_id", "user_id"])
    op.create_index("ix_episodes_user", "episodes", ["user_id"])


def _procedures() -> None:
    op.create_table(
        "procedures",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope_key", sa.String(255), nullable=False),
        sa.Column(
            "persona_id",
            sa.String(64),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("scope_key", "key"),
    )
    op.create_index("ix_procedures_user", "procedures", ["user_id"])


def downgrade() -> None:
    for table in ("procedures", "episodes", "session_entries", "sessions"):
        op.drop_table(table)
    with op.batch_alter_table("relationships") as relationships:
        for column in ("last_session_at", "total_seconds", "total_sessions"):
            relationships.drop_column(column)
        relationships.drop_column("relationship_started_at")
