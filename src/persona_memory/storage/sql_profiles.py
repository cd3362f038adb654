"""Profiles (with history and versions) and user tokens on any SQLAlchemy engine."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select, update

from persona_memory.core.models import utcnow
from persona_memory.core.profiles import (
    PreconditionFailed,
    Profile,
    ProfileChange,
    ProfileHistoryEntry,
)
from persona_memory.core.tokens import StoredToken, UserToken
from persona_memory.storage.engine import write_transaction
from persona_memory.storage.ensure import ensure_relationship
from persona_memory.storage.schema import profile_history, profiles, user_tokens


class SqlProfiles:
    engine: Engine

    def get_profile(self, persona_id: str, user_id: str) -> Profile | None:
        statement = select(profiles).where(
            profiles.c.persona_id == persona_id, profiles.c.user_id == user_id
        )
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else Profile.model_validate(dict(row._mapping))

    def user_profiles(self, user_id: str) -> list[Profile]:
        statement = (
            select(profiles).where(profiles.c.user_id == user_id).order_by(profiles.c.persona_id)
        )
        with self.engine.connect() as connection:
            return [Profile.model_validate(dict(r._mapping)) for r in connection.execute(statement)]

    def modify_profile(
        self,
        persona_id: str,
        user_id: str,
        change: ProfileChange,
        *,
        event: str,
        expected_version: int | None = None,
    ) -> Profile:
        """Apply ``change`` under the write lock; record each changed category."""
        key = (profiles.c.persona_id == persona_id, profiles.c.user_id == user_id)
        now = utcnow()
        with write_transaction(self.engine) as connection:
            ensure_relationship(connection, persona_id, user_id, now)
            row = connection.execute(select(profiles).where(*key).with_for_update()).first()
            current = dict(row.categories) if row else {}
            version = row.version if row else 0
            if expected_version is not None and expected_version != version:
                raise PreconditionFailed(f'"v{expected_version}"', version)
            new = change(current)
            if new == current:
                return Profile(
                    persona_id=persona_id,
                    user_id=user_id,
                    categories=current,
                    version=version,
                    updated_at=row.updated_at if row else None,
                )
            values = {"categories": new, "version": version + 1, "updated_at": now}
            if row is None:
                connection.execute(
                    insert(profiles).values(persona_id=persona_id, user_id=user_id, **values)
                )
            else:
                connection.execute(update(profiles).where(*key).values(values))
            connection.execute(
                insert(profile_history),
                [
                    {
                        "persona_id": persona_id,
                        "user_id": user_id,
                        "category": name,
                        "event": event,
                        "old_value": current.get(name),
                        "new_value": new.get(name),
                        "created_at": now,
                    }
                    for name in sorted(set(current) | set(new))
                    if current.get(name) != new.get(name)
                ],
            )
        return Profile(persona_id=persona_id, user_id=user_id, **values)

    def profile_history(self, persona_id: str, user_id: str) -> list[ProfileHistoryEntry]:
        statement = (
            select(profile_history)
            .where(profile_history.c.persona_id == persona_id, profile_history.c.user_id == user_id)
            .order_by(profile_history.c.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [ProfileHistoryEntry.model_validate(dict(row._mapping)) for row in rows]

    # --- user tokens --------------------------------------------------------

    def create_token(self, token: StoredToken) -> None:
        with write_transaction(self.engine) as connection:
            connection.execute(insert(user_tokens).values(token.model_dump()))

    def get_token(self, token_id: str) -> StoredToken | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(user_tokens).where(user_tokens.c.id == token_id)
            ).first()
        return None if row is None else StoredToken.model_validate(dict(row._mapping))

    def list_tokens(self, user_id: str) -> list[UserToken]:
        statement = (
            select(user_tokens)
            .where(user_tokens.c.user_id == user_id)
            .order_by(user_tokens.c.created_at)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [UserToken.model_validate(dict(row._mapping)) for row in rows]

    def delete_token(self, user_id: str, token_id: str) -> bool:
        with write_transaction(self.engine) as connection:
            result = connection.execute(
                delete(user_tokens).where(
                    user_tokens.c.user_id == user_id, user_tokens.c.id == token_id
                )
            )
        return result.rowcount > 0
