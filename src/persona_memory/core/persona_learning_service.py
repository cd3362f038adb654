"""Learning the persona's own memories from an ended session (privacy-safe
learning), after the user's facts have been learned.

The classifier (a model call, maybe) runs outside any transaction, on one
snapshot of the session; each memory kept is then written by
:meth:`PersonaFileService.add`, the one write path of the persona's scope,
so the PII firewall screens it again however it was produced.
"""

from __future__ import annotations

import logging

from persona_memory.core.learning_service import turns_of
from persona_memory.core.memories import MemoryQuery, MemoryRecord
from persona_memory.core.persona_file_service import (
    EVERYTHING,
    PersonaFileService,
    RuntimeMemoryCreate,
)
from persona_memory.core.persona_learning import (
    LEARNED_SOURCE,
    PersonaMemoryCandidate,
    PersonaMemoryClassifier,
    worth_storing,
)
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.privacy import PiiRejected
from persona_memory.core.relationship_service import require_relationship
from persona_memory.core.scope import Scope
from persona_memory.core.sessions import Session, SessionNotFound, SessionStatus

logger = logging.getLogger("persona_memory.persona_learning")

SESSION_ID = "session_id"  # the metadata key naming the session a memory was learned from


class PersonaLearningService:
    """What ended sessions teach a persona about itself, anonymised and kept as
    its own memories; reached as ``memory.persona_learning``."""

    def __init__(
        self,
        store: Store,
        classifier: PersonaMemoryClassifier,
        persona_memories: PersonaFileService,
        min_importance: int = 7,
    ) -> None:
        self._store = store
        self._classifier = classifier
        self._persona_memories = persona_memories
        self._min_importance = min_importance

    def learn_from_session(self, session_id: str) -> list[MemoryRecord]:
        """The persona's new memories from an ended session: anonymised, of
        importance ``min_importance`` or more, source ``learned``. A session
        learned from before gives nothing new; so does one whose user does not
        let the persona learn personal facts from them."""
        with self._store.read() as tx:
            session = _ended(tx, session_id)
            relationship = require_relationship(tx, session.persona_id, session.user_id)
            entries = tx.list_entries(session_id)
            done = _learned_from(tx, session)
        # Even anonymised, a pattern is learned from what the user said: their
        # "don't remember my personal facts" covers it.
        if done or not relationship.memory_config.remember_personal_facts or not entries:
            return []
        candidates = self._classifier.classify(turns_of(entries))
        kept = worth_storing(candidates, self._min_importance)
        stored = [self._store_one(session, candidate) for candidate in kept]
        return [record for record in stored if record is not None]

    def _store_one(
        self, session: Session, candidate: PersonaMemoryCandidate
    ) -> MemoryRecord | None:
        body = RuntimeMemoryCreate(
            text=candidate.text, category=candidate.category, importance=candidate.importance
        )
        try:
            return self._persona_memories.add(
                session.persona_id,
                body,
                source=LEARNED_SOURCE,
                metadata={SESSION_ID: session.id},
            )
        except PiiRejected as error:
            # Under ``shared_pii = reject`` a memory that still names someone is
            # left out; the others of the session are kept.
            logger.info(
                "persona %s: a learned memory was refused by the PII firewall (%s)",
                session.persona_id,
                ", ".join(sorted(error.found)),
            )
            return None


def _ended(tx: Transaction, session_id: str) -> Session:
    session = tx.get_session(session_id)
    if session is None:
        raise SessionNotFound(session_id)
    if session.status is not SessionStatus.ENDED:
        raise RuntimeError(f"session {session_id!r} is live: only an ended session is learned")
    return session


def _learned_from(tx: Transaction, session: Session) -> bool:
    query = MemoryQuery(scopes=(Scope.persona(session.persona_id),))
    return any(
        record.source == LEARNED_SOURCE and record.metadata.get(SESSION_ID) == session.id
        for record in tx.list_memories(query, limit=EVERYTHING)
    )
