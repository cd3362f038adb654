"""/v1/users: create, find, read, export, erase."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from persona_memory.core.base import MAX_NAME_CHARS
from persona_memory.core.relationships import Relationship
from persona_memory.core.users import User, UserCreate, UserExport, UserPage
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["users"])


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, memory: MemoryDep) -> User:
    return memory.users.create(body)


@router.get("/users")
def list_users(
    memory: MemoryDep,
    q: Annotated[
        str | None, Query(max_length=MAX_NAME_CHARS, description="part of the id or name")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="a page; all without")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UserPage:
    """Users by id, with ``total`` counting every match for paging."""
    return memory.users.find(q, limit=limit, offset=offset)


@router.get("/users/{user_id}")
def get_user(user_id: str, memory: MemoryDep) -> User:
    return memory.users.get(user_id)


@router.get("/users/{user_id}/relationships", tags=["relationships"])
def user_relationships(user_id: str, memory: MemoryDep) -> dict[str, list[Relationship]]:
    """The user's relationships, one per persona they talk to."""
    return {"relationships": memory.relationships.of_user(user_id)}


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_user(user_id: str, memory: MemoryDep) -> Response:
    """Erase the user: every memory, relationship and history row, in every scope."""
    memory.users.erase(user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/{user_id}/export")
def export_user(user_id: str, memory: MemoryDep) -> UserExport:
    """Everything stored about the user, as one JSON document."""
    return memory.users.export(user_id)
