"""Create-on-first-use rows, inside the caller's transaction.

Users and relationships spring into being with their first memory; these
helpers insert them when missing and leave existing rows untouched, so that
concurrent first writes cannot collide.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from persona_memory.storage.dialect import insert_ignoring_duplicates
from persona_memory.storage.schema import relationships, users


def ensure_user(connection: Connection, user_id: str, now: datetime) -> None:
    insert_ignoring_duplicates(
        connection, users, {"id": user_id, "name": None, "metadata": {}, "created_at": now}
    )


def ensure_relationship(
    connection: Connection, persona_id: str, user_id: str, now: datetime
) -> None:
    ensure_user(connection, user_id, now)
    insert_ignoring_duplicates(
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
