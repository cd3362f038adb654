"""Working memory: opening sessions, adding entries, ending them.

Ending moves the relationship's stats and, with flush, queues a learning job
in the same transaction (core/learning_service.py turns the session into an
episode, a transcript and facts, exactly once). Inline learning runs that job
before ``end`` returns; with a worker, the worker does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.digests import SessionDigest, Summarizer
from persona_memory.core.episodes import Episode
from persona_memory.core.jobs import LEARN
from persona_memory.core.learning_service import LearningService, turns_of
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.relationship_service import open_relationship, require_relationship
from persona_memory.core.relationships import with_session
from persona_memory.core.sessions import (
    Entry,
    EntryCreate,
    EntryNotFound,
    Session,
    SessionContext,
    SessionCreate,
    SessionEnded,
    SessionExists,
    SessionNotFound,
    SessionStatus,
    duration_seconds,
    entry_matches,
    new_session,
)


class SessionService:
    """Sessions, live conversations; reached as ``memory.sessions``. Ending one
    learns from it and leaves an episode."""

    def __init__(
        self, store: Store, summarizer: Summarizer, learning: LearningService | None = None
    ) -> None:
        """``learning``: run the learning job inline when a session ends (None:
        leave it to a worker)."""
        self._store = store
        self._summarizer = summarizer
        self._learning = learning

    # --- sessions -----------------------------------------------------------

    def start(self, data: SessionCreate, *, caller: Caller = ADMIN) -> Session:
        """Start a live session of a persona with a user (their relationship opens
        if it is new)."""
        caller.check_relationship(data.persona_id, data.user_id)
        with self._store.transaction() as tx:
            now = utcnow()
            open_relationship(tx, data.persona_id, data.user_id, now)
            session = new_session(data, now)
            if not tx.insert_session(session):
                raise SessionExists(session.id)
        return session

    def get(self, session_id: str, *, caller: Caller = ADMIN) -> Session:
        """The session, live or ended."""
        with self._store.read() as tx:
            return _visible(tx, session_id, caller)

    def of_relationship(
        self, persona_id: str, user_id: str, *, caller: Caller = ADMIN
    ) -> list[Session]:
        """The relationship's sessions, live and ended, newest first."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            require_relationship(tx, persona_id, user_id)
            found = [tx.get_session(i) for i in tx.list_sessions(persona_id, user_id)]
        return sorted((s for s in found if s is not None), key=lambda s: s.started_at, reverse=True)

    def set_context(
        self, session_id: str, changes: SessionContext, *, caller: Caller = ADMIN
    ) -> Session:
        """Change the fields of the current context that ``changes`` sets."""
        with self._store.transaction() as tx:
            session = _live(tx, session_id, caller)
            context = session.current_context.model_copy(
                update=changes.model_dump(exclude_unset=True)
            )
            updated = session.model_copy(
                update={"current_context": context, "last_activity_at": utcnow()}
            )
            tx.update_session(updated)
        return updated

    # --- entries ------------------------------------------------------------

    def add_entries(
        self, session_id: str, entries: Sequence[EntryCreate], *, caller: Caller = ADMIN
    ) -> list[Entry]:
        """Add entries (the conversation's messages) to a live session, in order."""
        with self._store.transaction() as tx:
            session = _live(tx, session_id, caller)
            now = utcnow()
            rows = [{**entry.model_dump(), "created_at": now} for entry in entries]
            added = tx.insert_entries(session, rows)
            tx.update_session(session.model_copy(update={"last_activity_at": now}))
        return added

    def entries(
        self,
        session_id: str,
        *,
        timeline: str | None = None,
        query: str | None = None,
        caller: Caller = ADMIN,
    ) -> list[Entry]:
        """In order; with ``query``, only entries sharing its words, best first."""
        with self._store.read() as tx:
            _visible(tx, session_id, caller)
            found = tx.list_entries(session_id, timeline)
        if not query:
            return found
        scored = [(entry_matches(entry, query), entry) for entry in found]
        return [entry for score, entry in sorted(scored, key=lambda s: -s[0]) if score > 0]

    def delete_entry(self, session_id: str, entry_id: int, *, caller: Caller = ADMIN) -> None:
        """Delete one entry of a live session."""
        with self._store.transaction() as tx:
            _live(tx, session_id, caller)
            if not tx.delete_entry(session_id, entry_id):
                raise EntryNotFound(session_id, entry_id)

    # --- summaries and ending -------------------------------------------------

    def summarize(self, session_id: str, *, caller: Caller = ADMIN) -> SessionDigest:
        """A summary of the session as it is now; nothing is stored."""
        with self._store.read() as tx:
            _visible(tx, session_id, caller)
            entries = tx.list_entries(session_id)
        return self._summarizer.summarize(turns_of(entries))

    def end(self, session_id: str, *, flush: bool = True, caller: Caller = ADMIN) -> Episode | None:
        """End the session; the relationship's stats move. With ``flush`` a learning
        job is queued in the same transaction (the session becomes an episode, a
        transcript and facts); inline, it runs now and its episode is returned."""
        with self._store.transaction() as tx:
            session = _live(tx, session_id, caller)
            entries = tx.list_entries(session_id)
            now = utcnow()
            tx.update_session(
                session.model_copy(update={"status": SessionStatus.ENDED, "ended_at": now})
            )
            relationship = require_relationship(tx, session.persona_id, session.user_id, lock=True)
            seconds = duration_seconds(entries, session, now)
            tx.update_relationship(with_session(relationship, seconds, now))
            job_id = tx.enqueue_job(LEARN, session.id, session.user_id, now) if flush else None
        if job_id is None or self._learning is None:
            return None  # a worker learns from it (persona-memory worker)
        return self._learning.learn_session(session_id, job_id=job_id)

    def end_idle(self, idle_for: timedelta, *, limit: int = 100) -> list[str]:
        """End (with flush) live sessions idle for ``idle_for``; their ids."""
        with self._store.read() as tx:
            idle = tx.idle_sessions(utcnow() - idle_for, limit)
        ended = []
        for session_id in idle:
            try:
                self.end(session_id, flush=True)
            except SessionEnded:
                continue  # ended by someone else meanwhile
            ended.append(session_id)
        return ended


def _visible(tx: Transaction, session_id: str, caller: Caller, *, lock: bool = False) -> Session:
    session = tx.get_session(session_id, for_update=lock)
    if session is None:
        raise SessionNotFound(session_id)
    caller.check_relationship(session.persona_id, session.user_id)
    return session


def _live(tx: Transaction, session_id: str, caller: Caller, *, lock: bool = True) -> Session:
    """The session, locked for this transaction (unless read-only); 409 if it has ended."""
    session = _visible(tx, session_id, caller, lock=lock)
    if session.status is SessionStatus.ENDED:
        raise SessionEnded(session_id)
    return session
