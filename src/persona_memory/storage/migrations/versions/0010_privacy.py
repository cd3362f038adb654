"""The PII firewall's record of what it anonymised in shared scopes.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from persona_memory.storage.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_redactions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(10), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(100)),
        sa.Column("field", sa.String(50), nullable=False),
        sa.Column("found", sa.JSON, nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_privacy_redactions_target", "privacy_redactions", ["target_id"])


def downgrade() -> None:
    op.drop_index("ix_privacy_redactions_target", "privacy_redactions")
    op.drop_table("privacy_redactions")
