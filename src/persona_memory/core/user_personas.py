"""User personas: archetypes of users, ``<industry>_<professional_role>`` (seed 000).

Each user persona owns one shared block, ``{handle}_service_experience``,
where agents serving any of its members write down what they learned. It is
shared across users, so it must never hold anything about one of them.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import Field, StrictFloat

from persona_memory.core.base import Model
from persona_memory.core.blocks import Block, BlockOwner
from persona_memory.core.errors import InvalidInput, NotFoundError
from persona_memory.core.ids import new_memory_id

HANDLE_PATTERN = r"^[a-z0-9]+(?:_[a-z0-9]+)+$"
MAX_HANDLE = 100
_HANDLE = re.compile(HANDLE_PATTERN)
TAXONOMY_FORMAT = "<industry>_<professional_role>"
HANDLE_RULE = (
    "A persona handle follows <industry>_<professional_role>: lowercase snake_case "
    "(letters and digits joined by single underscores) with at least two parts, the "
    "first naming the industry and the rest the professional role, e.g. "
    "'qsr_real_estate' or 'tobacco_consumer_insights'; at most 100 characters."
)

SHARED_BLOCK_LIMIT = 8000
SHARED_BLOCK_VALUE = (
    "We have not yet gained any experience commensurate of the specific servicing of queries "
    "or analytical flows for {persona_handle} users"
)
SHARED_BLOCK_DESCRIPTION = (
    "Gained experience and/or lessons learned from servicing or responding to queries typical "
    "or quintessential of users associated with the {persona_handle} persona. This memory block "
    "will be shared, and it is therefore VITAL that you not add any PII or sensitive or "
    "proprietary information about any specific user in here, e.g. POIs they're interested in, "
    "or particular and specific insights they found useful, but rather information that will "
    "help a future agent servicing a similar ask in a different instance for a different user"
)


class UserPersonaCreate(Model):
    """A new user persona: an archetype of users named
    ``<industry>_<professional_role>`` (``qsr_real_estate``)."""

    handle: str = Field(pattern=HANDLE_PATTERN, max_length=MAX_HANDLE, description=HANDLE_RULE)
    industry: str = Field(min_length=1, max_length=200)
    professional_role: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2_000)


class UserPersona(UserPersonaCreate):
    """A user persona, with when it was created."""

    created_at: datetime


class MembershipUpdate(Model):
    confidence_score: StrictFloat = Field(default=1.0, ge=0.0, le=1.0)


class Membership(MembershipUpdate):
    """A user's membership of a user persona, with how sure the agent is of it (0-1)."""

    user_id: str
    handle: str
    created_at: datetime
    updated_at: datetime


class UserPersonaDetail(UserPersona):
    """A user persona with its members and the block they share."""

    members: list[Membership]
    shared_block: Block


class UserPersonaNotFound(NotFoundError):
    """No user persona has that handle (404)."""

    code = "user_persona_not_found"

    def __init__(self, handle: str) -> None:
        super().__init__(f"user persona {handle!r} does not exist", field="persona_handle")


def check_handle(handle: str, field: str = "persona_handle") -> str:
    if len(handle) > MAX_HANDLE or not _HANDLE.fullmatch(handle):
        message = f"{handle!r} is not a well-formed persona handle. {HANDLE_RULE}"
        raise InvalidInput(message, field=field)
    return handle


def shared_block_label(handle: str) -> str:
    return f"{handle}_service_experience"


def shared_block(handle: str, now: datetime) -> Block:
    """The seed's shared experience block for a new user persona."""
    return Block(
        id=new_memory_id(),
        label=shared_block_label(handle),
        value=SHARED_BLOCK_VALUE.format(persona_handle=handle),
        limit=SHARED_BLOCK_LIMIT,
        description=SHARED_BLOCK_DESCRIPTION.format(persona_handle=handle),
        owner=BlockOwner.USER_PERSONA,
        user_persona_handle=handle,
        created_at=now,
        updated_at=now,
    )


def persona_from_handle(handle: str) -> UserPersonaCreate:
    """Industry and role parsed from a well-formed handle: first part, then the rest."""
    industry, *role = check_handle(handle).split("_")
    return UserPersonaCreate(
        handle=handle,
        industry=_words([industry]),
        professional_role=_words(role),
        description=(
            f"Users in the {_words([industry])} industry working as {_words(role)}. "
            "Created by an agent from the persona handle."
        ),
    )


def _words(parts: list[str]) -> str:
    # Short parts are usually acronyms (qsr, cpg, hr); longer ones are words.
    return " ".join(part.upper() if len(part) <= 3 else part.capitalize() for part in parts)


SEEDED = [
    UserPersonaCreate(
        handle="qsr_real_estate",
        industry="QSR / Fast Casual",
        professional_role="Director of Real Estate",
        description=(
            "Real-estate leaders at quick-service and fast-casual restaurant chains: site "
            "selection, trade areas, cannibalisation and new-unit performance."
        ),
    ),
    UserPersonaCreate(
        handle="tobacco_consumer_insights",
        industry="Tobacco / CPG",
        professional_role="Director of Consumer Insights & Activation",
        description=(
            "Consumer-insights leaders at tobacco and consumer-packaged-goods companies: "
            "audience profiles, retail visitation, and activation of campaigns."
        ),
    ),
]
