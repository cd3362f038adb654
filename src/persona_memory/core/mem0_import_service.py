"""Importing mem0's memories (core/mem0_import.py): all of a file in one
transaction, shared-scope memories through the PII firewall, and nothing twice
(a memory keeps mem0's id, so a second import finds it there)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import Field

from persona_memory.core.base import Model, utcnow
from persona_memory.core.mem0_import import Mapped, Mem0Memory, mapped, session_id_for
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.personas import Persona
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.privacy import Redaction
from persona_memory.core.privacy_service import PrivacyFirewall
from persona_memory.core.profile_migration import DEFAULT_PERSONA
from persona_memory.core.relationship_service import open_relationship
from persona_memory.core.sessions import Session, SessionStatus


class Mem0ImportReport(Model):
    memories: int = Field(description="mem0 memories in the file")
    added: dict[str, int] = Field(description="memories written, per scope")
    unchanged: int = Field(description="already imported")
    personas_created: list[str] = Field(description="agent ids that became personas")
    users: int = Field(description="distinct user ids")
    relationships: int = Field(description="distinct (agent, user) pairs")
    sessions_created: int = Field(description="mem0 runs that became sessions")
    redacted: int = Field(default=0, description="shared-scope memories anonymised")
    embedded: int = 0


class Mem0ImportService:
    """Memories exported from mem0, imported; reached as ``memory.mem0``."""

    def __init__(self, store: Store, firewall: PrivacyFirewall, reindex: Callable[[], int]) -> None:
        self._store = store
        self._firewall = firewall
        self._reindex = reindex

    def import_memories(
        self, items: Sequence[Mem0Memory], *, persona_id: str = DEFAULT_PERSONA
    ) -> Mem0ImportReport:
        """``persona_id``: for memories with a user but no agent."""
        now = utcnow()
        records = [mapped(item, persona_id, now) for item in items]
        screened = [self._firewall.memory(m.record, now) for m in records]
        records = [Mapped(s.record, m.session_id) for s, m in zip(screened, records, strict=True)]
        with self._store.transaction() as tx:
            created = _personas(tx, records, now)
            sessions = _relationships_and_sessions(tx, records, now)
            there = {r.id for r in tx.get_memories([m.record.id for m in records])}
            fresh = [m.record for m in records if m.record.id not in there]
            tx.insert_memories([(record, None) for record in _linked(fresh, records)])
            written = {r.id for r in fresh}
            redactions: list[Redaction] = [
                r.model_copy(update={"source": "mem0"})
                for s in screened
                for r in s.redactions
                if r.target_id in written
            ]
            tx.record_redactions(redactions)
        pairs = {(m.record.persona_id, m.record.user_id) for m in records if m.record.user_id}
        return Mem0ImportReport(
            memories=len(items),
            added=dict(Counter(str(r.scope) for r in fresh)),
            unchanged=len(records) - len(fresh),
            personas_created=created,
            users=len({user for _, user in pairs}),
            relationships=len(pairs),
            sessions_created=sessions,
            redacted=len({r.target_id for r in redactions}),
            embedded=self._reindex() if fresh else 0,
        )


def _personas(tx: Transaction, records: list[Mapped], now: datetime) -> list[str]:
    created = []
    for persona_id in sorted({m.record.persona_id for m in records if m.record.persona_id}):
        name = persona_id.replace("_", " ").title()
        persona = Persona(id=persona_id, name=name, created_at=now, updated_at=now)
        if tx.insert_persona(persona):
            created.append(persona_id)
    return created


def _relationships_and_sessions(tx: Transaction, records: list[Mapped], now: datetime) -> int:
    """Each (agent, user) pair's relationship, and an ended session per mem0 run
    spanning its memories' times. Returns the sessions created."""
    runs: dict[tuple[str, str, str], list[MemoryRecord]] = {}
    for m in records:
        record = m.record
        if record.user_id is None or record.persona_id is None:
            continue
        open_relationship(tx, record.persona_id, record.user_id, now)
        if m.session_id is not None:
            runs.setdefault((record.persona_id, record.user_id, m.session_id), []).append(record)
    created = 0
    for (persona_id, user_id, run_id), members in runs.items():
        first = min(r.created_at for r in members)
        last = max(r.updated_at for r in members)
        session = Session(
            id=session_id_for(run_id),
            persona_id=persona_id,
            user_id=user_id,
            status=SessionStatus.ENDED,
            metadata={"mem0_run_id": run_id},
            started_at=first,
            last_activity_at=last,
            ended_at=last,
            memory_extracted=True,
        )
        created += bool(tx.insert_session(session))
    return created


def _linked(fresh: list[MemoryRecord], records: list[Mapped]) -> list[MemoryRecord]:
    """Each memory names the session its mem0 run became."""
    runs = {m.record.id: m.session_id for m in records}
    linked = []
    for record in fresh:
        run = runs.get(record.id)
        if run is not None and record.user_id is not None:
            metadata = {**record.metadata, "session_id": session_id_for(run)}
            record = record.model_copy(update={"metadata": metadata})
        linked.append(record)
    return linked
