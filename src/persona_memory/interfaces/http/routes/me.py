"""/v1/me: what each persona knows about me, for the end user holding a user token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel

from persona_memory.core.blocks import Block, BlockOwner
from persona_memory.core.errors import MemoryNotFound
from persona_memory.core.models import MemoryRecord, Relationship, SearchFilters, User, UserExport
from persona_memory.core.profiles import Profile
from persona_memory.core.scope import ScopeKind
from persona_memory.interfaces.http.auth import CurrentUser, Forbidden
from persona_memory.interfaces.http.deps import MemoryDep
from persona_memory.interfaces.http.etag import expected_version, with_etag
from persona_memory.memory import Memory

router = APIRouter(prefix="/me", tags=["me"])
IfMatch = Annotated[str | None, Header(description='a profile ETag such as "v3"')]
_ALL = 10_000


class Me(BaseModel):
    user: User
    relationships: list[Relationship]


class PersonaMemoryOfMe(BaseModel):
    """Everything one persona keeps about me."""

    persona_id: str
    profile: Profile
    facts: list[MemoryRecord]
    blocks: list[Block]


@router.get("")
def get_me(user_id: CurrentUser, memory: MemoryDep) -> Me:
    """Me, and the personas I have a relationship with."""
    return Me(user=memory.users.get(user_id), relationships=memory.users.relationships(user_id))


@router.get("/personas/{persona_id}/memory")
def what_persona_knows(
    persona_id: str, user_id: CurrentUser, memory: MemoryDep, response: Response
) -> PersonaMemoryOfMe:
    """ "What does Brad know about me": the profile, the facts and the private blocks."""
    memory.users.get_relationship(persona_id, user_id)
    facts = memory.memories.all(
        persona_id=persona_id,
        user_id=user_id,
        filters=SearchFilters(scope=[ScopeKind.RELATIONSHIP]),
        limit=_ALL,
    )
    blocks = [
        block
        for block in memory.blocks.attached(persona_id, user_id)
        if block.owner is BlockOwner.RELATIONSHIP
    ]
    profile = with_etag(response, memory.profiles.get(persona_id, user_id))
    return PersonaMemoryOfMe(persona_id=persona_id, profile=profile, facts=facts, blocks=blocks)


@router.put("/personas/{persona_id}/memory")
def edit_profile(
    persona_id: str,
    body: dict[str, Any],
    user_id: CurrentUser,
    memory: MemoryDep,
    response: Response,
    if_match: IfMatch = None,
) -> Profile:
    """Edit my profile: a JSON object per category, checked against the persona's
    schema. Categories not in the body are kept; without If-Match, last write wins."""
    memory.users.get_relationship(persona_id, user_id)
    profile = memory.profiles.put(persona_id, user_id, body, expected_version(if_match))
    return with_etag(response, profile)


@router.delete("/personas/{persona_id}/memory")
def clear_profile(
    persona_id: str,
    user_id: CurrentUser,
    memory: MemoryDep,
    response: Response,
    category: str | None = None,
) -> Profile:
    """Clear one profile category, or all of them without `category`."""
    memory.users.get_relationship(persona_id, user_id)
    return with_etag(response, memory.profiles.clear(persona_id, user_id, category))


@router.delete(
    "/personas/{persona_id}/memories/{memory_id}", status_code=status.HTTP_204_NO_CONTENT
)
def forget_fact(
    persona_id: str, memory_id: str, user_id: CurrentUser, memory: MemoryDep
) -> Response:
    """Forget one fact the persona keeps about me."""
    _own_fact(memory, persona_id, user_id, memory_id)
    memory.memories.delete(memory_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/export")
def export_me(user_id: CurrentUser, memory: MemoryDep) -> UserExport:
    return memory.users.export(user_id)


def _own_fact(memory: Memory, persona_id: str, user_id: str, memory_id: str) -> MemoryRecord:
    fact = memory.memories.get(memory_id)
    if fact.scope is not ScopeKind.RELATIONSHIP or fact.user_id != user_id:
        raise Forbidden(f"memory {memory_id!r} is not about you")
    if fact.persona_id != persona_id:
        raise MemoryNotFound(memory_id)
    return fact
