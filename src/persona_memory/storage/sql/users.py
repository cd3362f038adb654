"""User and relationship rows, and erasure derived from the schema."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from persona_memory.core.relationships import Relationship
from persona_memory.core.users import User
from persona_memory.storage.dialect import insert_ignoring_duplicates
from persona_memory.storage.rows import relationship_from_row, relationship_values, user_from_row
from persona_memory.storage.schema import relationships, users
from persona_memory.storage.sql.base import Rows, locked
from persona_memory.storage.user_data import erase_user_rows

# Built once: every operation on a relationship reads it first, and building the
# SELECT cost twice as much as running it.
_RELATIONSHIP = select(relationships).where(
    relationships.c.persona_id == bindparam("persona_id"),
    relationships.c.user_id == bindparam("user_id"),
)
_LOCK_RELATIONSHIP = locked(_RELATIONSHIP, True)
_USER = select(users).where(users.c.id == bindparam("id"))


class UserSql(Rows):
    def insert_user(self, user: User) -> bool:
        return insert_ignoring_duplicates(self.connection, users, user.model_dump()) > 0

    def get_user(self, user_id: str) -> User | None:
        row = self.connection.execute(_USER, {"id": user_id}).first()
        return None if row is None else user_from_row(row)

    def list_users(self) -> list[User]:
        rows = self.connection.execute(select(users).order_by(users.c.id))
        return [user_from_row(row) for row in rows]

    def erase_user(self, user_id: str) -> bool:
        return erase_user_rows(self.connection, user_id)

    def insert_relationship(self, relationship: Relationship) -> bool:
        values = relationship_values(relationship)
        return insert_ignoring_duplicates(self.connection, relationships, values) > 0

    def get_relationship(
        self, persona_id: str, user_id: str, *, for_update: bool = False
    ) -> Relationship | None:
        statement = _LOCK_RELATIONSHIP if for_update else _RELATIONSHIP
        ids = {"persona_id": persona_id, "user_id": user_id}
        row = self.connection.execute(statement, ids).first()
        return None if row is None else relationship_from_row(row)

    def update_relationship(self, relationship: Relationship) -> None:
        self.connection.execute(
            update(relationships)
            .where(
                relationships.c.persona_id == relationship.persona_id,
                relationships.c.user_id == relationship.user_id,
            )
            .values(relationship_values(relationship))
        )

    def list_relationships(
        self, *, persona_id: str | None = None, user_id: str | None = None
    ) -> list[Relationship]:
        statement = select(relationships).order_by(
            relationships.c.persona_id, relationships.c.user_id
        )
        if persona_id is not None:
            statement = statement.where(relationships.c.persona_id == persona_id)
        if user_id is not None:
            statement = statement.where(relationships.c.user_id == user_id)
        return [relationship_from_row(row) for row in self.connection.execute(statement)]
