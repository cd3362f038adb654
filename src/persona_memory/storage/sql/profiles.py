"""Profile rows (one JSON document per relationship) and their history.

The statements on the per-request path (load and save) are built once: building
a SELECT with its WHERE clause cost 0.15 ms a call, twice running the built one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import Insert, Row, Text, and_, bindparam, cast, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from persona_memory.core.base import FROM_STORE
from persona_memory.core.ports import ProfileRecord
from persona_memory.core.profiles import (
    CategoryChange,
    Profile,
    ProfileCategory,
    ProfileHistoryEntry,
)
from persona_memory.storage.schema import personas, profile_history, profiles, relationships
from persona_memory.storage.sql.base import Rows, locked

_PROFILE = select(profiles).where(
    profiles.c.persona_id == bindparam("persona_id"), profiles.c.user_id == bindparam("user_id")
)

# The persona's profile fields, whether the relationship exists, and its profile.
_RECORD = (
    select(
        cast(personas.c.profile_schema, Text).label("profile_schema"),  # the key of _schema
        personas.c.profile_title,
        relationships.c.user_id.is_not(None).label("related"),
        profiles.c.categories,
        profiles.c.version,
        profiles.c.updated_at,
    )
    .select_from(personas)
    .outerjoin(
        relationships,
        and_(
            relationships.c.persona_id == personas.c.id,
            relationships.c.user_id == bindparam("user_id"),
        ),
    )
    .outerjoin(
        profiles,
        and_(profiles.c.persona_id == personas.c.id, profiles.c.user_id == bindparam("user_id")),
    )
    .where(personas.c.id == bindparam("persona_id"))
)

_LOCK_RELATIONSHIP = locked(
    select(relationships.c.user_id).where(
        relationships.c.persona_id == bindparam("persona_id"),
        relationships.c.user_id == bindparam("user_id"),
    ),
    True,
)

_ADD_HISTORY = insert(profile_history)


@cache
def _save(dialect: str) -> Insert:
    """``INSERT ... ON CONFLICT (persona_id, user_id) DO UPDATE`` for ``dialect``."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(profiles)
    changed = ("categories", "version", "updated_at")
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=["persona_id", "user_id"],
        set_={name: statement.excluded[name] for name in changed},
    )
    return upsert


def _profile(values: dict[str, Any]) -> Profile:
    # Checked on the way in: walking the categories again on every read cost
    # more than the query.
    return Profile.model_validate(values, context=FROM_STORE)


class ProfileSql(Rows):
    def get_profile(self, persona_id: str, user_id: str) -> Profile | None:
        ids = {"persona_id": persona_id, "user_id": user_id}
        row = self.connection.execute(_PROFILE, ids).first()
        return None if row is None else _profile(dict(row._mapping))

    def profile_record(
        self, persona_id: str, user_id: str, *, lock: bool = False
    ) -> ProfileRecord | None:
        ids = {"persona_id": persona_id, "user_id": user_id}
        held = True
        if lock and self.connection.dialect.name != "sqlite":
            # The lock in a statement of its own: PostgreSQL reads every row of a
            # statement as of its start, so a profile joined to the locking SELECT
            # could be the one from before the writer it waited for. SQLite's
            # write transaction already holds the only lock: one query is enough.
            held = self.connection.execute(_LOCK_RELATIONSHIP, ids).first() is not None
        row = self.connection.execute(_RECORD, ids).first()
        # A relationship created between the two statements is not locked: the
        # caller must take it as missing (and open it, which locks it).
        return None if row is None else _record(row, persona_id, user_id, held)

    def save_profile(self, profile: Profile) -> None:
        self.connection.execute(_save(self.connection.dialect.name), profile.model_dump())

    def user_profiles(self, user_id: str) -> list[Profile]:
        statement = (
            select(profiles).where(profiles.c.user_id == user_id).order_by(profiles.c.persona_id)
        )
        return [_profile(dict(r._mapping)) for r in self.connection.execute(statement)]

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
        self.connection.execute(_ADD_HISTORY, rows)

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


@lru_cache(maxsize=256)
def _schema(text: str) -> Mapping[str, ProfileCategory]:
    """A persona's profile schema, parsed once per distinct text: checking three
    categories' JSON Schemas against the meta-schema took 7 ms; personas rarely
    change. Shared between callers: read-only."""
    categories = json.loads(text).items()
    return MappingProxyType(
        {
            name: ProfileCategory.model_validate(value, context=FROM_STORE)
            for name, value in categories
        }
    )


def _record(row: Row[Any], persona_id: str, user_id: str, held: bool) -> ProfileRecord:
    schema = _schema(row.profile_schema)
    profile = None
    if row.version is not None:
        profile = _profile(
            {
                "persona_id": persona_id,
                "user_id": user_id,
                "categories": row.categories,
                "version": row.version,
                "updated_at": row.updated_at,
            }
        )
    return ProfileRecord(schema, row.profile_title, held and bool(row.related), profile)
