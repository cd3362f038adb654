"""Indexes for the lists a prompt reads on every build: a relationship's memories
of one category (storylines, inside jokes) and its important ones. Without them
each list scanned the whole relationship (1.5 ms at 700 memories, 0.1 with).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OWNER = ["scope", "persona_id", "user_id"]


def upgrade() -> None:
    op.create_index("ix_memories_category", "memories", [*OWNER, "category", "created_at"])
    op.create_index("ix_memories_importance", "memories", [*OWNER, "importance"])


def downgrade() -> None:
    op.drop_index("ix_memories_importance", "memories")
    op.drop_index("ix_memories_category", "memories")
