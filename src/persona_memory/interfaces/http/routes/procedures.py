"""Procedural memory: a persona's templates, and a relationship's overrides."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from persona_memory.core.base import MAX_QUERY_CHARS
from persona_memory.core.procedures import Procedure, ProcedureHit, ProcedurePut
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["procedures"])
OWN = "/personas/{persona_id}/procedures"
REL = "/personas/{persona_id}/relationships/{user_id}/procedures"
Q = Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get(OWN)
def list_procedures(persona_id: str, memory: MemoryDep) -> dict[str, list[Procedure]]:
    return {"procedures": memory.procedures.all(persona_id)}


@router.get(OWN + "/search")
def search_procedures(
    persona_id: str, q: Q, memory: MemoryDep, limit: Limit = 10
) -> dict[str, list[ProcedureHit]]:
    return {"results": memory.procedures.search(persona_id, q, limit=limit)}


@router.get(OWN + "/{key}")
def get_procedure(persona_id: str, key: str, memory: MemoryDep) -> Procedure:
    return memory.procedures.get(persona_id, key)


@router.put(OWN + "/{key}")
def put_procedure(persona_id: str, key: str, body: ProcedurePut, memory: MemoryDep) -> Procedure:
    return memory.procedures.put(persona_id, key, body)


@router.delete(OWN + "/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_procedure(persona_id: str, key: str, memory: MemoryDep) -> Response:
    memory.procedures.delete(persona_id, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(REL)
def list_relationship_procedures(
    persona_id: str, user_id: str, memory: MemoryDep
) -> dict[str, list[Procedure]]:
    """What this relationship follows: its own, and the persona's for other keys."""
    return {"procedures": memory.procedures.all(persona_id, user_id=user_id)}


@router.get(REL + "/search")
def search_relationship_procedures(
    persona_id: str, user_id: str, q: Q, memory: MemoryDep, limit: Limit = 10
) -> dict[str, list[ProcedureHit]]:
    return {"results": memory.procedures.search(persona_id, q, user_id=user_id, limit=limit)}


@router.get(REL + "/{key}")
def get_relationship_procedure(
    persona_id: str, user_id: str, key: str, memory: MemoryDep
) -> Procedure:
    """The relationship's own template for `key`, else the persona's."""
    return memory.procedures.get(persona_id, key, user_id=user_id)


@router.put(REL + "/{key}")
def put_relationship_procedure(
    persona_id: str, user_id: str, key: str, body: ProcedurePut, memory: MemoryDep
) -> Procedure:
    return memory.procedures.put(persona_id, key, body, user_id=user_id)


@router.delete(REL + "/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_relationship_procedure(
    persona_id: str, user_id: str, key: str, memory: MemoryDep
) -> Response:
    memory.procedures.delete(persona_id, key, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
