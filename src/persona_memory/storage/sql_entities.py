"""Personas, users and relationships on any SQLAlchemy engine."""

from __future__ import annotations

from sqlalchemy import Engine, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from persona_memory.core.errors import AlreadyExists
from persona_memory.core.models import Persona, Relationship, User, utcnow
from persona_memory.storage.engine import write_transaction
from persona_memory.storage.ensure import ensure_relationship, ensure_user
from persona_memory.storage.rows import (
    persona_from_row,
    relationship_from_row,
    user_from_row,
)
from persona_memory.storage.schema import (
    blocks,
    memories,
    memory_history,
    personas,
    profile_history,
    profiles,
    relationships,
    user_persona_members,
    user_tokens,
    users,
)


class SqlEntities:
    engine: Engine

    # --- personas ---------------------------------------------------------

    def create_persona(self, persona: Persona) -> None:
        try:
            with write_transaction(self.engine) as connection:
                connection.execute(insert(personas).values(persona.model_dump()))
        except IntegrityError as error:
            raise AlreadyExists("persona", persona.id) from error

    def get_persona(self, persona_id: str) -> Persona | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(personas).where(personas.c.id == persona_id)).first()
        return None if row is None else persona_from_row(row)

    def list_personas(self) -> list[Persona]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(personas).order_by(personas.c.id)).all()
        return [persona_from_row(row) for row in rows]

    def replace_persona(self, persona: Persona) -> None:
        with write_transaction(self.engine) as connection:
            connection.execute(
                update(personas).where(personas.c.id == persona.id).values(persona.model_dump())
            )

    def delete_persona(self, persona_id: str) -> bool:
        with write_transaction(self.engine) as connection:
            connection.execute(delete(memories).where(memories.c.persona_id == persona_id))
            connection.execute(delete(blocks).where(blocks.c.persona_id == persona_id))
            connection.execute(delete(profiles).where(profiles.c.persona_id == persona_id))
            connection.execute(
                delete(profile_history).where(profile_history.c.persona_id == persona_id)
            )
            connection.execute(
                delete(memory_history).where(memory_history.c.persona_id == persona_id)
            )
            connection.execute(
                delete(relationships).where(relationships.c.persona_id == persona_id)
            )
            result = connection.execute(delete(personas).where(personas.c.id == persona_id))
        return result.rowcount > 0

    # --- users ------------------------------------------------------------

    def create_user(self, user: User) -> None:
        try:
            with write_transaction(self.engine) as connection:
                connection.execute(insert(users).values(user.model_dump()))
        except IntegrityError as error:
            raise AlreadyExists("user", user.id) from error

    def ensure_user(self, user_id: str) -> None:
        with write_transaction(self.engine) as connection:
            ensure_user(connection, user_id, utcnow())

    def get_user(self, user_id: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).first()
        return None if row is None else user_from_row(row)

    def list_users(self) -> list[User]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(users).order_by(users.c.id)).all()
        return [user_from_row(row) for row in rows]

    def erase_user(self, user_id: str) -> bool:
        """Delete every row about the user, in every scope, in one transaction."""
        with write_transaction(self.engine) as connection:
            if not connection.execute(select(exists().where(users.c.id == user_id))).scalar():
                return False
            connection.execute(delete(memories).where(memories.c.user_id == user_id))
            connection.execute(delete(blocks).where(blocks.c.user_id == user_id))
            connection.execute(delete(profiles).where(profiles.c.user_id == user_id))
            connection.execute(delete(profile_history).where(profile_history.c.user_id == user_id))
            connection.execute(delete(user_tokens).where(user_tokens.c.user_id == user_id))
            connection.execute(
                delete(user_persona_members).where(user_persona_members.c.user_id == user_id)
            )
            connection.execute(delete(memory_history).where(memory_history.c.user_id == user_id))
            connection.execute(delete(relationships).where(relationships.c.user_id == user_id))
            connection.execute(delete(users).where(users.c.id == user_id))
        return True

    # --- relationships ----------------------------------------------------

    def get_relationship(self, persona_id: str, user_id: str) -> Relationship | None:
        statement = select(relationships).where(
            relationships.c.persona_id == persona_id, relationships.c.user_id == user_id
        )
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else relationship_from_row(row)

    def put_relationship(self, relationship: Relationship) -> None:
        values = relationship.model_dump()
        key = (
            relationships.c.persona_id == relationship.persona_id,
            relationships.c.user_id == relationship.user_id,
        )
        with write_transaction(self.engine) as connection:
            ensure_relationship(
                connection, relationship.persona_id, relationship.user_id, relationship.created_at
            )
            connection.execute(update(relationships).where(*key).values(values))

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
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [relationship_from_row(row) for row in rows]
