"""Profile rows (one JSON document per relationship) and their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.profiles import CategoryChange, Profile, ProfileHistoryEntry
from persona_memory.storage.dialect import upsert
from persona_memory.storage.schema import profile_history, profiles
from persona_memory.storage.sql.base import Rows


class ProfileSql(Rows):
    def get_profile(self, persona_id: str, user_id: str) -> Profile | None:
        statement = select(profiles).where(
            profiles.c.persona_id == persona_id, profiles.c.user_id == user_id
        )
        row = self.connection.execute(statement).first()
        return None if row is None else Profile.model_validate(dict(row._mapping))

    def save_profile(self, profile: Profile) -> None:
        upsert(
            self.connection,
            profiles,
            profile.model_dump(),
            key=("persona_id", "user_id"),
            update=("categories", "version", "updated_at"),
        )

    def user_profiles(self, user_id: str) -> list[Profile]:
        statement = (
            select(profiles).where(profiles.c.user_id == user_id).order_by(profiles.c.persona_id)
        )
        return [
            Profile.model_validate(dict(r._mapping)) for r in self.connection.execute(statement)
        ]

    def add_profile_history(
        self,
        persona_id: str,
        user_id: str,
        event: str,
        changes: Sequence[CategoryChange],
        now: datetime,
    ) -> None:
        if not changes:
            return
        rows = [
            {
                "persona_id": persona_id,
                "user_id": user_id,
                "category": change.category,
                "event": event,
                "old_value": change.old,
                "new_value": change.new,
                "created_at": now,
            }
            for change in changes
        ]
        self.connection.execute(insert(profile_history), rows)

    def profile_history(self, persona_id: str, user_id: str) -> list[ProfileHistoryEntry]:
        return self._profile_history(
            (profile_history.c.persona_id == persona_id) & (profile_history.c.user_id == user_id)
        )

    def user_profile_history(self, user_id: str) -> list[ProfileHistoryEntry]:
        return self._profile_history(profile_history.c.user_id == user_id)

    def _profile_history(self, where: ColumnElement[bool]) -> list[ProfileHistoryEntry]:
        statement = select(profile_history).where(where).order_by(profile_history.c.id)
        rows = self.connection.execute(statement)
        return [ProfileHistoryEntry.model_validate(dict(row._mapping)) for row in rows]
