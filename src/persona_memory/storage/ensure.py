"""Create-on-first-use rows, inside the caller's transaction.

Users and relationships spring into being with their first memory or block
access. A new relationship gets its private blocks and the shared blocks of
the user's user personas in the same transaction, so no path can create an
agent instance without them. Existing rows are left untouched, so concurrent
first writes cannot collide.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, literal, select

from persona_memory.core.blocks import private_blocks
from persona_memory.core.errors import PersonaNotFound
from persona_memory.storage.dialect import insert_ignoring_duplicates
from persona_memory.storage.rows import block_values
from persona_memory.storage.schema import (
    block_attachments,
    blocks,
    personas,
    relationships,
    user_persona_members,
    users,
)


def ensure_user(connection: Connection, user_id: str, now: datetime) -> None:
    insert_ignoring_duplicates(
        connection, users, {"id": user_id, "name": None, "metadata": {}, "created_at": now}
    )


def ensure_relationship(
    connection: Connection, persona_id: str, user_id: str, now: datetime
) -> bool:
    """Create the relationship with its blocks if missing. True if it was created."""
    persona = connection.execute(
        select(personas.c.core_system_prompt, personas.c.attach_user_persona_blocks).where(
            personas.c.id == persona_id
        )
    ).first()
    if persona is None:
        raise PersonaNotFound(persona_id)
    ensure_user(connection, user_id, now)
    created = insert_ignoring_duplicates(
        connection,
        relationships,
        {
            "persona_id": persona_id,
            "user_id": user_id,
            "relationship_type": "user",
            "custom_system_prompt": None,
            "memory_config": {},
            "metadata": {},
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        return False
    for block in private_blocks(persona_id, user_id, persona.core_system_prompt, now):
        connection.execute(insert(blocks).values(block_values(block)))
        attach(connection, block.id, persona_id, user_id, now)
    if persona.attach_user_persona_blocks:
        attach_membership_blocks(connection, persona_id, user_id, now)
    return True


def attach(
    connection: Connection, block_id: str, persona_id: str, user_id: str, now: datetime
) -> int:
    row = {"block_id": block_id, "persona_id": persona_id, "user_id": user_id, "created_at": now}
    return insert_ignoring_duplicates(connection, block_attachments, row)


def attach_membership_blocks(
    connection: Connection, persona_id: str, user_id: str, now: datetime
) -> None:
    """Attach the shared block of every user persona the user belongs to."""
    shared = (
        select(
            blocks.c.id.label("block_id"),
            literal(persona_id).label("persona_id"),
            literal(user_id).label("user_id"),
            literal(now, type_=blocks.c.created_at.type).label("created_at"),
        )
        .join(user_persona_members, user_persona_members.c.handle == blocks.c.user_persona_handle)
        .where(user_persona_members.c.user_id == user_id)
    )
    insert_ignoring_duplicates(connection, block_attachments, shared)
