"""Learning (seed 004's post-call processing): a memory's reinforcement and the
links of a superseded fact; a session's ``memory_extracted`` flag and what was
learned from it; a durable job table, so that a crash mid-pipeline resumes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from persona_memory.storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memories") as memories:
        memories.add_column(sa.Column("reinforced_at", UTCDateTime()))
        memories.add_column(
            sa.Column("reinforcements", sa.Integer, nullable=False, server_default="0")
        )
        memories.add_column(sa.Column("supersedes", sa.String(36)))
        memories.add_column(sa.Column("superseded_by", sa.String(36)))
    with op.batch_alter_table("sessions") as sessions:
        sessions.add_column(
            sa.Column("memory_extracted", sa.Boolean, nullable=False, server_default=sa.false())
        )
        sessions.add_column(sa.Column("extracted_facts", sa.JSON))
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column(
            "session_id",
            sa.String(128),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_until", UTCDateTime()),
        sa.Column("worker", sa.String(200)),
        sa.Column("error", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "session_id", name="uq_jobs_kind_session_id"),
        sa.Index("ix_jobs_status", "status", "lease_until"),
        sa.Index("ix_jobs_user", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("jobs")
    with op.batch_alter_table("sessions") as sessions:
        sessions.drop_column("extracted_facts")
        sessions.drop_column("memory_extracted")
    with op.batch_alter_table("memories") as memories:
        memories.drop_column("superseded_by")
        memories.drop_column("supersedes")
        memories.drop_column("reinforcements")
        memories.drop_column("reinforced_at")
