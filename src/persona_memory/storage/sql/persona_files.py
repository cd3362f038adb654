"""Rows of each persona's last memory-file sync, and of continuation state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from persona_memory.core.persona_files import SyncStatus
from persona_memory.storage.dialect import upsert
from persona_memory.storage.schema import continuation_states, persona_memory_syncs
from persona_memory.storage.sql.base import Rows, locked


class PersonaFileSql(Rows):
    def put_sync_status(self, status: SyncStatus) -> None:
        values = status.model_dump(mode="python")
        values["counts"] = status.counts.model_dump()
        values["file_order"] = values.pop("order")
        upsert(
            self.connection,
            persona_memory_syncs,
            values,
            key=["persona_id"],
            update=["synced_at", "file", "file_hash", "counts", "file_metadata", "file_order"],
        )

    def get_sync_status(self, persona_id: str) -> SyncStatus | None:
        statement = select(persona_memory_syncs).where(
            persona_memory_syncs.c.persona_id == persona_id
        )
        row = self.connection.execute(statement).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["order"] = values.pop("file_order")
        return SyncStatus.model_validate(values)


class ContinuationSql(Rows):
    def get_continuation_state(
        self, persona_id: str, conversation_id: str, *, for_update: bool = False
    ) -> dict[str, Any] | None:
        statement = select(continuation_states.c.state).where(
            continuation_states.c.persona_id == persona_id,
            continuation_states.c.conversation_id == conversation_id,
        )
        state = self.connection.execute(locked(statement, for_update)).scalar()
        return None if state is None else dict(state)

    def put_continuation_state(
        self, persona_id: str, conversation_id: str, state: dict[str, Any], now: datetime
    ) -> None:
        upsert(
            self.connection,
            continuation_states,
            {
                "persona_id": persona_id,
                "conversation_id": conversation_id,
                "state": state,
                "updated_at": now,
            },
            key=["persona_id", "conversation_id"],
            update=["state", "updated_at"],
        )
