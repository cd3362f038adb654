"""Core-memory blocks (Letta style): labelled text with a character limit.

A block is owned by one relationship (private) or by a user persona (shared)
and is *attached* to one or many relationships; an edit through any of them
is seen by all at once because there is only one row. The edit rules here are
pure functions; the store applies them inside one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from persona_memory.core.base import Model
from persona_memory.core.errors import ConflictError, InvalidInput, NotFoundError, TextTooLong
from persona_memory.core.ids import new_memory_id
from persona_memory.core.personas import Persona

DEFAULT_BLOCK_LIMIT = 5000
LABEL_PATTERN = r"^[a-z0-9][a-z0-9_]{0,99}$"

PERSONA_LABEL = "persona"
HUMAN_LABEL = "human"
USER_PERSONA_PROFILE_LABEL = "user_persona_profile"

# Seed 000, step 6: prepended, as written there, to the block's own description.
USER_PERSONA_PROFILE_PREAMBLE = (
    "Before updating this block, you MUST call update_user_persona_profile_in_db() with the "
    "persona_handle you've identified to ensure proper database association and shared memory "
    "attachment.\n\n"
    "Available personas can be discovered via list_available_personas() tool. Persona handles "
    "follow the format <industry>_<professional_role> (e.g., 'qsr_real_estate', "
    "'tobacco_consumer_insights').\n\n"
    "If you identify a new professional role/industry combination not in the existing taxonomy, "
    "you may create a new persona by calling update_user_persona_profile_in_db() with a properly "
    "formatted handle.\n\n"
    "After calling the tool, update this block to: (1) Identify which known persona(s) match the "
    "user's role, industry, and analytical patterns; (2) Note their professional role, industry, "
    "key metrics, typical workflows; (3) Associate multiple personas if relevant. DO NOT store: "
    "specific POI names, addresses, proprietary insights, or personal information (those go in "
    "human block or archival memory)."
)
USER_PERSONA_PROFILE_DESCRIPTION = (
    USER_PERSONA_PROFILE_PREAMBLE
    + "\n\nThe user's professional persona: the archetype(s) of users they belong to, with "
    "their role, industry, key metrics and typical analytical workflows."
)
PERSONA_DESCRIPTION = "Who you are: your core instructions. Read-only."
HUMAN_DESCRIPTION = (
    "What you know about the person you are talking with: facts, preferences, context."
)


class BlockOwner(StrEnum):
    """Whose a block is: a persona's, one relationship's, or a user persona's (shared)."""

    PERSONA = "persona"
    RELATIONSHIP = "relationship"
    USER_PERSONA = "user_persona"


PERSONA_BLOCK_PREFIX = "persona:"


class Block(Model):
    """A labelled text a relationship keeps in its prompt (Letta-style core
    memory), at most ``limit`` characters long."""

    id: str
    label: str
    value: str
    limit: int = Field(gt=0, description="maximum length of value, in characters")
    description: str
    read_only: bool = False
    owner: BlockOwner
    persona_id: str | None = None
    user_id: str | None = None
    user_persona_handle: str | None = None
    created_at: datetime
    updated_at: datetime


BlockChange = Callable[[Block], Block]


class BlockValue(Model):
    value: str


class BlockAppend(Model):
    content: str = Field(min_length=1)


class BlockReplace(Model):
    old_content: str = Field(min_length=1)
    new_content: str


class BlockReadOnly(ConflictError):
    """Writing to a read-only block, such as ``persona`` (409)."""

    code = "block_read_only"

    def __init__(self, label: str) -> None:
        super().__init__(f"block {label!r} is read-only", field="label")


class BlockNotFound(NotFoundError):
    """No block with that label or id is there (404)."""

    code = "block_not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"no block {what}", field="label")


class LabelTaken(ConflictError):
    """Attaching a block whose label another block of the relationship has (409)."""

    code = "label_taken"

    def __init__(self, label: str) -> None:
        super().__init__(
            f"another block labelled {label!r} is already attached to this relationship",
            field="label",
        )


def with_value(block: Block, value: str, now: datetime) -> Block:
    """The block with a new value, if it is writable and the value fits."""
    if block.read_only:
        raise BlockReadOnly(block.label)
    if len(value) > block.limit:
        raise TextTooLong(len(value), block.limit, field="value")
    return block.model_copy(update={"value": value, "updated_at": now})


def appended(block: Block, content: str, now: datetime) -> Block:
    """Letta's core_memory_append: the content on a new line after the value."""
    value = f"{block.value}\n{content}" if block.value else content
    return with_value(block, value, now)


def replaced(block: Block, old: str, new: str, now: datetime) -> Block:
    """Letta's core_memory_replace: every occurrence of ``old`` becomes ``new``."""
    if old not in block.value:
        raise InvalidInput(
            f"old_content does not occur in block {block.label!r}", field="old_content"
        )
    return with_value(block, block.value.replace(old, new), now)


def persona_block(persona: Persona) -> Block:
    """The read-only ``persona`` block, rendered from the persona itself.

    It is never stored per relationship: the persona's core prompt has one
    home, so an edit to it reaches every relationship at once.
    """
    return Block(
        id=PERSONA_BLOCK_PREFIX + persona.id,
        label=PERSONA_LABEL,
        value=persona.core_system_prompt,
        limit=max(DEFAULT_BLOCK_LIMIT, len(persona.core_system_prompt)),
        description=PERSONA_DESCRIPTION,
        read_only=True,
        owner=BlockOwner.PERSONA,
        persona_id=persona.id,
        created_at=persona.created_at,
        updated_at=persona.updated_at,
    )


def private_blocks(persona_id: str, user_id: str, now: datetime) -> list[Block]:
    """The stored blocks every new relationship (agent instance) starts with."""

    def block(label: str, value: str, description: str) -> Block:
        return Block(
            id=new_memory_id(),
            label=label,
            value=value,
            limit=max(DEFAULT_BLOCK_LIMIT, len(value)),
            description=description,
            owner=BlockOwner.RELATIONSHIP,
            persona_id=persona_id,
            user_id=user_id,
            created_at=now,
            updated_at=now,
        )

    return [
        block(HUMAN_LABEL, "", HUMAN_DESCRIPTION),
        block(USER_PERSONA_PROFILE_LABEL, "", USER_PERSONA_PROFILE_DESCRIPTION),
    ]
