"""User personas and memberships: the taxonomy and its shared blocks."""

from __future__ import annotations

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.errors import InvalidInput, NotFoundError
from persona_memory.core.ids import check_user_id
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.relationship_service import open_relationship
from persona_memory.core.user_personas import (
    Membership,
    UserPersona,
    UserPersonaCreate,
    UserPersonaDetail,
    UserPersonaNotFound,
    check_handle,
    persona_from_handle,
    shared_block,
)
from persona_memory.core.users import new_user


class UserPersonaService:
    """User personas, archetypes of users; reached as ``memory.user_personas``.
    The relationships of a user persona's members share one block."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, data: UserPersonaCreate) -> tuple[UserPersona, bool]:
        """Create the user persona and its shared block in one transaction.

        Idempotent: when the handle exists, the existing persona comes back
        unchanged, with ``False``.
        """
        with self._store.transaction() as tx:
            return create_user_persona(tx, data)

    def get(self, handle: str) -> UserPersonaDetail:
        """The user persona with its members and its shared block."""
        with self._store.read() as tx:
            persona = require_user_persona(tx, handle)
            block = tx.shared_block(handle)
            assert block is not None, "a user persona is always created with its block"
            return UserPersonaDetail(
                **persona.model_dump(), members=tx.members(handle), shared_block=block
            )

    def all(self) -> list[UserPersona]:
        """Every user persona."""
        with self._store.read() as tx:
            return tx.list_user_personas()

    def join(self, user_id: str, handle: str, confidence_score: float = 1.0) -> Membership:
        """Make the user a member and attach the shared block to all their relationships."""
        with self._store.transaction() as tx:
            return join(tx, user_id, handle, confidence_score)

    def enrol(
        self, user_id: str, handle: str, confidence_score: float = 1.0, *, caller: Caller = ADMIN
    ) -> tuple[Membership, bool]:
        """The ``update_user_persona_profile_in_db`` tool, whole or not at all: create
        the user persona if the handle is new, make the user a member, open the
        calling agent's relationship, and attach the shared block to every
        relationship of every member. Returns the membership and whether the user
        persona was created."""
        caller.check_user(user_id)
        with self._store.transaction() as tx:
            _, created = create_user_persona(tx, persona_from_handle(handle))
            membership = join(tx, user_id, handle, confidence_score)
            now = utcnow()
            if caller.persona_id is not None:
                open_relationship(tx, caller.persona_id, user_id, now)
            tx.attach_shared_block(handle, now)
        return membership, created

    def leave(self, user_id: str, handle: str) -> None:
        """End the membership and detach the shared block from the user's relationships."""
        with self._store.transaction() as tx:
            require_user_persona(tx, handle)
            if not tx.delete_membership(check_user_id(user_id), handle):
                raise NotFoundError(
                    f"user {user_id!r} is not a member of {handle!r}", field="persona_handle"
                )

    def memberships(self, user_id: str) -> list[Membership]:
        """The user personas the user is a member of."""
        with self._store.read() as tx:
            return tx.memberships(check_user_id(user_id))


def create_user_persona(tx: Transaction, data: UserPersonaCreate) -> tuple[UserPersona, bool]:
    now = utcnow()
    persona = UserPersona(**data.model_dump(), created_at=now)
    if tx.insert_user_persona(persona):
        tx.insert_blocks([shared_block(persona.handle, now)])
        return persona, True
    return require_user_persona(tx, persona.handle), False


def join(tx: Transaction, user_id: str, handle: str, confidence_score: float) -> Membership:
    """Upsert the membership and attach the shared block to the user's relationships."""
    require_user_persona(tx, handle)
    check_user_id(user_id)
    if not 0.0 <= confidence_score <= 1.0:
        raise InvalidInput(
            f"confidence_score must be between 0 and 1, not {confidence_score}",
            field="confidence_score",
        )
    now = utcnow()
    tx.insert_user(new_user(user_id, now))
    membership = tx.upsert_membership(
        Membership(
            user_id=user_id,
            handle=handle,
            confidence_score=confidence_score,
            created_at=now,
            updated_at=now,
        )
    )
    tx.attach_shared_block(handle, now, user_id=user_id)
    return membership


def require_user_persona(tx: Transaction, handle: str) -> UserPersona:
    persona = tx.get_user_persona(check_handle(handle))
    if persona is None:
        raise UserPersonaNotFound(handle)
    return persona
