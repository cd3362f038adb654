"""User personas and memberships: the taxonomy and its shared blocks (seed 000)."""

from __future__ import annotations

from persona_memory.core.errors import InvalidInput, NotFoundError
from persona_memory.core.ids import check_user_id
from persona_memory.core.models import utcnow
from persona_memory.core.ports import Store
from persona_memory.core.user_personas import (
    Membership,
    UserPersona,
    UserPersonaCreate,
    UserPersonaDetail,
    UserPersonaNotFound,
    check_handle,
    shared_block,
)


class UserPersonaService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, data: UserPersonaCreate) -> tuple[UserPersona, bool]:
        """Create the user persona and its shared block in one transaction.

        Idempotent: when the handle exists, the existing persona comes back
        unchanged, with ``False``.
        """
        now = utcnow()
        persona = UserPersona(**data.model_dump(), created_at=now)
        created = self._store.create_user_persona(persona, shared_block(persona.handle, now))
        return (persona if created else self._get(persona.handle)), created

    def get(self, handle: str) -> UserPersonaDetail:
        persona = self._get(handle)
        block = self._store.shared_block(handle)
        assert block is not None, "a user persona is always created with its block"
        return UserPersonaDetail(
            **persona.model_dump(), members=self._store.members(handle), shared_block=block
        )

    def all(self) -> list[UserPersona]:
        return self._store.list_user_personas()

    def join(self, user_id: str, handle: str, confidence_score: float = 1.0) -> Membership:
        """Make the user a member and attach the shared block to all their relationships."""
        self._get(handle)
        check_user_id(user_id)
        if not 0.0 <= confidence_score <= 1.0:
            raise InvalidInput(
                f"confidence_score must be between 0 and 1, not {confidence_score}",
                field="confidence_score",
            )
        now = utcnow()
        self._store.ensure_user(user_id)
        self._store.join_user_persona(
            Membership(
                user_id=user_id,
                handle=handle,
                confidence_score=confidence_score,
                created_at=now,
                updated_at=now,
            )
        )
        return next(m for m in self._store.memberships(user_id) if m.handle == handle)

    def leave(self, user_id: str, handle: str) -> None:
        """End the membership and detach the shared block from the user's relationships."""
        self._get(handle)
        if not self._store.leave_user_persona(check_user_id(user_id), handle):
            raise NotFoundError(
                f"user {user_id!r} is not a member of {handle!r}", field="persona_handle"
            )

    def memberships(self, user_id: str) -> list[Membership]:
        return self._store.memberships(check_user_id(user_id))

    def _get(self, handle: str) -> UserPersona:
        persona = self._store.get_user_persona(check_handle(handle))
        if persona is None:
            raise UserPersonaNotFound(handle)
        return persona
