"""Block labels up to 200 characters: a user persona's shared block is labelled
``{handle}_service_experience``, 19 characters longer than its handle (up to
100), which PostgreSQL refused in a 100-character column. SQLite does not
enforce declared lengths, so only PostgreSQL changes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("blocks", "label", type_=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("blocks", "label", type_=sa.String(100), existing_nullable=False)
