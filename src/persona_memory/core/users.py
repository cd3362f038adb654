"""Users, their relationships with personas, export and erasure."""

from __future__ import annotations

from persona_memory.core.blocks import BlockOwner
from persona_memory.core.errors import PersonaNotFound, RelationshipNotFound, UserNotFound
from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.models import (
    MemoryRecord,
    Relationship,
    RelationshipUpdate,
    User,
    UserCreate,
    UserExport,
    utcnow,
)
from persona_memory.core.ports import MemoryQuery, Store
from persona_memory.core.scope import Scope, ScopeKind

_EXPORT_PAGE = 1000


class UserService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, data: UserCreate) -> User:
        user = User(**data.model_dump(), created_at=utcnow())
        self._store.create_user(user)
        return user

    def get(self, user_id: str) -> User:
        user = self._store.get_user(check_user_id(user_id))
        if user is None:
            raise UserNotFound(user_id)
        return user

    def all(self) -> list[User]:
        return self._store.list_users()

    def erase(self, user_id: str) -> None:
        """Delete every row about the user in every scope (right to erasure)."""
        if not self._store.erase_user(check_user_id(user_id)):
            raise UserNotFound(user_id)

    def export(self, user_id: str) -> UserExport:
        user = self.get(user_id)
        relationships = self._store.list_relationships(user_id=user_id)
        scopes = [Scope(ScopeKind.RELATIONSHIP, r.persona_id, user_id) for r in relationships]
        return UserExport(
            user=user,
            relationships=relationships,
            memories=self._all_memories(MemoryQuery(scopes=scopes)),
            history=self._store.user_history(user_id),
            blocks=[
                block
                for r in relationships
                for block in self._store.attached_blocks(r.persona_id, user_id)
                if block.owner is BlockOwner.RELATIONSHIP
            ],
            memberships=self._store.memberships(user_id),
            profiles=self._store.user_profiles(user_id),
            exported_at=utcnow(),
        )

    def _all_memories(self, query: MemoryQuery) -> list[MemoryRecord]:
        found: list[MemoryRecord] = []
        offset = 0
        while page := self._store.list_memories(query, limit=_EXPORT_PAGE, offset=offset):
            found.extend(page)
            offset += len(page)
        return found

    def get_relationship(self, persona_id: str, user_id: str) -> Relationship:
        relationship = self._store.get_relationship(persona_id, user_id)
        if relationship is None:
            raise RelationshipNotFound(persona_id, user_id)
        return relationship

    def put_relationship(
        self, persona_id: str, user_id: str, data: RelationshipUpdate
    ) -> Relationship:
        """Create or replace what ``user_id`` is to ``persona_id``."""
        check_persona_id(persona_id)
        check_user_id(user_id)
        if self._store.get_persona(persona_id) is None:
            raise PersonaNotFound(persona_id)
        existing = self._store.get_relationship(persona_id, user_id)
        now = utcnow()
        relationship = Relationship(
            **data.model_dump(),
            persona_id=persona_id,
            user_id=user_id,
            created_at=existing.created_at if existing else now,
            updated_at=now,
        )
        self._store.put_relationship(relationship)
        return relationship

    def relationships(self, user_id: str) -> list[Relationship]:
        self.get(user_id)
        return self._store.list_relationships(user_id=user_id)
