"""/v1/users: create, read, export, erase."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from persona_memory.core.users import User, UserCreate, UserExport
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["users"])


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, memory: MemoryDep) -> User:
    return memory.users.create(body)


@router.get("/users")
def list_users(memory: MemoryDep) -> dict[str, list[User]]:
    return {"users": memory.users.all()}


@router.get("/users/{user_id}")
def get_user(user_id: str, memory: MemoryDep) -> User:
    return memory.users.get(user_id)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_user(user_id: str, memory: MemoryDep) -> Response:
    """Erase the user: every memory, relationship and history row, in every scope."""
    memory.users.erase(user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/{user_id}/export")
def export_user(user_id: str, memory: MemoryDep) -> UserExport:
    """Everything stored about the user, as one JSON document."""
    return memory.users.export(user_id)
