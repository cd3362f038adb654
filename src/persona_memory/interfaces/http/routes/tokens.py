"""Admin: issue, list and revoke end users' tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from persona_memory.core.tokens import IssuedToken, TokenCreate, UserToken
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["tokens"])


@router.post("/users/{user_id}/tokens", status_code=status.HTTP_201_CREATED)
def issue_token(user_id: str, memory: MemoryDep, body: TokenCreate | None = None) -> IssuedToken:
    """A bearer token that reaches only /v1/me for this user. The `token` is shown once."""
    return memory.tokens.issue(user_id, body)


@router.get("/users/{user_id}/tokens")
def list_tokens(user_id: str, memory: MemoryDep) -> dict[str, list[UserToken]]:
    return {"tokens": memory.tokens.all(user_id)}


@router.delete("/users/{user_id}/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(user_id: str, token_id: str, memory: MemoryDep) -> Response:
    memory.tokens.revoke(user_id, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
