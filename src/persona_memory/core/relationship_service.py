"""Opening, reading and describing relationships (agent instances).

:func:`open_relationship` is the one way a relationship comes into being,
whichever operation needs it first (a memory, a block edit, a profile change,
an explicit PUT): inside that operation's transaction, with the blocks every
agent instance starts with. Reads never create one.
"""

from __future__ import annotations

from datetime import datetime

from persona_memory.core.base import utcnow
from persona_memory.core.blocks import private_blocks
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.errors import InvalidInput
from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.persona_service import require_persona
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.relationships import (
    Customization,
    Relationship,
    RelationshipNotFound,
    RelationshipPatch,
    RelationshipUpdate,
    described,
    new_relationship,
    patched,
)
from persona_memory.core.user_service import require_user
from persona_memory.core.users import new_user


class RelationshipService:
    """What each user is to each persona; reached as ``memory.relationships``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, persona_id: str, user_id: str, *, caller: Caller = ADMIN) -> Relationship:
        """What the user is to the persona; ``RelationshipNotFound`` if they have no
        relationship yet."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            return require_relationship(tx, persona_id, user_id)

    def put(
        self, persona_id: str, user_id: str, data: RelationshipUpdate, *, caller: Caller = ADMIN
    ) -> Relationship:
        """Create or replace what ``user_id`` is to ``persona_id``."""
        caller.check_relationship(persona_id, user_id)
        with self._store.transaction() as tx:
            now = utcnow()
            current = open_relationship(tx, persona_id, user_id, now, lock=True)
            relationship = described(current, data, now)
            tx.update_relationship(relationship)
        return relationship

    def patch(
        self, persona_id: str, user_id: str, data: RelationshipPatch, *, caller: Caller = ADMIN
    ) -> Relationship:
        """Change only the fields given; the relationship must exist."""
        caller.check_relationship(persona_id, user_id)
        with self._store.transaction() as tx:
            current = require_relationship(tx, persona_id, user_id, lock=True)
            relationship = patched(current, data, utcnow())
            tx.update_relationship(relationship)
        return relationship

    def customize(
        self, persona_id: str, user_id: str, data: Customization, *, caller: Caller = ADMIN
    ) -> Relationship:
        """What the user sets themselves: the type and their custom prompt."""
        patch = RelationshipPatch(**data.model_dump(exclude_unset=True))
        caller.check_relationship(persona_id, user_id)
        with self._store.transaction() as tx:
            now = utcnow()
            current = open_relationship(tx, persona_id, user_id, now, lock=True)
            relationship = patched(current, patch, now)
            tx.update_relationship(relationship)
        return relationship

    def of_user(self, user_id: str, *, caller: Caller = ADMIN) -> list[Relationship]:
        """Every relationship of the user, one per persona."""
        caller.check_user(user_id)
        with self._store.read() as tx:
            require_user(tx, user_id)
            return tx.list_relationships(user_id=user_id)


def open_relationship(
    tx: Transaction, persona_id: str, user_id: str, now: datetime, *, lock: bool = False
) -> Relationship:
    """The relationship, created with its user and starting blocks if missing.

    ``lock`` takes the relationship's row lock: operations that read and then
    change its profile or attachments do, so that they serialise.
    """
    # Most calls find it: one read (locking it if asked) instead of two inserts
    # that do nothing and a read. A miss, a malformed id or a missing persona
    # takes the creating path, which reports errors as it always has.
    if well_formed(persona_id, user_id):
        found = tx.get_relationship(persona_id, user_id, for_update=lock)
        if found is not None:
            return found
    persona = require_persona(tx, persona_id)
    check_user_id(user_id)
    tx.insert_user(new_user(user_id, now))
    if tx.insert_relationship(new_relationship(persona_id, user_id, now)):
        blocks = private_blocks(persona_id, user_id, now)
        tx.insert_blocks(blocks)
        for block in blocks:
            tx.attach_block(block.id, persona_id, user_id, now)
        if persona.attach_user_persona_blocks:
            tx.attach_membership_blocks(persona_id, user_id, now)
    relationship = tx.get_relationship(persona_id, user_id, for_update=lock)
    assert relationship is not None, "inserted above or already there"
    return relationship


def well_formed(persona_id: str, user_id: str) -> bool:
    """Both ids valid: safe to look up before the checks that name what is wrong."""
    try:
        check_persona_id(persona_id)
        check_user_id(user_id)
    except InvalidInput:
        return False
    return True


def require_relationship(
    tx: Transaction, persona_id: str, user_id: str, *, lock: bool = False
) -> Relationship:
    """The relationship; 404 naming what is missing: the persona, the user or the link."""
    found = tx.get_relationship(
        check_persona_id(persona_id), check_user_id(user_id), for_update=lock
    )
    if found is None:
        require_persona(tx, persona_id)
        require_user(tx, user_id)
        raise RelationshipNotFound(persona_id, user_id)
    return found
