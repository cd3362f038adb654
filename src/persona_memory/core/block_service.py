"""Blocks as seen through one relationship: read, edit, attach, detach.

Reads never create anything: a relationship that does not exist is a 404.
Edits open the relationship if needed, then change the block under its row
lock, so concurrent appends to one shared block all land.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from persona_memory.core.base import utcnow
from persona_memory.core.blocks import (
    PERSONA_BLOCK_PREFIX,
    Block,
    BlockNotFound,
    LabelTaken,
    appended,
    persona_block,
    replaced,
    with_value,
)
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.persona_service import require_persona
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.privacy import Redaction
from persona_memory.core.privacy_service import PrivacyFirewall
from persona_memory.core.relationship_service import open_relationship, require_relationship

Edit = Callable[[Block, str, datetime], Block]


class BlockService:
    """Blocks; reached as ``memory.blocks``: labelled texts a relationship keeps
    in its prompt, each with a size limit, some shared by many relationships."""

    def __init__(self, store: Store, firewall: PrivacyFirewall) -> None:
        self._store = store
        self._firewall = firewall

    def attached(self, persona_id: str, user_id: str, *, caller: Caller = ADMIN) -> list[Block]:
        """The relationship's blocks: ``persona`` (rendered, read-only), its private
        ones, then any shared ones."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            require_relationship(tx, persona_id, user_id)
            return attached_blocks(tx, persona_id, user_id)

    def get(self, persona_id: str, user_id: str, label: str, *, caller: Caller = ADMIN) -> Block:
        """The relationship's block labelled ``label``."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            require_relationship(tx, persona_id, user_id)
            return _labelled(attached_blocks(tx, persona_id, user_id), persona_id, user_id, label)

    def get_by_id(self, block_id: str) -> Block:
        """The block with that id."""
        with self._store.read() as tx:
            return _block_by_id(tx, block_id)

    def set_value(
        self, persona_id: str, user_id: str, label: str, value: str, *, caller: Caller = ADMIN
    ) -> Block:
        """Replace the block's whole value."""
        return self._edit(
            persona_id, user_id, label, with_value, caller, content=value, field="value"
        )

    def append(
        self, persona_id: str, user_id: str, label: str, content: str, *, caller: Caller = ADMIN
    ) -> Block:
        """Add ``content`` on a new line at the end of the block."""
        return self._edit(persona_id, user_id, label, appended, caller, content=content)

    def replace(
        self,
        persona_id: str,
        user_id: str,
        label: str,
        old: str,
        new: str,
        *,
        caller: Caller = ADMIN,
    ) -> Block:
        """Replace every occurrence of ``old`` in the block with ``new``."""
        return self._edit(
            persona_id,
            user_id,
            label,
            lambda b, text, now: replaced(b, old, text, now),
            caller,
            content=new,
            field="new_content",
        )

    def attach(self, block_id: str, persona_id: str, user_id: str) -> Block:
        """Attach a block to a relationship; attaching twice changes nothing."""
        with self._store.transaction() as tx:
            block = _block_by_id(tx, block_id, for_update=True)
            now = utcnow()
            open_relationship(tx, persona_id, user_id, now, lock=True)
            clash = [
                b
                for b in attached_blocks(tx, persona_id, user_id)
                if b.label == block.label and b.id != block.id
            ]
            if clash:
                raise LabelTaken(block.label)
            if block.id.startswith(PERSONA_BLOCK_PREFIX):
                raise BlockNotFound(f"{block_id!r} that can be attached: it is rendered")
            tx.attach_block(block.id, persona_id, user_id, now)
        return block

    def detach(self, block_id: str, persona_id: str, user_id: str) -> None:
        """Take the block out of the relationship; the block itself stays."""
        with self._store.transaction() as tx:
            _block_by_id(tx, block_id)
            if not tx.detach_block(block_id, persona_id, user_id):
                raise BlockNotFound(f"{block_id!r} is attached to ({persona_id}, {user_id})")

    def relationships(self, block_id: str) -> list[tuple[str, str]]:
        """Every (persona_id, user_id) the block is attached to."""
        with self._store.read() as tx:
            _block_by_id(tx, block_id)
            return tx.block_relationships(block_id)

    def _edit(
        self,
        persona_id: str,
        user_id: str,
        label: str,
        edit: Edit,
        caller: Caller,
        *,
        content: str,
        field: str = "content",
    ) -> Block:
        """Apply ``edit`` with ``content`` to the block labelled ``label``. Text
        bound for a shared block passes the PII firewall: before the lock when
        the block is known, inside it when this edit opens the relationship."""
        caller.check_relationship(persona_id, user_id)
        source = str(caller.role)
        screened = self._screen_ahead(persona_id, user_id, label, content, field, source)
        with self._store.transaction() as tx:
            now = utcnow()
            open_relationship(tx, persona_id, user_id, now)
            found = _labelled(attached_blocks(tx, persona_id, user_id), persona_id, user_id, label)
            if screened is None or screened[0] != found.id:
                text, redactions = self._firewall.block_text(found, content, field, source)
            else:
                _, text, redactions = screened
            # Re-read under the row lock: the value read above may already be stale.
            current = _block_by_id(tx, found.id, for_update=True)
            block = edit(current, text, now)
            tx.update_block(block)
            tx.record_redactions(redactions)
        return block

    def _screen_ahead(
        self, persona_id: str, user_id: str, label: str, content: str, field: str, source: str
    ) -> tuple[str, str, list[Redaction]] | None:
        with self._store.read() as tx:
            if tx.get_relationship(persona_id, user_id) is None:
                return None
            blocks = attached_blocks(tx, persona_id, user_id)
        target = next((b for b in blocks if b.label == label), None)
        if target is None:
            return None
        text, redactions = self._firewall.block_text(target, content, field, source)
        return target.id, text, redactions


def attached_blocks(tx: Transaction, persona_id: str, user_id: str) -> list[Block]:
    return [
        persona_block(require_persona(tx, persona_id)),
        *tx.attached_blocks(persona_id, user_id),
    ]


def _labelled(blocks: list[Block], persona_id: str, user_id: str, label: str) -> Block:
    for block in blocks:
        if block.label == label:
            return block
    raise BlockNotFound(f"labelled {label!r} is attached to ({persona_id}, {user_id})")


def _block_by_id(tx: Transaction, block_id: str, *, for_update: bool = False) -> Block:
    if block_id.startswith(PERSONA_BLOCK_PREFIX):
        persona = tx.get_persona(block_id.removeprefix(PERSONA_BLOCK_PREFIX))
        if persona is not None:
            return persona_block(persona)
    block = tx.get_block(block_id, for_update=for_update)
    if block is None:
        raise BlockNotFound(f"with id {block_id!r}")
    return block
