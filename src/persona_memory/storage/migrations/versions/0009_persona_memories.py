"""The persona's own memories as files (seed 003): whether a memory may be
referenced to an agent, each persona's last sync, its passport's continuation
settings, and per-conversation continuation state.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from persona_memory.storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE: batch mode would rebuild the table and drop its triggers.
    op.add_column(
        "memories",
        sa.Column("can_reference", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.add_column("personas", sa.Column("continuation", sa.JSON))
    op.create_table(
        "persona_memory_syncs",
        sa.Column(
            "persona_id",
            sa.String(64),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("file_metadata", sa.JSON, nullable=False),
        sa.Column("file_order", sa.JSON, nullable=False),
    )
    op.create_table(
        "continuation_states",
        sa.Column(
            "persona_id",
            sa.String(64),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("conversation_id", sa.String(200), primary_key=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("continuation_states")
    op.drop_table("persona_memory_syncs")
    op.drop_column("personas", "continuation")
    op.drop_column("memories", "can_reference")
