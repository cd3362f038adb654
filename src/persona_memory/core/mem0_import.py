"""mem0's memories (what ``Memory.get_all()`` returns, or its export) as ours.

mem0 keys each memory by ``user_id``, ``agent_id`` and ``run_id``; we map
agent → persona, user → user, run → session, and keep mem0's own id (our
memory id when it is a UUID, as mem0's are) and fields in the metadata:

- agent and user: a memory of their relationship;
- agent only: the persona's own memory (a shared scope: the PII firewall applies);
- user only: a memory of the user's relationship with the fallback persona;
- neither: a global memory (shared too).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, ValidationError

from persona_memory.core.base import Model
from persona_memory.core.errors import InvalidInput
from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.scope import ScopeKind

MEM0_SOURCE = "mem0"
_IDS = uuid.UUID("0f9b3a52-7c61-4c1e-8f0e-3d2b6a1c0de0")  # for mem0 ids that are not UUIDs


class Mem0Memory(Model, extra="allow"):
    id: str
    memory: str = Field(min_length=1)
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    metadata: dict[str, Any] | None = None
    hash: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Mem0FileInvalid(InvalidInput):
    code = "mem0_file_invalid"


def read_mem0(text: str) -> list[Mem0Memory]:
    """A JSON list, ``{"results": [...]}`` (``get_all()`` since v1.1),
    ``{"memories": [...]}``, or JSON Lines of memories."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        data = _json_lines(text)
    if isinstance(data, dict):
        data = data.get("results", data.get("memories"))
    if not isinstance(data, list):
        raise Mem0FileInvalid('expected a list of memories, or {"results": [...]}')
    found = []
    for index, item in enumerate(data):
        try:
            found.append(Mem0Memory.model_validate(item))
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise Mem0FileInvalid(f"memory {index}: {where}: {problem['msg']}") from None
    return found


def _json_lines(text: str) -> list[Any]:
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise Mem0FileInvalid(f"not JSON or JSON Lines: {error.msg}") from None


@dataclass(frozen=True, slots=True)
class Mapped:
    record: MemoryRecord
    session_id: str | None  # the mem0 run it came from


def mapped(item: Mem0Memory, fallback_persona: str, now: datetime) -> Mapped:
    persona = check_persona_id(item.agent_id, "agent_id") if item.agent_id else None
    user = check_user_id(item.user_id) if item.user_id else None
    if user is not None and persona is None:
        persona = fallback_persona
    scope = _scope(persona, user)
    created = item.created_at or now
    metadata = {**(item.metadata or {}), "mem0": _mem0_fields(item)}
    record = MemoryRecord(
        id=_our_id(item.id),
        text=item.memory,
        scope=scope,
        persona_id=persona,
        user_id=user,
        category=None,
        tags=[],
        importance=5,
        metadata=metadata,
        source=MEM0_SOURCE,
        created_at=created,
        updated_at=item.updated_at or created,
    )
    return Mapped(record, item.run_id)


def _scope(persona: str | None, user: str | None) -> ScopeKind:
    if user is not None:
        return ScopeKind.RELATIONSHIP
    return ScopeKind.PERSONA if persona is not None else ScopeKind.GLOBAL


def _mem0_fields(item: Mem0Memory) -> dict[str, Any]:
    """mem0's own ids and fields, so nothing of the source is lost."""
    fields = {"id": item.id, "user_id": item.user_id, "agent_id": item.agent_id}
    fields |= {"run_id": item.run_id, "hash": item.hash, **(item.model_extra or {})}
    return {k: v for k, v in fields.items() if v is not None}


def _our_id(mem0_id: str) -> str:
    try:
        return str(uuid.UUID(mem0_id))
    except ValueError:
        return str(uuid.uuid5(_IDS, mem0_id))


def session_id_for(run_id: str) -> str:
    """Our session id for a mem0 run (ids of either kind may contain anything)."""
    return f"mem0_{uuid.uuid5(_IDS, run_id).hex[:16]}"
