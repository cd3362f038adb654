"""/v1/admin: seed 003's admin API over the personas' own memories (the admin
web UI's back end)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from persona_memory.core.base import Model
from persona_memory.core.errors import ConflictError
from persona_memory.core.ids import check_persona_id
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.persona_file_service import (
    PersonaMemoryStats,
    PersonaOverview,
    RuntimeMemoryCreate,
    SyncReport,
)
from persona_memory.core.persona_files import Passport, PersonaMemoryCategory
from persona_memory.core.privacy import PrivacyStats, ScanReport
from persona_memory.interfaces.http.deps import MemoryDep, from_query

router = APIRouter(prefix="/admin", tags=["admin"])


class MemoryFilter(Model):
    category: PersonaMemoryCategory | None = None
    source: Literal["json", "runtime"] | None = None
    q: str | None = None


@router.get("/personas")
def list_personas(memory: MemoryDep) -> dict[str, list[PersonaOverview]]:
    """Every persona, with its own memories counted by source and its last sync."""
    return {"personas": memory.persona_memories.overview()}


@router.get("/personas/{persona_id}/profile")
def get_passport(persona_id: str, memory: MemoryDep) -> Passport:
    return memory.persona_memories.passport(check_persona_id(persona_id))


@router.get("/personas/{persona_id}/memories")
def list_memories(
    persona_id: str,
    memory: MemoryDep,
    category: Annotated[str | None, Query(description="one of the seven categories")] = None,
    source: Annotated[str | None, Query(description="json (from the file) or runtime")] = None,
    q: Annotated[str | None, Query(max_length=2000, description="search, best first")] = None,
) -> dict[str, list[MemoryRecord]]:
    """The persona's own memories, from its file and added at runtime; memories
    with can_reference=false too."""
    wanted = from_query(MemoryFilter, category=category, source=source, q=q)
    found = memory.persona_memories.all(
        check_persona_id(persona_id),
        category=wanted.category.value if wanted.category else None,
        source=wanted.source,
        query=wanted.q,
    )
    return {"memories": found}


@router.post("/personas/{persona_id}/memories", status_code=status.HTTP_201_CREATED)
def add_memory(persona_id: str, body: RuntimeMemoryCreate, memory: MemoryDep) -> MemoryRecord:
    """A runtime memory (source ``runtime``): export it to the file to keep it in review."""
    return memory.persona_memories.add(check_persona_id(persona_id), body)


@router.delete(
    "/personas/{persona_id}/memories/{memory_id}", status_code=status.HTTP_204_NO_CONTENT
)
def delete_memory(persona_id: str, memory_id: str, memory: MemoryDep) -> Response:
    """By its id or its file id (``sage_mem_001``). A memory from the file comes back
    at the next sync unless the file loses it too."""
    memory.persona_memories.delete(check_persona_id(persona_id), memory_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/personas/{persona_id}/memories/sync")
def sync(persona_id: str, memory: MemoryDep, force: bool = False) -> SyncReport:
    """Sync the persona from ``PERSONA_MEMORY_PERSONA_DIR``."""
    directory = memory.settings.persona_dir
    if directory is None:
        raise PersonaDirNotSet()
    [report] = memory.persona_memories.sync(
        directory, persona_id=check_persona_id(persona_id), force=force
    )
    return report


@router.get("/personas/{persona_id}/memories/stats")
def stats(persona_id: str, memory: MemoryDep) -> PersonaMemoryStats:
    return memory.persona_memories.stats(check_persona_id(persona_id))


class PersonaDirNotSet(ConflictError):
    code = "persona_dir_not_set"

    def __init__(self, *_: Any) -> None:
        super().__init__(
            "this server has no persona directory: set PERSONA_MEMORY_PERSONA_DIR",
            field="persona_dir",
        )


# --- the PII firewall ------------------------------------------------------------


@router.get("/privacy/stats")
def privacy_stats(memory: MemoryDep) -> PrivacyStats:
    """What the PII firewall has anonymised in shared scopes: counts per PII type,
    scope and source (never the values), the mode and the detector."""
    return memory.privacy.stats()


@router.post("/privacy/scan")
def privacy_scan(
    memory: MemoryDep,
    fix: Annotated[bool, Query(description="redact what is found, in place")] = False,
) -> ScanReport:
    """Scan what shared scopes already hold (persona and global memories,
    user-persona blocks) for PII written before the firewall existed."""
    return memory.privacy.scan(fix=fix)
