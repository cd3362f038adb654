"""Core-memory blocks of a relationship, and blocks by id."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from persona_memory.core.blocks import Block, BlockAppend, BlockReplace, BlockValue
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["blocks"])
RELATIONSHIP = "/personas/{persona_id}/relationships/{user_id}"


@router.get(RELATIONSHIP + "/blocks")
def list_blocks(persona_id: str, user_id: str, memory: MemoryDep) -> dict[str, list[Block]]:
    """Every block attached to the relationship: its private `persona` (read-only),
    `human` and `user_persona_profile` blocks, then any shared ones."""
    return {"blocks": memory.blocks.attached(persona_id, user_id)}


@router.get(RELATIONSHIP + "/blocks/{label}")
def get_block(persona_id: str, user_id: str, label: str, memory: MemoryDep) -> Block:
    return memory.blocks.get(persona_id, user_id, label)


@router.put(RELATIONSHIP + "/blocks/{label}")
def set_block(
    persona_id: str, user_id: str, label: str, body: BlockValue, memory: MemoryDep
) -> Block:
    """Set the value; over the block's limit → 413, read-only → 409, nothing changed."""
    return memory.blocks.set_value(persona_id, user_id, label, body.value)


@router.post(RELATIONSHIP + "/blocks/{label}/append")
def append_block(
    persona_id: str, user_id: str, label: str, body: BlockAppend, memory: MemoryDep
) -> Block:
    """Append `content` on a new line (atomic: concurrent appends all land)."""
    return memory.blocks.append(persona_id, user_id, label, body.content)


@router.post(RELATIONSHIP + "/blocks/{label}/replace")
def replace_in_block(
    persona_id: str, user_id: str, label: str, body: BlockReplace, memory: MemoryDep
) -> Block:
    """Replace every occurrence of `old_content`, which must occur (else 422)."""
    return memory.blocks.replace(persona_id, user_id, label, body.old_content, body.new_content)


@router.put(RELATIONSHIP + "/attached-blocks/{block_id}")
def attach_block(persona_id: str, user_id: str, block_id: str, memory: MemoryDep) -> Block:
    """Attach a block (e.g. a shared one) to the relationship; twice changes nothing."""
    return memory.blocks.attach(block_id, persona_id, user_id)


@router.delete(RELATIONSHIP + "/attached-blocks/{block_id}", status_code=status.HTTP_204_NO_CONTENT)
def detach_block(persona_id: str, user_id: str, block_id: str, memory: MemoryDep) -> Response:
    memory.blocks.detach(block_id, persona_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/blocks/{block_id}")
def get_block_by_id(block_id: str, memory: MemoryDep) -> Block:
    return memory.blocks.get_by_id(block_id)
