"""/v1/sessions (working memory) and /v1/episodes (episodic memory)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import Field

from persona_memory.core.base import MAX_QUERY_CHARS, Model
from persona_memory.core.digests import SessionDigest
from persona_memory.core.episodes import Episode, EpisodeHit
from persona_memory.core.ids import PERSONA_ID_PATTERN, USER_ID_PATTERN
from persona_memory.core.sessions import (
    Entry,
    EntryCreate,
    Session,
    SessionContext,
    SessionCreate,
    SessionEnd,
)
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["sessions"])
Text = Annotated[str | None, Query(max_length=MAX_QUERY_CHARS)]
# Bounded like the column: 2^63 overflowed SQLite's integer (a 500).
EntryId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Ended(Model):
    session: Session
    episode: Episode | None = Field(description="null without flush, or when not remembered")


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def start_session(body: SessionCreate, memory: MemoryDep) -> Session:
    """A live session of one relationship (created on first use, like a memory's)."""
    return memory.sessions.start(body)


@router.get("/sessions/{session_id}")
def get_session(session_id: str, memory: MemoryDep) -> Session:
    return memory.sessions.get(session_id)


@router.post("/sessions/{session_id}/entries", status_code=status.HTTP_201_CREATED)
def add_entry(session_id: str, body: EntryCreate, memory: MemoryDep) -> Entry:
    """409 `session_ended` once the session has ended."""
    return memory.sessions.add_entries(session_id, [body])[0]


@router.get("/sessions/{session_id}/entries")
def list_entries(
    session_id: str,
    memory: MemoryDep,
    timeline: Annotated[str | None, Query(max_length=64)] = None,
    q: Text = None,
) -> dict[str, list[Entry]]:
    """In order; `timeline` keeps one timeline, `q` only entries sharing its words."""
    return {"entries": memory.sessions.entries(session_id, timeline=timeline, query=q)}


@router.delete("/sessions/{session_id}/entries/{entry_id}", status_code=204)
def delete_entry(session_id: str, entry_id: EntryId, memory: MemoryDep) -> Response:
    memory.sessions.delete_entry(session_id, entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sessions/{session_id}/context")
def get_context(session_id: str, memory: MemoryDep) -> SessionContext:
    return memory.sessions.get(session_id).current_context


@router.patch("/sessions/{session_id}/context")
def patch_context(session_id: str, body: SessionContext, memory: MemoryDep) -> SessionContext:
    """Set the fields given (null clears one); the others are kept."""
    return memory.sessions.set_context(session_id, body).current_context


@router.post("/sessions/{session_id}/summarize")
def summarize(session_id: str, memory: MemoryDep) -> SessionDigest:
    """A summary of the session as it is now; nothing is stored."""
    return memory.sessions.summarize(session_id)


@router.post("/sessions/{session_id}/end")
def end_session(session_id: str, memory: MemoryDep, body: SessionEnd | None = None) -> Ended:
    """End it; with `flush` (default) it becomes an episode and a transcript."""
    flush = True if body is None else body.flush
    episode = memory.sessions.end(session_id, flush=flush)
    return Ended(session=memory.sessions.get(session_id), episode=episode)


@router.get("/personas/{persona_id}/relationships/{user_id}/sessions")
def relationship_sessions(
    persona_id: str, user_id: str, memory: MemoryDep
) -> dict[str, list[Session]]:
    """The relationship's sessions, live and ended, newest first; 404 if it does not
    exist."""
    return {"sessions": memory.sessions.of_relationship(persona_id, user_id)}


@router.get("/personas/{persona_id}/relationships/{user_id}/episodes", tags=["episodes"])
def relationship_episodes(
    persona_id: str,
    user_id: str,
    memory: MemoryDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, list[Episode]]:
    """The relationship's latest episodes (ended sessions it learned from), newest first."""
    return {"episodes": memory.episodes.recent(persona_id, user_id, limit=limit)}


@router.get("/episodes/search", tags=["episodes"])
def search_episodes(
    memory: MemoryDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    persona_id: Annotated[str, Query(pattern=PERSONA_ID_PATTERN)],
    user_id: Annotated[str, Query(pattern=USER_ID_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, list[EpisodeHit]]:
    """Past sessions of one relationship, best first."""
    return {"results": memory.episodes.search(q, persona_id, user_id, limit=limit)}


@router.post("/episodes/{session_id}/rehydrate", tags=["episodes"], status_code=201)
def rehydrate(session_id: str, memory: MemoryDep, summary_only: bool = False) -> Session:
    """A new live session with the episode's entries (or only its summary)."""
    return memory.episodes.rehydrate(session_id, summary_only=summary_only)
