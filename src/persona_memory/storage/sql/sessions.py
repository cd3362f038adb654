"""Session, entry and episode rows (working and episodic memory)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from persona_memory.core.episodes import Episode
from persona_memory.core.sessions import Entry, Session, SessionStatus
from persona_memory.storage.schema import episodes, memories, session_entries, sessions
from persona_memory.storage.sql.base import Rows, locked

# Built once: every prompt lists its relationship's sessions for their episodes.
_OF_RELATIONSHIP = (
    select(sessions.c.id)
    .where(
        sessions.c.persona_id == bindparam("persona_id"),
        sessions.c.user_id == bindparam("user_id"),
    )
    .order_by(sessions.c.started_at)
)


class SessionSql(Rows):
    def insert_session(self, session: Session) -> bool:
        exists = select(sessions.c.id).where(sessions.c.id == session.id)
        if self.connection.execute(exists).first() is not None:
            return False
        values = session.model_dump(mode="python", exclude={"entry_count", "timelines"})
        values["current_context"] = session.current_context.model_dump(mode="json")
        self.connection.execute(insert(sessions).values(values))
        return True

    def get_session(self, session_id: str, *, for_update: bool = False) -> Session | None:
        statement = locked(select(sessions).where(sessions.c.id == session_id), for_update)
        row = self.connection.execute(statement).first()
        if row is None:
            return None
        count = self.connection.execute(
            select(func.count()).where(session_entries.c.session_id == session_id)
        ).scalar_one()
        timelines = self.connection.execute(
            select(session_entries.c.timeline)
            .where(session_entries.c.session_id == session_id)
            .group_by(session_entries.c.timeline)
            .order_by(func.min(session_entries.c.id))
        ).scalars()
        return Session.model_validate(
            {**row._mapping, "entry_count": count, "timelines": list(timelines)}
        )

    def update_session(self, session: Session) -> None:
        values = session.model_dump(exclude={"entry_count", "timelines", "id"})
        values["current_context"] = session.current_context.model_dump(mode="json")
        self.connection.execute(update(sessions).where(sessions.c.id == session.id).values(values))

    def idle_sessions(self, before: datetime, limit: int) -> list[str]:
        statement = (
            select(sessions.c.id)
            .where(sessions.c.status == SessionStatus.LIVE, sessions.c.last_activity_at < before)
            .order_by(sessions.c.last_activity_at)
            .limit(limit)
        )
        return list(self.connection.execute(statement).scalars())

    def list_sessions(self, persona_id: str, user_id: str) -> list[str]:
        ids = {"persona_id": persona_id, "user_id": user_id}
        return list(self.connection.execute(_OF_RELATIONSHIP, ids).scalars())

    def insert_entries(self, session: Session, entries: Sequence[dict[str, Any]]) -> list[Entry]:
        rows = [
            {**entry, "session_id": session.id, "user_id": session.user_id} for entry in entries
        ]
        returned = self.connection.execute(
            insert(session_entries).returning(session_entries.c.id, sort_by_parameter_order=True),
            rows,
        ).all()
        return [
            _entry({**row, "id": result.id}) for row, result in zip(rows, returned, strict=True)
        ]

    def list_entries(self, session_id: str, timeline: str | None = None) -> list[Entry]:
        statement = (
            select(session_entries)
            .where(session_entries.c.session_id == session_id)
            .order_by(session_entries.c.id)
        )
        if timeline is not None:
            statement = statement.where(session_entries.c.timeline == timeline)
        return [_entry(dict(row._mapping)) for row in self.connection.execute(statement)]

    def delete_entry(self, session_id: str, entry_id: int) -> bool:
        result = self.connection.execute(
            delete(session_entries).where(
                session_entries.c.session_id == session_id, session_entries.c.id == entry_id
            )
        )
        return result.rowcount > 0

    def insert_episode(self, episode: Episode) -> None:
        values = episode.model_dump(exclude={"summary", "agent", "duration"})
        values["duration_seconds"] = episode.duration
        self.connection.execute(insert(episodes).values(values))

    def get_episodes(self, session_ids: Sequence[str]) -> list[Episode]:
        """Episodes with their summary (the memory's current text), in the given order."""
        if not session_ids:
            return []
        statement = (
            select(episodes, memories.c.text.label("summary"))
            .join(memories, memories.c.id == episodes.c.memory_id)
            .where(episodes.c.session_id.in_(list(session_ids)))
        )
        found = {
            row.session_id: _episode(row._mapping) for row in self.connection.execute(statement)
        }
        return [found[sid] for sid in session_ids if sid in found]

    def episode_for_memories(self, memory_ids: Sequence[str]) -> dict[str, str]:
        """memory id -> session id, for the memories that are episode summaries."""
        if not memory_ids:
            return {}
        statement = select(episodes.c.memory_id, episodes.c.session_id).where(
            episodes.c.memory_id.in_(list(memory_ids))
        )
        return {row.memory_id: row.session_id for row in self.connection.execute(statement)}


def _episode(row: Any) -> Episode:
    values = dict(row)
    values["duration"] = values.pop("duration_seconds")
    values["agent"] = values["persona_id"]
    return Episode.model_validate(values)


def _entry(values: dict[str, Any]) -> Entry:
    values.pop("user_id", None)  # the owner, kept for erasure; the session says it
    return Entry.model_validate(values)
