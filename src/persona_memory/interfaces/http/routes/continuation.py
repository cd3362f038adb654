"""/v1/personas/{persona_id}/continuation: the continuation coordinator (seed 003)."""

from __future__ import annotations

from fastapi import APIRouter

from persona_memory.core.continuation import ContinuationDecision, ContinuationRequest
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["continuation"])


@router.post("/personas/{persona_id}/continuation")
def decide_continuation(
    persona_id: str, body: ContinuationRequest, memory: MemoryDep
) -> ContinuationDecision:
    """What the persona adds at this stage of its reply: `none`, a `question` or a
    `share` of one of its own memories. Call it with `stage: "reflex"` for the quick
    first bubble, then `"burst"` for the rest; the burst adds nothing when the
    reflex asked a question. See docs/continuation.md."""
    return memory.continuation.decide(persona_id, body)
