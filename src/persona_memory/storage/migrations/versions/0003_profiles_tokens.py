"""Structured profiles per relationship (with history and a version for
If-Match), each persona's profile schema and title, and user tokens.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from persona_memory.storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


# The default profile schema as it was when this migration was written; a
# migration never reads live application code, whose defaults may change.
_DEFAULT_SCHEMA = {
    "personal_info": {"description": "Identity, preferences and goals.", "json_schema": None},
    "areas_to_improve": {"description": "Struggles and recurring mistakes.", "json_schema": None},
    "knowledge_strengths": {"description": "What the user has mastered.", "json_schema": None},
}


def upgrade() -> None:
    default_schema = json.dumps(_DEFAULT_SCHEMA)
    with op.batch_alter_table("personas") as personas:
        personas.add_column(
            sa.Column("profile_schema", sa.JSON, nullable=False, server_default=default_schema)
        )
        personas.add_column(
            sa.Column("profile_title", sa.String(100), nullable=False, server_default="USER MEMORY")
        )
    op.create_table(
        "profiles",
        sa.Column("persona_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["persona_id", "user_id"],
            ["relationships.persona_id", "relationships.user_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "profile_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("persona_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("old_value", sa.JSON),
        sa.Column("new_value", sa.JSON),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_profile_history_relationship", "profile_history", ["persona_id", "user_id"])
    op.create_index("ix_profile_history_user", "profile_history", ["user_id"])
    op.create_table(
        "user_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "user_id",
            sa.String(128),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime()),
    )
    op.create_index("ix_user_tokens_user", "user_tokens", ["user_id"])
