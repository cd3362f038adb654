"""/v1/memories: CRUD, history and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from persona_memory.core.learning import IngestRequest, IngestResult
from persona_memory.core.memories import (
    MemoryBatch,
    MemoryCreate,
    MemoryHistoryEntry,
    MemoryRecord,
    MemoryUpdate,
    SearchFilters,
    SearchRequest,
    SearchResults,
)
from persona_memory.core.scope import ScopeKind
from persona_memory.interfaces.http.deps import MemoryDep, from_query

router = APIRouter(tags=["memories"])


@router.post("/memories", status_code=status.HTTP_201_CREATED)
def add_memory(body: MemoryCreate, memory: MemoryDep) -> MemoryRecord:
    """Persona + user: a relationship memory; persona alone: the persona's own;
    neither: global."""
    return memory.memories.add(body)


@router.post("/memories/batch", status_code=status.HTTP_201_CREATED)
def add_memories(body: MemoryBatch, memory: MemoryDep) -> dict[str, list[MemoryRecord]]:
    """Up to 1,000 memories at once: embedded in batches and written in one
    transaction, so either all are stored or (on any error) none."""
    return {"memories": memory.memories.add_many(body.memories)}


@router.get("/memories")
def list_memories(
    memory: MemoryDep,
    persona_id: str | None = None,
    user_id: str | None = None,
    scope: Annotated[list[ScopeKind] | None, Query()] = None,
    category: str | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    include_expired: bool = False,
) -> dict[str, list[MemoryRecord]]:
    """Memories visible to (persona, user), newest first; those whose `valid_to`
    has passed (superseded facts) only with `include_expired`."""
    filters = from_query(
        SearchFilters,
        scope=scope,
        category=category,
        tags=tag,
        include_expired=include_expired,
    )
    found = memory.memories.all(
        persona_id=persona_id, user_id=user_id, filters=filters, limit=limit, offset=offset
    )
    return {"memories": found}


@router.post("/memories/search")
def search_memories(body: SearchRequest, memory: MemoryDep) -> SearchResults:
    """Hybrid (BM25 + dense, fused) search, best first."""
    return memory.run_search(body)


@router.post("/memories/ingest")
def ingest(body: IngestRequest, memory: MemoryDep) -> IngestResult:
    """Learn from a raw conversation outside any session (mem0's `add(messages)`):
    the same extraction and consolidation as a session's end, with what was done
    to each fact: ADD, UPDATE, SUPERSEDE or NOOP."""
    return IngestResult(events=memory.learning.ingest(body))


@router.get("/memories/{memory_id}")
def get_memory(memory_id: str, memory: MemoryDep) -> MemoryRecord:
    return memory.memories.get(memory_id)


@router.patch("/memories/{memory_id}")
def update_memory(memory_id: str, body: MemoryUpdate, memory: MemoryDep) -> MemoryRecord:
    return memory.memories.update(memory_id, body)


@router.delete("/memories/{memory_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_memory(memory_id: str, memory: MemoryDep) -> Response:
    memory.memories.delete(memory_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/memories/{memory_id}/history")
def memory_history(memory_id: str, memory: MemoryDep) -> dict[str, list[MemoryHistoryEntry]]:
    """Every change of the memory: ADD, UPDATE, DELETE with old and new values."""
    return {"history": memory.memories.history(memory_id)}
