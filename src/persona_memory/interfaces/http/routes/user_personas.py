"""/v1/user-personas: the `<industry>_<professional_role>` taxonomy and memberships."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from persona_memory.core.user_personas import (
    HANDLE_RULE,
    Membership,
    MembershipUpdate,
    UserPersona,
    UserPersonaCreate,
    UserPersonaDetail,
)
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["user personas"])


@router.get("/user-personas")
def list_user_personas(memory: MemoryDep) -> dict[str, list[UserPersona]]:
    return {"user_personas": memory.user_personas.all()}


@router.post(
    "/user-personas",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "it existed: returned unchanged"}},
    description=f"Create a user persona and its shared experience block. {HANDLE_RULE}",
)
def create_user_persona(
    body: UserPersonaCreate, memory: MemoryDep, response: Response
) -> UserPersona:
    persona, created = memory.user_personas.create(body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return persona


@router.get("/user-personas/{handle}")
def get_user_persona(handle: str, memory: MemoryDep) -> UserPersonaDetail:
    """The user persona with its members and its shared block."""
    return memory.user_personas.get(handle)


@router.get("/users/{user_id}/user-personas")
def list_memberships(user_id: str, memory: MemoryDep) -> dict[str, list[Membership]]:
    return {"memberships": memory.user_personas.memberships(user_id)}


@router.put("/users/{user_id}/user-personas/{handle}")
def join_user_persona(
    user_id: str, handle: str, memory: MemoryDep, body: MembershipUpdate | None = None
) -> Membership:
    """Join (confidence 0..1): the shared block is attached to every relationship of
    the user, now and later. Joining again only updates the confidence."""
    score = (body or MembershipUpdate()).confidence_score
    return memory.user_personas.join(user_id, handle, score)


@router.delete("/users/{user_id}/user-personas/{handle}", status_code=status.HTTP_204_NO_CONTENT)
def leave_user_persona(user_id: str, handle: str, memory: MemoryDep) -> Response:
    """Leave: the shared block is detached from the user's relationships."""
    memory.user_personas.leave(user_id, handle)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
