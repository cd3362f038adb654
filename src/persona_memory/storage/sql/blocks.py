"""Block rows and their attachments to relationships."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, literal, select, update

from persona_memory.core.blocks import Block
from persona_memory.storage.dialect import insert_ignoring_duplicates
from persona_memory.storage.rows import block_from_row, block_values
from persona_memory.storage.schema import block_attachments, blocks, user_persona_members
from persona_memory.storage.sql.base import Rows, locked

# Built once: every prompt reads its relationship's blocks, and building the
# SELECT cost more than running it.
_ATTACHED = (
    select(blocks)
    .join(block_attachments, block_attachments.c.block_id == blocks.c.id)
    .where(
        block_attachments.c.persona_id == bindparam("persona_id"),
        block_attachments.c.user_id == bindparam("user_id"),
    )
    .order_by(block_attachments.c.created_at, blocks.c.label)
)


class BlockSql(Rows):
    def insert_blocks(self, new: Sequence[Block]) -> None:
        if new:
            self.connection.execute(insert(blocks), [block_values(block) for block in new])

    def get_block(self, block_id: str, *, for_update: bool = False) -> Block | None:
        statement = locked(select(blocks).where(blocks.c.id == block_id), for_update)
        row = self.connection.execute(statement).first()
        return None if row is None else block_from_row(row)

    def attached_blocks(self, persona_id: str, user_id: str) -> list[Block]:
        ids = {"persona_id": persona_id, "user_id": user_id}
        return [block_from_row(row) for row in self.connection.execute(_ATTACHED, ids).all()]

    def update_block(self, block: Block) -> None:
        self.connection.execute(
            update(blocks)
            .where(blocks.c.id == block.id)
            .values(value=block.value, updated_at=block.updated_at)
        )

    def attach_block(self, block_id: str, persona_id: str, user_id: str, now: datetime) -> bool:
        row = {
            "block_id": block_id,
            "persona_id": persona_id,
            "user_id": user_id,
            "created_at": now,
        }
        return insert_ignoring_duplicates(self.connection, block_attachments, row) > 0

    def detach_block(self, block_id: str, persona_id: str, user_id: str) -> bool:
        result = self.connection.execute(
            delete(block_attachments).where(
                block_attachments.c.block_id == block_id,
                block_attachments.c.persona_id == persona_id,
                block_attachments.c.user_id == user_id,
            )
        )
        return result.rowcount > 0

    def block_relationships(self, block_id: str) -> list[tuple[str, str]]:
        statement = (
            select(block_attachments.c.persona_id, block_attachments.c.user_id)
            .where(block_attachments.c.block_id == block_id)
            .order_by(block_attachments.c.persona_id, block_attachments.c.user_id)
        )
        return [(row.persona_id, row.user_id) for row in self.connection.execute(statement)]

    def attach_membership_blocks(self, persona_id: str, user_id: str, now: datetime) -> int:
        shared = (
            select(
                blocks.c.id.label("block_id"),
                literal(persona_id).label("persona_id"),
                literal(user_id).label("user_id"),
                literal(now, type_=blocks.c.created_at.type).label("created_at"),
            )
            .join(
                user_persona_members,
                user_persona_members.c.handle == blocks.c.user_persona_handle,
            )
            .where(user_persona_members.c.user_id == user_id)
        )
        return insert_ignoring_duplicates(self.connection, block_attachments, shared)
