"""Working memory: opening sessions, adding entries, ending them into episodes.

Ending with flush summarises and embeds outside the write transaction (the slow
part), then writes the episode, the stats and the transcript in one
transaction that first checks nothing was added meanwhile; if something was,
it summarises again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.digests import SessionDigest, Summarizer, Turn
from persona_memory.core.episodes import EPISODE_CATEGORY, EPISODE_SOURCE, Episode
from persona_memory.core.memories import MemoryCreate, new_record
from persona_memory.core.ports import Embedder, Embedding, Store, Transaction
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
from persona_memory.core.transcripts import (
    CallMetadata,
    ExtractedEntities,
    Transcript,
    TranscriptLine,
    TranscriptStore,
)

MAX_END_ATTEMPTS = 3
MAX_SUMMARY_CHARS = 16_000


@dataclass(frozen=True)
class _Archive:
    """What ending a session writes, computed from one snapshot of it."""

    entry_count: int
    last_entry_id: int | None
    digest: SessionDigest
    embedding: Embedding
    transcript: Transcript


class SessionService:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        summarizer: Summarizer,
        transcripts: TranscriptStore | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._summarizer = summarizer
        self._transcripts = transcripts

    # --- sessions -----------------------------------------------------------

    def start(self, data: SessionCreate, *, caller: Caller = ADMIN) -> Session:
        caller.check_relationship(data.persona_id, data.user_id)
        with self._store.transaction() as tx:
            now = utcnow()
            open_relationship(tx, data.persona_id, data.user_id, now)
            session = new_session(data, now)
            if not tx.insert_session(session):
                raise SessionExists(session.id)
        return session

    def get(self, session_id: str, *, caller: Caller = ADMIN) -> Session:
        with self._store.read() as tx:
            return _visible(tx, session_id, caller)

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
        return self._summarizer.summarize(_turns(entries))

    def end(self, session_id: str, *, flush: bool = True, caller: Caller = ADMIN) -> Episode | None:
        """End the session. With ``flush`` (and the user's ``remember_past_conversations``)
        it becomes an episode and a transcript; the relationship's stats move either way."""
        for _ in range(MAX_END_ATTEMPTS):
            archive = self._archive(session_id, caller) if flush else None
            with self._store.transaction() as tx:
                session = _live(tx, session_id, caller)
                entries = tx.list_entries(session_id)
                if archive is not None and not _unchanged(archive, entries):
                    continue  # entries arrived meanwhile: summarise them too
                return self._close(tx, session, entries, archive)
        raise SessionEnded(session_id)  # pragma: no cover - only under a flood of entries

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

    def _archive(self, session_id: str, caller: Caller) -> _Archive | None:
        with self._store.read() as tx:
            session = _live(tx, session_id, caller, lock=False)  # a read snapshot
            relationship = require_relationship(tx, session.persona_id, session.user_id)
            entries = tx.list_entries(session_id)
        if not relationship.memory_config.remember_past_conversations or not entries:
            return None
        digest = self._summarizer.summarize(_turns(entries))
        summary = digest.summary or entries[0].content[:200]
        digest = digest.model_copy(update={"summary": summary})
        vector = self._embedder.embed([summary])[0]
        ended_at = utcnow()
        return _Archive(
            entry_count=len(entries),
            last_entry_id=entries[-1].id,
            digest=digest,
            embedding=Embedding(self._embedder.model_name, vector),
            transcript=_transcript(session, entries, digest, ended_at),
        )

    def _close(
        self,
        tx: Transaction,
        session: Session,
        entries: list[Entry],
        archive: _Archive | None,
    ) -> Episode | None:
        now = utcnow()
        ended_at = archive.transcript.call_metadata.ended_at if archive else now
        seconds = duration_seconds(entries, session, ended_at)
        tx.update_session(
            session.model_copy(update={"status": SessionStatus.ENDED, "ended_at": ended_at})
        )
        relationship = require_relationship(tx, session.persona_id, session.user_id, lock=True)
        tx.update_relationship(with_session(relationship, seconds, ended_at))
        if archive is None:
            return None
        episode = _episode(session, entries, archive, seconds, now)
        record = new_record(
            MemoryCreate(
                text=episode.summary,
                persona_id=session.persona_id,
                user_id=session.user_id,
                category=EPISODE_CATEGORY,
                source=EPISODE_SOURCE,
                tags=episode.key_topics[:10],
                metadata={"session_id": session.id},
            ),
            now,
            MAX_SUMMARY_CHARS,
        )
        episode = episode.model_copy(update={"memory_id": record.id})
        tx.insert_memories([(record, archive.embedding)])
        tx.insert_episode(episode)
        if self._transcripts is not None:
            # Last, inside the transaction: if the file cannot be written nothing
            # is ended; if the commit fails, a retry overwrites the same file.
            self._transcripts.put(archive.transcript)
        return episode


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


def _unchanged(archive: _Archive, entries: list[Entry]) -> bool:
    last = entries[-1].id if entries else None
    return archive.entry_count == len(entries) and archive.last_entry_id == last


def _turns(entries: list[Entry]) -> list[Turn]:
    return [Turn(e.role, e.content, e.timeline, e.created_at) for e in entries]


def _episode(
    session: Session, entries: list[Entry], archive: _Archive, seconds: int, now: datetime
) -> Episode:
    digest = archive.digest
    return Episode(
        session_id=session.id,
        memory_id="",
        persona_id=session.persona_id,
        user_id=session.user_id,
        agent=session.persona_id,
        summary=digest.summary,
        key_topics=digest.key_topics,
        decisions=digest.decisions,
        action_items=digest.action_items,
        emotional_tone=digest.emotional_tone,
        entry_count=len(entries),
        timeline_count=len({entry.timeline for entry in entries}),
        duration=seconds,
        started_at=session.started_at,
        ended_at=archive.transcript.call_metadata.ended_at,
        created_at=now,
    )


def _transcript(
    session: Session, entries: list[Entry], digest: SessionDigest, ended_at: datetime
) -> Transcript:
    """The verbatim session in the seed's transcript format."""
    started_at = session.started_at
    return Transcript(
        call_id=session.id,
        user_id=session.user_id,
        persona_id=session.persona_id,
        call_metadata=CallMetadata(
            started_at=started_at,
            ended_at=ended_at,
            duration_seconds=max(0, round((ended_at - started_at).total_seconds())),
        ),
        full_transcript=[
            TranscriptLine(
                speaker=e.role, text=e.content, timestamp=e.created_at, timeline=e.timeline
            )
            for e in entries
        ],
        extracted_entities=ExtractedEntities(
            people_mentioned=digest.people_mentioned,
            topics=digest.key_topics,
            emotions=digest.emotions,
            decisions_made=digest.decisions,
        ),
        tags=digest.key_topics[:10],
    )
