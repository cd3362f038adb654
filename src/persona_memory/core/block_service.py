"""Blocks as seen through one relationship: read, edit, attach, detach."""

from __future__ import annotations

from persona_memory.core.blocks import (
    Block,
    BlockNotFound,
    appended,
    replaced,
    with_value,
)
from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.models import utcnow
from persona_memory.core.ports import Store


class BlockService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def attached(self, persona_id: str, user_id: str) -> list[Block]:
        """The relationship's blocks, creating the relationship on first use."""
        self._store.ensure_relationship(check_persona_id(persona_id), check_user_id(user_id))
        return self._store.attached_blocks(persona_id, user_id)

    def get(self, persona_id: str, user_id: str, label: str) -> Block:
        for block in self.attached(persona_id, user_id):
            if block.label == label:
                return block
        raise BlockNotFound(f"labelled {label!r} is attached to ({persona_id}, {user_id})")

    def get_by_id(self, block_id: str) -> Block:
        block = self._store.get_block(block_id)
        if block is None:
            raise BlockNotFound(f"with id {block_id!r}")
        return block

    def set_value(self, persona_id: str, user_id: str, label: str, value: str) -> Block:
        block = self.get(persona_id, user_id, label)
        return self._store.modify_block(block.id, lambda b: with_value(b, value, utcnow()))

    def append(self, persona_id: str, user_id: str, label: str, content: str) -> Block:
        block = self.get(persona_id, user_id, label)
        return self._store.modify_block(block.id, lambda b: appended(b, content, utcnow()))

    def replace(self, persona_id: str, user_id: str, label: str, old: str, new: str) -> Block:
        block = self.get(persona_id, user_id, label)
        return self._store.modify_block(block.id, lambda b: replaced(b, old, new, utcnow()))

    def attach(self, block_id: str, persona_id: str, user_id: str) -> Block:
        """Attach a block to a relationship; attaching twice changes nothing."""
        block = self.get_by_id(block_id)
        self._store.ensure_relationship(check_persona_id(persona_id), check_user_id(user_id))
        self._store.attach_block(block_id, persona_id, user_id)
        return block

    def detach(self, block_id: str, persona_id: str, user_id: str) -> None:
        self.get_by_id(block_id)
        if not self._store.detach_block(block_id, persona_id, user_id):
            raise BlockNotFound(f"{block_id!r} is attached to ({persona_id}, {user_id})")

    def relationships(self, block_id: str) -> list[tuple[str, str]]:
        """Every (persona_id, user_id) the block is attached to."""
        self.get_by_id(block_id)
        return self._store.block_relationships(block_id)
