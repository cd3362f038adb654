"""/v1/me: what each persona knows about me, for the end user holding a user token.

Every route acts as ``Caller.user(<token's user>)``: the services refuse (403)
anything that belongs to another user, whatever the path or body says.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, Field

from persona_memory.core.base import MAX_PROMPT_CHARS, Model
from persona_memory.core.blocks import Block, BlockOwner
from persona_memory.core.episodes import Episode
from persona_memory.core.memories import MemoryNotFound, MemoryRecord, SearchFilters
from persona_memory.core.profiles import Profile
from persona_memory.core.prompts import DEFAULT_BUDGET, Prompt, PromptRequest
from persona_memory.core.relationships import (
    Customization,
    MemoryConfig,
    Relationship,
    RelationshipPatch,
)
from persona_memory.core.scope import ScopeKind
from persona_memory.core.users import User, UserExport
from persona_memory.interfaces.http.auth import UserCaller
from persona_memory.interfaces.http.deps import MemoryDep, from_query
from persona_memory.interfaces.http.etag import expected_version, with_etag

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
    recent_episodes: list[Episode] = Field(
        description="my latest sessions with the persona, up to my auto_recall_depth"
    )


class MyRelationship(Model):
    """What I decide about my relationship with a persona."""

    relationship_type: str = Field(min_length=1, max_length=50)
    custom_system_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    memory_config: MemoryConfig = Field(default_factory=MemoryConfig)


@router.get("")
def get_me(caller: UserCaller, memory: MemoryDep) -> Me:
    """Me, and the personas I have a relationship with."""
    user_id = caller.own_user()
    return Me(
        user=memory.users.get(user_id, caller=caller),
        relationships=memory.relationships.of_user(user_id, caller=caller),
    )


@router.get("/personas/{persona_id}/prompt")
def my_prompt(
    persona_id: str,
    caller: UserCaller,
    memory: MemoryDep,
    query: Annotated[str | None, Query(min_length=1, max_length=2_000)] = None,
    token_budget: Annotated[int, Query(ge=1, le=200_000)] = DEFAULT_BUDGET,
) -> Prompt:
    """What exactly the persona gets told about me: the prompt it would build now."""
    request = from_query(
        PromptRequest,
        persona_id=persona_id,
        user_id=caller.own_user(),
        query=query,
        token_budget=token_budget,
    )
    return memory.prompts.build(request, caller=caller)


@router.get("/personas/{persona_id}/memory")
def what_persona_knows(
    persona_id: str, caller: UserCaller, memory: MemoryDep, response: Response
) -> PersonaMemoryOfMe:
    """ "What does Brad know about me": the profile, the facts and the private blocks."""
    user_id = caller.own_user()
    relationship = memory.relationships.get(persona_id, user_id, caller=caller)
    facts = memory.memories.all(
        persona_id=persona_id,
        user_id=user_id,
        filters=SearchFilters(scope=[ScopeKind.RELATIONSHIP]),
        limit=_ALL,
        caller=caller,
    )
    blocks = [
        block
        for block in memory.blocks.attached(persona_id, user_id, caller=caller)
        if block.owner is BlockOwner.RELATIONSHIP
    ]
    profile = with_etag(response, memory.profiles.get(persona_id, user_id, caller=caller))
    depth = relationship.memory_config.auto_recall_depth
    episodes = memory.episodes.recent(persona_id, user_id, limit=depth, caller=caller)
    return PersonaMemoryOfMe(
        persona_id=persona_id,
        profile=profile,
        facts=facts,
        blocks=blocks,
        recent_episodes=episodes,
    )


@router.get("/personas/{persona_id}/memories")
def what_persona_remembers(
    persona_id: str, caller: UserCaller, memory: MemoryDep, response: Response
) -> PersonaMemoryOfMe:
    """The seed's route for the same: facts, profile, blocks and recent episodes."""
    return what_persona_knows(persona_id, caller, memory, response)


@router.post("/personas/{persona_id}/customize")
def customize(
    persona_id: str, body: Customization, caller: UserCaller, memory: MemoryDep
) -> Relationship:
    """Set what the persona is to me and my own prompt for it (onboarding)."""
    return memory.relationships.customize(persona_id, caller.own_user(), body, caller=caller)


@router.get("/personas/{persona_id}/relationship")
def get_my_relationship(persona_id: str, caller: UserCaller, memory: MemoryDep) -> Relationship:
    return memory.relationships.get(persona_id, caller.own_user(), caller=caller)


@router.put("/personas/{persona_id}/relationship")
def put_my_relationship(
    persona_id: str, body: MyRelationship, caller: UserCaller, memory: MemoryDep
) -> Relationship:
    """Replace the type, my custom prompt and my memory settings; the rest is kept."""
    patch = RelationshipPatch.model_validate(body.model_dump())
    user_id = caller.own_user()
    memory.relationships.get(persona_id, user_id, caller=caller)
    return memory.relationships.patch(persona_id, user_id, patch, caller=caller)


@router.put("/personas/{persona_id}/memory")
def edit_profile(
    persona_id: str,
    body: dict[str, Any],
    caller: UserCaller,
    memory: MemoryDep,
    response: Response,
    if_match: IfMatch = None,
) -> Profile:
    """Edit my profile: a JSON object per category, checked against the persona's
    schema. Categories not in the body are kept; without If-Match, last write wins."""
    user_id = caller.own_user()
    memory.relationships.get(persona_id, user_id, caller=caller)
    version = expected_version(if_match)
    profile = memory.profiles.put(persona_id, user_id, body, version, caller=caller)
    return with_etag(response, profile)


@router.delete("/personas/{persona_id}/memory")
def clear_profile(
    persona_id: str,
    caller: UserCaller,
    memory: MemoryDep,
    response: Response,
    category: str | None = None,
) -> Profile:
    """Clear one profile category, or all of them without `category`."""
    user_id = caller.own_user()
    memory.relationships.get(persona_id, user_id, caller=caller)
    return with_etag(response, memory.profiles.clear(persona_id, user_id, category, caller=caller))


@router.delete(
    "/personas/{persona_id}/memories/{memory_id}", status_code=status.HTTP_204_NO_CONTENT
)
def forget_fact(persona_id: str, memory_id: str, caller: UserCaller, memory: MemoryDep) -> Response:
    """Forget one fact the persona keeps about me."""
    fact = memory.memories.get(memory_id, caller=caller)
    if fact.scope is not ScopeKind.RELATIONSHIP or fact.persona_id != persona_id:
        raise MemoryNotFound(memory_id)
    memory.memories.delete(memory_id, caller=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/export")
def export_me(caller: UserCaller, memory: MemoryDep) -> UserExport:
    return memory.users.export(caller.own_user(), caller=caller)
