"""Core-memory blocks, user personas (``<industry>_<professional_role>``) with
their shared ``{handle}_service_experience`` blocks, and memberships.

Seeds the two user personas of seed 000 — qsr_real_estate (QSR / Fast Casual,
Director of Real Estate) and tobacco_consumer_insights (Tobacco / CPG,
Director of Consumer Insights & Activation) — each with its shared block,
created here explicitly in the same transaction.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from persona_memory.storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "personas",
        sa.Column(
            "attach_user_persona_blocks", sa.Boolean, nullable=False, server_default=sa.true()
        ),
    )
    _create_user_personas()
    _create_blocks()
    _seed()


def _create_user_personas() -> None:
    op.create_table(
        "user_personas",
        sa.Column("handle", sa.String(100), primary_key=True),
        sa.Column("industry", sa.String(200), nullable=False),
        sa.Column("professional_role", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "user_persona_members",
        sa.Column(
            "user_id",
            sa.String(128),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "handle",
            sa.String(100),
            sa.ForeignKey("user_personas.handle", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("confidence_score", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_user_persona_members_handle", "user_persona_members", ["handle"])


def _create_blocks() -> None:
    op.create_table(
        "blocks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("char_limit", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("owner", sa.String(20), nullable=False),
        sa.Column("persona_id", sa.String(64)),
        sa.Column("user_id", sa.String(128)),
        sa.Column(
            "user_persona_handle",
            sa.String(100),
            sa.ForeignKey("user_personas.handle", ondelete="CASCADE"),
            unique=True,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("persona_id", "user_id", "label", name="uq_blocks_private_label"),
    )
    op.create_index("ix_blocks_user", "blocks", ["user_id"])
    op.create_table(
        "block_attachments",
        sa.Column(
            "block_id",
            sa.String(36),
            sa.ForeignKey("blocks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("persona_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["persona_id", "user_id"],
            ["relationships.persona_id", "relationships.user_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_block_attachments_relationship", "block_attachments", ["persona_id", "user_id"]
    )


# Written out as they were when this migration was made: a migration never
# reads live application code, which may change after it has run.
_SEEDED = [
    {
        "handle": "qsr_real_estate",
        "industry": "QSR / Fast Casual",
        "professional_role": "Director of Real Estate",
        "description": (
            "Real-estate leaders at quick-service and fast-casual restaurant chains: site "
            "selection, trade areas, cannibalisation and new-unit performance."
        ),
    },
    {
        "handle": "tobacco_consumer_insights",
        "industry": "Tobacco / CPG",
        "professional_role": "Director of Consumer Insights & Activation",
        "description": (
            "Consumer-insights leaders at tobacco and consumer-packaged-goods companies: "
            "audience profiles, retail visitation, and activation of campaigns."
        ),
    },
]
_BLOCK_VALUE = (
    "We have not yet gained any experience commensurate of the specific servicing of queries "
    "or analytical flows for {persona_handle} users"
)
_BLOCK_DESCRIPTION = (
    "Gained experience and/or lessons learned from servicing or responding to queries typical "
    "or quintessential of users associated with the {persona_handle} persona. This memory block "
    "will be shared, and it is therefore VITAL that you not add any PII or sensitive or "
    "proprietary information about any specific user in here, e.g. POIs they're interested in, "
    "or particular and specific insights they found useful, but rather information that will "
    "help a future agent servicing a similar ask in a different instance for a different user"
)


def _shared_block(handle: str, now: datetime) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "label": f"{handle}_service_experience",
        "value": _BLOCK_VALUE.format(persona_handle=handle),
        "char_limit": 8000,
        "description": _BLOCK_DESCRIPTION.format(persona_handle=handle),
        "read_only": False,
        "owner": "user_persona",
        "user_persona_handle": handle,
        "persona_id": None,
        "user_id": None,
        "created_at": now,
        "updated_at": now,
    }


def _seed() -> None:
    now = datetime.now(UTC)
    user_personas = sa.table(
        "user_personas",
        sa.column("handle"),
        sa.column("industry"),
        sa.column("professional_role"),
        sa.column("description"),
        sa.column("created_at", UTCDateTime()),
    )
    op.bulk_insert(user_personas, [{**p, "created_at": now} for p in _SEEDED])
    blocks = sa.table(
        "blocks",
        *(sa.column(name) for name in ("id", "label", "value", "char_limit", "description")),
        *(sa.column(name) for name in ("read_only", "owner", "user_persona_handle")),
        *(sa.column(name) for name in ("persona_id", "user_id")),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    rows = [_shared_block(str(persona["handle"]), now) for persona in _SEEDED]
    op.bulk_insert(blocks, rows)
