"""The continuation coordinator: one decision per stage of a reply,
with the conversation's state read, locked and written in one transaction.

The search for a memory to share runs first, in its own snapshot (the embedder
is the slow part and must not hold the lock); the matches are read again inside
the transaction, so a memory deleted or made unreferenceable meanwhile is not
shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from persona_memory.core.base import FROM_STORE, utcnow
from persona_memory.core.caller import ADMIN, Caller, Role
from persona_memory.core.continuation import (
    DEFAULT_SEED,
    SHARE_CANDIDATES,
    ContinuationDecision,
    ContinuationRequest,
    ConversationState,
    Dice,
    Turn,
    decide,
    is_relevant,
    templates,
)
from persona_memory.core.errors import Forbidden
from persona_memory.core.ids import check_persona_id
from persona_memory.core.memories import MemoryQuery, MemoryRecord
from persona_memory.core.persona_service import require_persona
from persona_memory.core.ports import Searcher, Store, Transaction
from persona_memory.core.scope import Scope, ScopeKind


class ContinuationService:
    """Whether a persona follows its reply with a question or something of its
    own to share; reached as ``memory.continuation``."""

    def __init__(self, store: Store, searcher: Searcher, *, seed: int = DEFAULT_SEED) -> None:
        self._store = store
        self._searcher = searcher
        self._seed = seed  # for requests that bring none

    def decide(
        self, persona_id: str, request: ContinuationRequest, *, caller: Caller = ADMIN
    ) -> ContinuationDecision:
        """What the persona adds at this stage of its reply: nothing, a question or
        a share of one of its own memories; at most one question a reply."""
        _check_caller(caller, check_persona_id(persona_id))
        now = utcnow()
        matches = self._matches(persona_id, request, now) if request.stage == "burst" else []
        seed = self._seed if request.seed is None else request.seed
        dice = Dice(seed, persona_id, request.conversation_id)
        with self._store.transaction() as tx:
            persona = require_persona(tx, persona_id)
            state = _locked_state(tx, persona_id, request.conversation_id)
            shareable = _current(tx, persona_id, matches, now)
            turn = Turn(persona.continuation, templates(persona.metadata), shareable)
            decision, after = decide(turn, state, request.stage, dice)
            stored = after.model_dump(mode="json")
            tx.put_continuation_state(persona_id, request.conversation_id, stored, now)
        return decision

    def _matches(self, persona_id: str, request: ContinuationRequest, now: datetime) -> list[str]:
        """Ids of the persona's own referenceable memories that match the message."""
        query = MemoryQuery(
            scopes=(Scope.persona(persona_id),), current_at=now, referenceable_only=True
        )
        hits = self._searcher.search(request.user_message, query, limit=SHARE_CANDIDATES)
        return [hit.id for hit in hits if is_relevant(hit)]


def _check_caller(caller: Caller, persona_id: str) -> None:
    """The admin decides for any persona; an agent only for the persona it is."""
    if caller.role is Role.ADMIN:
        return
    if caller.role is Role.AGENT and caller.persona_id == persona_id:
        return
    raise Forbidden(f"this caller may not continue as persona {persona_id!r}", field="persona_id")


def _locked_state(tx: Transaction, persona_id: str, conversation_id: str) -> ConversationState:
    """The conversation's state, locked until the transaction ends. A new
    conversation has no row to lock: its first call locks the persona instead,
    then reads again, so two first calls cannot both open reply 1."""
    raw = tx.get_continuation_state(persona_id, conversation_id, for_update=True)
    if raw is None:
        require_persona(tx, persona_id, for_update=True)
        raw = tx.get_continuation_state(persona_id, conversation_id, for_update=True)
    if raw is None:
        return ConversationState()
    return ConversationState.model_validate(raw, context=FROM_STORE)


def _current(
    tx: Transaction, persona_id: str, ids: Sequence[str], now: datetime
) -> list[MemoryRecord]:
    """The matched memories as they are now, in match order: still there, still
    the persona's, still referenceable and not expired."""
    found = {m.id: m for m in tx.get_memories(list(ids))} if ids else {}
    return [
        m
        for m in (found.get(memory_id) for memory_id in ids)
        if m is not None
        and m.scope == ScopeKind.PERSONA
        and m.persona_id == persona_id
        and m.can_reference
        and (m.valid_to is None or m.valid_to > now)
    ]
