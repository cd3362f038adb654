"""/v1/personas and the relationships under them."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.personas import Persona, PersonaCreate, PersonaUpdate
from persona_memory.core.relationships import Relationship, RelationshipPatch, RelationshipUpdate
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["personas"])


@router.post("/personas", status_code=status.HTTP_201_CREATED)
def create_persona(body: PersonaCreate, memory: MemoryDep) -> Persona:
    return memory.personas.create(body)


@router.get("/personas")
def list_personas(memory: MemoryDep) -> dict[str, list[Persona]]:
    return {"personas": memory.personas.all()}


@router.get("/personas/{persona_id}")
def get_persona(persona_id: str, memory: MemoryDep) -> Persona:
    return memory.personas.get(check_persona_id(persona_id))


@router.patch("/personas/{persona_id}")
def update_persona(persona_id: str, body: PersonaUpdate, memory: MemoryDep) -> Persona:
    return memory.personas.update(check_persona_id(persona_id), body)


@router.delete("/personas/{persona_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_persona(persona_id: str, memory: MemoryDep) -> Response:
    memory.personas.delete(check_persona_id(persona_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/personas/{persona_id}/relationships/{user_id}", tags=["relationships"])
def get_relationship(persona_id: str, user_id: str, memory: MemoryDep) -> Relationship:
    return memory.relationships.get(check_persona_id(persona_id), check_user_id(user_id))


@router.put("/personas/{persona_id}/relationships/{user_id}", tags=["relationships"])
def put_relationship(
    persona_id: str, user_id: str, body: RelationshipUpdate, memory: MemoryDep
) -> Relationship:
    return memory.relationships.put(persona_id, user_id, body)


@router.patch("/personas/{persona_id}/relationships/{user_id}", tags=["relationships"])
def patch_relationship(
    persona_id: str, user_id: str, body: RelationshipPatch, memory: MemoryDep
) -> Relationship:
    """Change only the fields given; `memory_config` merges key by key."""
    return memory.relationships.patch(persona_id, user_id, body)
