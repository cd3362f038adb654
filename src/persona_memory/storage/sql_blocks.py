"""Blocks, user personas and memberships on any SQLAlchemy engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, delete, insert, literal, select, update

from persona_memory.core.blocks import Block, BlockChange, BlockNotFound, LabelTaken
from persona_memory.core.models import utcnow
from persona_memory.core.user_personas import Membership, UserPersona
from persona_memory.storage.dialect import insert_ignoring_duplicates
from persona_memory.storage.engine import write_transaction
from persona_memory.storage.ensure import attach, ensure_relationship
from persona_memory.storage.rows import (
    block_from_row,
    block_values,
    membership_from_row,
    user_persona_from_row,
)
from persona_memory.storage.schema import (
    block_attachments,
    blocks,
    personas,
    relationships,
    user_persona_members,
    user_personas,
)


class SqlBlocks:
    engine: Engine

    def ensure_relationship(self, persona_id: str, user_id: str) -> bool:
        # Every block read passes here: only a missing relationship costs a write lock.
        exists = select(relationships.c.user_id).where(
            relationships.c.persona_id == persona_id, relationships.c.user_id == user_id
        )
        with self.engine.connect() as connection:
            if connection.execute(exists).first() is not None:
                return False
        with write_transaction(self.engine) as connection:
            return ensure_relationship(connection, persona_id, user_id, utcnow())

    def get_block(self, block_id: str) -> Block | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(blocks).where(blocks.c.id == block_id)).first()
        return None if row is None else block_from_row(row)

    def attached_blocks(self, persona_id: str, user_id: str) -> list[Block]:
        statement = (
            select(blocks)
            .join(block_attachments, block_attachments.c.block_id == blocks.c.id)
            .where(
                block_attachments.c.persona_id == persona_id,
                block_attachments.c.user_id == user_id,
            )
            .order_by(block_attachments.c.created_at, blocks.c.label)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [block_from_row(row) for row in rows]

    def modify_block(self, block_id: str, change: BlockChange) -> Block:
        """Read, change and write one block under the write lock: no lost updates."""
        with write_transaction(self.engine) as connection:
            row = connection.execute(
                select(blocks).where(blocks.c.id == block_id).with_for_update()
            ).first()
            if row is None:
                raise BlockNotFound(f"with id {block_id!r}")
            changed = change(block_from_row(row))
            connection.execute(
                update(blocks)
                .where(blocks.c.id == block_id)
                .values(value=changed.value, updated_at=changed.updated_at)
            )
        return changed

    def attach_block(self, block_id: str, persona_id: str, user_id: str) -> bool:
        """Attach (idempotently); True if it was not attached before."""
        with write_transaction(self.engine) as connection:
            label = connection.execute(select(blocks.c.label).where(blocks.c.id == block_id))
            found = label.scalar_one_or_none()
            if found is None:
                raise BlockNotFound(f"with id {block_id!r}")
            clash = connection.execute(
                select(blocks.c.id)
                .join(block_attachments, block_attachments.c.block_id == blocks.c.id)
                .where(
                    block_attachments.c.persona_id == persona_id,
                    block_attachments.c.user_id == user_id,
                    blocks.c.label == found,
                    blocks.c.id != block_id,
                )
            ).first()
            if clash is not None:
                raise LabelTaken(found)
            return attach(connection, block_id, persona_id, user_id, utcnow()) > 0

    def detach_block(self, block_id: str, persona_id: str, user_id: str) -> bool:
        with write_transaction(self.engine) as connection:
            result = connection.execute(
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
        with self.engine.connect() as connection:
            return [(row.persona_id, row.user_id) for row in connection.execute(statement)]

    # --- user personas ----------------------------------------------------

    def create_user_persona(self, persona: UserPersona, block: Block) -> bool:
        """Create the user persona with its shared block; False if it existed."""
        with write_transaction(self.engine) as connection:
            created = insert_ignoring_duplicates(connection, user_personas, persona.model_dump())
            if created:
                connection.execute(insert(blocks).values(block_values(block)))
        return created > 0

    def get_user_persona(self, handle: str) -> UserPersona | None:
        statement = select(user_personas).where(user_personas.c.handle == handle)
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else user_persona_from_row(row)

    def list_user_personas(self) -> list[UserPersona]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(user_personas).order_by(user_personas.c.handle))
            return [user_persona_from_row(row) for row in rows]

    def shared_block(self, handle: str) -> Block | None:
        statement = select(blocks).where(blocks.c.user_persona_handle == handle)
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else block_from_row(row)

    def join_user_persona(self, membership: Membership) -> None:
        """Upsert the membership and attach the shared block to every relationship
        of the user whose persona takes user-persona blocks, in one transaction."""
        with write_transaction(self.engine) as connection:
            key = and_(
                user_persona_members.c.user_id == membership.user_id,
                user_persona_members.c.handle == membership.handle,
            )
            changed = connection.execute(
                update(user_persona_members)
                .where(key)
                .values(
                    confidence_score=membership.confidence_score,
                    updated_at=membership.updated_at,
                )
            )
            if changed.rowcount == 0:
                connection.execute(insert(user_persona_members).values(membership.model_dump()))
            targets = _member_relationships(membership.handle, membership.updated_at)
            targets = targets.where(user_persona_members.c.user_id == membership.user_id)
            insert_ignoring_duplicates(connection, block_attachments, targets)

    def attach_to_members(self, handle: str) -> int:
        """Attach the shared block to every relationship of every member (idempotent)."""
        with write_transaction(self.engine) as connection:
            targets = _member_relationships(handle, utcnow())
            return insert_ignoring_duplicates(connection, block_attachments, targets)

    def leave_user_persona(self, user_id: str, handle: str) -> bool:
        with write_transaction(self.engine) as connection:
            shared = select(blocks.c.id).where(blocks.c.user_persona_handle == handle)
            connection.execute(
                delete(block_attachments).where(
                    block_attachments.c.user_id == user_id,
                    block_attachments.c.block_id.in_(shared),
                )
            )
            result = connection.execute(
                delete(user_persona_members).where(
                    user_persona_members.c.user_id == user_id,
                    user_persona_members.c.handle == handle,
                )
            )
        return result.rowcount > 0

    def members(self, handle: str) -> list[Membership]:
        return self._memberships(user_persona_members.c.handle == handle)

    def memberships(self, user_id: str) -> list[Membership]:
        return self._memberships(user_persona_members.c.user_id == user_id)

    def _memberships(self, where: object) -> list[Membership]:
        statement = (
            select(user_persona_members)
            .where(where)  # type: ignore[arg-type]
            .order_by(user_persona_members.c.handle, user_persona_members.c.user_id)
        )
        with self.engine.connect() as connection:
            return [membership_from_row(row) for row in connection.execute(statement)]


def _member_relationships(handle: str, now: datetime) -> Select[Any]:
    """Rows (block_id, persona_id, user_id, created_at) attaching ``handle``'s
    shared block to its members' relationships whose persona takes such blocks."""
    block_id = select(blocks.c.id).where(blocks.c.user_persona_handle == handle)
    return (
        select(
            block_id.scalar_subquery().label("block_id"),
            relationships.c.persona_id,
            relationships.c.user_id,
            literal(now, blocks.c.created_at.type).label("created_at"),
        )
        .join(personas, personas.c.id == relationships.c.persona_id)
        .join(user_persona_members, user_persona_members.c.user_id == relationships.c.user_id)
        .where(
            user_persona_members.c.handle == handle,
            personas.c.attach_user_persona_blocks.is_(True),
        )
    )
