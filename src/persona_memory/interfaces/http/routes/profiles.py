"""Admin access to the profile a persona keeps about a user (seed 002)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from persona_memory.core.profiles import Profile, ProfileHistoryEntry, ProfilePatch
from persona_memory.interfaces.http.deps import MemoryDep
from persona_memory.interfaces.http.etag import expected_version, with_etag

router = APIRouter(tags=["profiles"])
PROFILE = "/personas/{persona_id}/relationships/{user_id}/profile"
IfMatch = Annotated[str | None, Header(description='a profile ETag such as "v3"')]


@router.get(PROFILE)
def get_profile(persona_id: str, user_id: str, memory: MemoryDep, response: Response) -> Profile:
    """Every category the persona declares; the ETag is the profile's version."""
    return with_etag(response, memory.profiles.get(persona_id, user_id))


@router.put(PROFILE)
def put_profile(
    persona_id: str,
    user_id: str,
    body: dict[str, Any],
    memory: MemoryDep,
    response: Response,
    if_match: IfMatch = None,
) -> Profile:
    """Replace each category given (a JSON object each); others are kept."""
    version = expected_version(if_match)
    return with_etag(response, memory.profiles.put(persona_id, user_id, body, version))


@router.patch(PROFILE)
def patch_profile(
    persona_id: str,
    user_id: str,
    body: ProfilePatch,
    memory: MemoryDep,
    response: Response,
    if_match: IfMatch = None,
) -> Profile:
    """`merge` (deep: objects key by key, other values replaced, null deletes) or
    `replace` one category."""
    version = expected_version(if_match)
    profile = memory.profiles.update(
        persona_id, user_id, body.category, body.data, body.operation, version
    )
    return with_etag(response, profile)


@router.delete(PROFILE)
def clear_profile(
    persona_id: str,
    user_id: str,
    memory: MemoryDep,
    response: Response,
    category: str | None = None,
    if_match: IfMatch = None,
) -> Profile:
    """Clear one category, or all of them without `category`."""
    version = expected_version(if_match)
    return with_etag(response, memory.profiles.clear(persona_id, user_id, category, version))


@router.get(PROFILE + "/history")
def profile_history(
    persona_id: str, user_id: str, memory: MemoryDep
) -> dict[str, list[ProfileHistoryEntry]]:
    return {"history": memory.profiles.history(persona_id, user_id)}
