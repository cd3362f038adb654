"""Timing a shared-block append through the PII firewall, beside the same append
to a private block (which the firewall leaves alone), in one store and one run."""

from __future__ import annotations

import time

from persona_memory.core.personas import PersonaCreate
from persona_memory.core.relationships import RelationshipUpdate
from persona_memory.memory import Memory

HANDLE = "qsr_real_estate"
LESSONS = (
    "Users in QSR prefer trade-area maps over tables",
    "Ask Maria Lopez at maria.lopez@example.com before changing the drive-time bands",
    "Franchise owners want weekly foot-traffic deltas, not monthly summaries",
    "Call +1 415 555 0199 if the Acme Corp export fails again",
)


def append_timings(memory: Memory, n: int) -> dict[str, list[float]]:
    """Milliseconds per append, ``n`` each, to the shared experience block and to the
    private ``human`` block, interleaved so that both see the same machine."""
    memory.personas.create(PersonaCreate(id="bench", name="Bench"))
    memory.user_personas.join("alice", HANDLE)
    memory.relationships.put("bench", "alice", RelationshipUpdate())
    memory.blocks.append("bench", "alice", f"{HANDLE}_service_experience", "warm-up")
    timings: dict[str, list[float]] = {"shared": [], "private": []}
    for i in range(n):
        text = LESSONS[i % len(LESSONS)]
        for kind, label in (("shared", f"{HANDLE}_service_experience"), ("private", "human")):
            if i % 20 == 0:  # keep the blocks under their limit
                memory.blocks.set_value("bench", "alice", label, "")
            started = time.perf_counter()
            memory.blocks.append("bench", "alice", label, text)
            timings[kind].append((time.perf_counter() - started) * 1000)
    return timings
