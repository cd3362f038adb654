"""User personas, memberships, and attaching their shared blocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, literal, select
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.blocks import Block
from persona_memory.core.user_personas import Membership, UserPersona
from persona_memory.storage.dialect import insert_ignoring_duplicates, upsert
from persona_memory.storage.rows import block_from_row, membership_from_row, user_persona_from_row
from persona_memory.storage.schema import (
    block_attachments,
    blocks,
    personas,
    relationships,
    user_persona_members,
    user_personas,
)
from persona_memory.storage.sql.base import Rows


class UserPersonaSql(Rows):
    def insert_user_persona(self, persona: UserPersona) -> bool:
        values = persona.model_dump()
        return insert_ignoring_duplicates(self.connection, user_personas, values) > 0

    def get_user_persona(self, handle: str) -> UserPersona | None:
        statement = select(user_personas).where(user_personas.c.handle == handle)
        row = self.connection.execute(statement).first()
        return None if row is None else user_persona_from_row(row)

    def list_user_personas(self) -> list[UserPersona]:
        rows = self.connection.execute(select(user_personas).order_by(user_personas.c.handle))
        return [user_persona_from_row(row) for row in rows]

    def shared_block(self, handle: str) -> Block | None:
        statement = select(blocks).where(blocks.c.user_persona_handle == handle)
        row = self.connection.execute(statement).first()
        return None if row is None else block_from_row(row)

    def upsert_membership(self, membership: Membership) -> Membership:
        upsert(
            self.connection,
            user_persona_members,
            membership.model_dump(),
            key=("user_id", "handle"),
            update=("confidence_score", "updated_at"),
        )
        found = self._memberships(
            (user_persona_members.c.user_id == membership.user_id)
            & (user_persona_members.c.handle == membership.handle)
        )
        return found[0]

    def delete_membership(self, user_id: str, handle: str) -> bool:
        shared = select(blocks.c.id).where(blocks.c.user_persona_handle == handle)
        self.connection.execute(
            delete(block_attachments).where(
                block_attachments.c.user_id == user_id,
                block_attachments.c.block_id.in_(shared),
            )
        )
        result = self.connection.execute(
            delete(user_persona_members).where(
                user_persona_members.c.user_id == user_id,
                user_persona_members.c.handle == handle,
            )
        )
        return result.rowcount > 0

    def attach_shared_block(self, handle: str, now: datetime, *, user_id: str | None = None) -> int:
        targets = _member_relationships(handle, now)
        if user_id is not None:
            targets = targets.where(user_persona_members.c.user_id == user_id)
        return insert_ignoring_duplicates(self.connection, block_attachments, targets)

    def members(self, handle: str) -> list[Membership]:
        return self._memberships(user_persona_members.c.handle == handle)

    def memberships(self, user_id: str) -> list[Membership]:
        return self._memberships(user_persona_members.c.user_id == user_id)

    def _memberships(self, where: ColumnElement[bool]) -> list[Membership]:
        statement = (
            select(user_persona_members)
            .where(where)
            .order_by(user_persona_members.c.handle, user_persona_members.c.user_id)
        )
        return [membership_from_row(row) for row in self.connection.execute(statement)]


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
