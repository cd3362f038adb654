"""Learning from an ended session or a raw conversation (post-call
processing): summarise, extract candidate facts, consolidate them into the
relationship's memories.

The slow parts (the model calls, embedding, searching for neighbours) run
before the write transaction opens, from one snapshot; the transaction then
checks that nothing it is about to change moved meanwhile (else it plans
again) and writes the episode, the transcript, every fact, the session's
``memory_extracted`` flag and the job's ``done`` together. Whatever kills the
process before that commit leaves nothing behind, and the job is run again;
after it, the flag makes another run a no-op: exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.decay import Decay
from persona_memory.core.digests import SessionDigest, Summarizer, Turn
from persona_memory.core.episodes import EPISODE_CATEGORY, EPISODE_SOURCE, Episode
from persona_memory.core.jobs import Job, JobStatus, claimable, claimed, failed, finished
from persona_memory.core.learning import (
    FACT_SOURCE,
    Candidate,
    Decision,
    Event,
    Extractor,
    IngestRequest,
    LearningEvent,
    decide,
    deduplicated,
    fact_context,
    fact_metadata,
    fact_tags,
    merged_text,
    message_turns,
    slot_tag,
)
from persona_memory.core.memories import (
    HistoryEvent,
    MemoryCreate,
    MemoryQuery,
    MemoryRecord,
    new_record,
)
from persona_memory.core.ports import (
    Embedder,
    Embedding,
    Searcher,
    Store,
    Transaction,
    Vectors,
)
from persona_memory.core.relationship_service import open_relationship, require_relationship
from persona_memory.core.scope import Scope
from persona_memory.core.sessions import (
    Entry,
    Session,
    SessionNotFound,
    SessionStatus,
    duration_seconds,
)
from persona_memory.core.transcripts import (
    CallMetadata,
    ExtractedEntities,
    Transcript,
    TranscriptLine,
    TranscriptStore,
)

logger = logging.getLogger("persona_memory.learning")

# Each round at least one concurrent learner of the relationship commits, so
# this many learners of one relationship ending at once all get through.
MAX_PLAN_ATTEMPTS = 8
MAX_SUMMARY_CHARS = 16_000
NEIGHBOURS = 5


@dataclass(frozen=True)
class _Step:
    """One decision, with the records it writes (computed before the transaction)."""

    decision: Decision
    new: MemoryRecord | None = None  # ADD / SUPERSEDE: the fact to insert
    embedding: Embedding | None = None


@dataclass
class _Plan:
    steps: list[_Step] = field(default_factory=list)


@dataclass(frozen=True)
class _Archive:
    digest: SessionDigest
    embedding: Embedding
    transcript: Transcript


class LearningService:
    """Learning; reached as ``memory.learning``: the facts users state, from
    ended sessions and raw messages, extracted, scored and consolidated, and
    the jobs a worker runs."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        searcher: Searcher,
        summarizer: Summarizer,
        extractor: Extractor,
        transcripts: TranscriptStore | None = None,
        *,
        min_importance: int = 4,
        decay: Decay | None = None,
        on_learned: Callable[[str], object] | None = None,
    ) -> None:
        """``on_learned`` is called with a session's id once its learning has
        committed (persona learning hangs here); what it raises is logged."""
        self._store = store
        self._embedder = embedder
        self._searcher = searcher
        self._summarizer = summarizer
        self._extractor = extractor
        self._transcripts = transcripts
        self._min_importance = min_importance
        self._decay = decay or Decay()
        self._on_learned = on_learned

    # --- sessions -----------------------------------------------------------

    def learn_session(self, session_id: str, *, job_id: int | None = None) -> Episode | None:
        """Archive an ended session and learn from it, once. Its episode (None when
        the user keeps no past conversations, or when it is empty)."""
        for _ in range(MAX_PLAN_ATTEMPTS):
            with self._store.read() as tx:
                session = _ended(tx, session_id)
                relationship = require_relationship(tx, session.persona_id, session.user_id)
                entries = tx.list_entries(session_id)
            if session.memory_extracted:
                self._finish(job_id)
                return self._episode_of(session_id)
            config = relationship.memory_config
            turns = turns_of(entries)
            archive = (
                self._archive(session, entries, turns)
                if config.remember_past_conversations and entries
                else None
            )
            candidates = self._extractor.extract(turns) if config.remember_personal_facts else []
            plan = self._plan(
                session.persona_id, session.user_id, candidates, turns, entries, session.id
            )
            with self._store.transaction() as tx:
                current = _ended(tx, session_id, lock=True)
                # One learner per relationship at a time: the checks below hold.
                require_relationship(tx, session.persona_id, session.user_id, lock=True)
                if current.memory_extracted:
                    _finish_in(tx, job_id)
                    return None
                if not _still_current(tx, plan):
                    continue  # a fact it touches changed meanwhile: plan again
                episode = self._write_archive(tx, current, entries, archive)
                events = _apply(tx, plan, utcnow())
                tx.update_session(
                    current.model_copy(update={"memory_extracted": True, "extracted_facts": events})
                )
                _finish_in(tx, job_id)
            self._learned(session_id)
            return episode
        raise RuntimeError(f"session {session_id!r}: its facts kept changing while learning")

    def _learned(self, session_id: str) -> None:
        if self._on_learned is None:
            return
        try:
            self._on_learned(session_id)
        except Exception:
            # The user's facts are already learned: a hook's failure must not
            # turn that into an error (or a retried job).
            logger.exception("after learning session %s, on_learned failed", session_id)

    def _episode_of(self, session_id: str) -> Episode | None:
        with self._store.read() as tx:
            found = tx.get_episodes([session_id])
        return found[0] if found else None

    def _archive(self, session: Session, entries: list[Entry], turns: list[Turn]) -> _Archive:
        digest = self._summarizer.summarize(turns)
        summary = digest.summary or entries[0].content[:200]
        digest = digest.model_copy(update={"summary": summary})
        vector = self._embedder.embed([summary])[0]
        ended_at = session.ended_at or utcnow()
        return _Archive(
            digest=digest,
            embedding=Embedding(self._embedder.model_name, vector),
            transcript=_transcript(session, entries, digest, ended_at),
        )

    def _write_archive(
        self, tx: Transaction, session: Session, entries: list[Entry], archive: _Archive | None
    ) -> Episode | None:
        if archive is None:
            return None
        now = utcnow()
        episode = _episode(session, entries, archive, now)
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
            # is learned; if the commit fails, a retry overwrites the same file.
            self._transcripts.put(archive.transcript)
        return episode

    # --- raw conversations ---------------------------------------------------

    def ingest(self, request: IngestRequest, *, caller: Caller = ADMIN) -> list[LearningEvent]:
        """Extract and consolidate facts from messages outside any session."""
        caller.check_relationship(request.persona_id, request.user_id)
        with self._store.transaction() as tx:
            relationship = open_relationship(tx, request.persona_id, request.user_id, utcnow())
        if not relationship.memory_config.remember_personal_facts:
            return []
        turns = message_turns(request.messages)
        candidates = self._extractor.extract(turns)
        for _ in range(MAX_PLAN_ATTEMPTS):
            plan = self._plan(request.persona_id, request.user_id, candidates, turns, [], None)
            with self._store.transaction() as tx:
                require_relationship(tx, request.persona_id, request.user_id, lock=True)
                if _still_current(tx, plan):
                    return _apply(tx, plan, utcnow())
        raise RuntimeError("the relationship's facts kept changing while ingesting")

    # --- facts --------------------------------------------------------------

    def facts(
        self, persona_id: str, user_id: str, *, limit: int = 50, caller: Caller = ADMIN
    ) -> list[MemoryRecord]:
        """The relationship's current facts (not episodes), most important first
        by effective importance: what a prompt of ``limit`` facts would carry."""
        caller.check_relationship(persona_id, user_id)
        now = utcnow()
        query = MemoryQuery(scopes=(Scope.for_owner(persona_id, user_id),), current_at=now)
        with self._store.read() as tx:
            found = tx.list_memories(query, limit=10_000)
        facts = [m for m in found if m.category != EPISODE_CATEGORY]
        facts.sort(key=lambda m: (-self._decay.effective_importance(m, now), m.id))
        return facts[:limit]

    # --- jobs ---------------------------------------------------------------

    def run_next_job(self, worker: str, lease: timedelta) -> Job | None:
        """Claim the oldest claimable job and run it; the job as it ended (None:
        nothing to do). An error puts it back for another try."""
        with self._store.transaction() as tx:
            now = utcnow()
            job = tx.next_job(now)
            if job is None or not claimable(job, now):
                return None
            job = claimed(job, worker, now, lease)
            tx.update_job(job)
        try:
            self.learn_session(job.session_id, job_id=job.id)
        except SessionNotFound:
            pass  # erased meanwhile: its job went with it
        except Exception as error:
            logger.exception("learning job %s failed", job.id)
            with self._store.transaction() as tx:
                tx.update_job(failed(job, repr(error), utcnow()))
            return failed(job, repr(error), utcnow())
        return finished(job, utcnow())

    def count_jobs(self, status: JobStatus) -> int:
        """How many learning jobs are in ``status``."""
        with self._store.read() as tx:
            return tx.count_jobs(status)

    def _finish(self, job_id: int | None) -> None:
        if job_id is not None:
            with self._store.transaction() as tx:
                _finish_in(tx, job_id)

    # --- planning -----------------------------------------------------------

    def _plan(
        self,
        persona_id: str,
        user_id: str,
        candidates: Sequence[Candidate],
        turns: Sequence[Turn],
        entries: Sequence[Entry],
        session_id: str | None,
    ) -> _Plan:
        kept = [c for c in deduplicated(candidates) if c.importance >= self._min_importance]
        if not kept:
            return _Plan()
        vectors = self._embedder.embed([c.text for c in kept])
        model = self._embedder.model_name
        scope = Scope.for_owner(persona_id, user_id)
        now = utcnow()
        plan, planned = _Plan(), list[MemoryRecord]()
        for candidate, vector in zip(kept, vectors, strict=True):
            current = self._neighbours(candidate, vector, scope, now)
            decision = decide(candidate, current + planned)
            if decision.target is not None and decision.target in planned:
                continue  # said twice in this conversation: the first one stands
            embedding = Embedding(model, vector)
            new = None
            if decision.event in (Event.ADD, Event.SUPERSEDE):
                new = _fact_record(candidate, persona_id, user_id, now, entries, session_id, turns)
                if decision.target is not None:
                    new = new.model_copy(update={"supersedes": decision.target.id})
                planned.append(new)
            plan.steps.append(_Step(decision, new, embedding))
        return plan

    def _neighbours(
        self, candidate: Candidate, vector: Vectors, scope: Scope, now: datetime
    ) -> list[MemoryRecord]:
        """The current facts a candidate may repeat or contradict: those of its
        slot, and the nearest by hybrid search."""
        query = MemoryQuery(scopes=(scope,), current_at=now)
        found: dict[str, MemoryRecord] = {}
        if candidate.slot is not None:
            slotted = MemoryQuery(scopes=(scope,), tags=(slot_tag(candidate.slot),), current_at=now)
            with self._store.read() as tx:
                found |= {m.id: m for m in tx.list_memories(slotted, limit=NEIGHBOURS)}
        hits = self._searcher.search_embedded(candidate.text, vector, query, limit=NEIGHBOURS)
        found |= {hit.id: hit.record() for hit in hits}
        return [m for m in found.values() if m.category != EPISODE_CATEGORY]


# --- writing a plan ----------------------------------------------------------


def _still_current(tx: Transaction, plan: _Plan) -> bool:
    """Every fact the plan touches is as it was planned against, locked; and no
    slot it fills for the first time was filled meanwhile (by a session of the
    same relationship ending at the same moment)."""
    for step in plan.steps:
        target = step.decision.target
        if step.decision.event is Event.ADD:
            if step.new is not None and _slot_filled(tx, step.new, step.decision.candidate):
                return False
            continue
        if target is None:
            continue
        now_is = tx.get_memory(target.id, for_update=True)
        if now_is is None or now_is.updated_at != target.updated_at or now_is.valid_to:
            return False
    return True


def _slot_filled(tx: Transaction, new: MemoryRecord, candidate: Candidate) -> bool:
    if candidate.slot is None:
        return False
    query = MemoryQuery(scopes=(new.owner,), tags=(slot_tag(candidate.slot),), current_at=utcnow())
    return bool(tx.list_memories(query, limit=1))


def _apply(tx: Transaction, plan: _Plan, now: datetime) -> list[LearningEvent]:
    events = []
    for step in plan.steps:
        decision, target = step.decision, step.decision.target
        if decision.event is Event.ADD:
            assert step.new is not None
            tx.insert_memories([(step.new, step.embedding)])
            events.append(_event(decision, step.new))
        elif decision.event is Event.SUPERSEDE:
            assert step.new is not None and target is not None
            tx.insert_memories([(step.new, step.embedding)])
            closed = target.model_copy(
                update={
                    "valid_to": _closing_time(target, now),
                    "superseded_by": step.new.id,
                    "updated_at": now,
                }
            )
            tx.update_memory(target, closed, None, HistoryEvent.SUPERSEDE)
            events.append(_event(decision, step.new, previous=target))
        elif decision.event is Event.UPDATE:
            assert target is not None
            updated = _merged(target, decision.candidate, now)
            embedding = step.embedding if updated.text != target.text else None
            tx.update_memory(target, updated, embedding)
            events.append(_event(decision, updated))
        else:
            assert target is not None
            tx.reinforce_memories([target.id], now)
            events.append(_event(decision, target))
    return events


def _merged(target: MemoryRecord, candidate: Candidate, now: datetime) -> MemoryRecord:
    metadata = dict(target.metadata)
    if candidate.status is not None:
        metadata["status"] = candidate.status.value
    return target.model_copy(
        update={
            "text": merged_text(target.text, candidate.text),
            "importance": max(target.importance, candidate.importance),
            "tags": list(dict.fromkeys([*target.tags, *fact_tags(candidate)]))[:50],
            "metadata": metadata,
            "updated_at": now,
            "reinforced_at": now,
            "reinforcements": target.reinforcements + 1,
        }
    )


def _closing_time(target: MemoryRecord, now: datetime) -> datetime:
    # valid_to must come after valid_from, even for a fact dated in the future.
    if target.valid_from is not None and target.valid_from >= now:
        return target.valid_from + timedelta(microseconds=1)
    return now


def _event(
    decision: Decision, record: MemoryRecord, *, previous: MemoryRecord | None = None
) -> LearningEvent:
    return LearningEvent(
        event=decision.event,
        memory_id=record.id,
        text=record.text,
        previous_memory_id=previous.id if previous else None,
        previous_text=previous.text if previous else None,
        reason=decision.reason,
    )


def _fact_record(
    candidate: Candidate,
    persona_id: str,
    user_id: str,
    now: datetime,
    entries: Sequence[Entry],
    session_id: str | None,
    turns: Sequence[Turn],
) -> MemoryRecord:
    entry_ids = [entries[i].id for i in candidate.turns if 0 <= i < len(entries)]
    data = MemoryCreate(
        text=candidate.text,
        persona_id=persona_id,
        user_id=user_id,
        category=candidate.category,
        tags=fact_tags(candidate),
        importance=candidate.importance,
        metadata=fact_metadata(
            candidate,
            now,
            session_id=session_id,
            entry_ids=entry_ids,
            message_indexes=[] if session_id else candidate.turns,
        ),
        source=FACT_SOURCE,
        valid_from=now if candidate.slot is not None else None,
        context=fact_context(candidate, turns),
    )
    return new_record(data, now, MAX_SUMMARY_CHARS)


def _finish_in(tx: Transaction, job_id: int | None) -> None:
    if job_id is None:
        return
    job = tx.get_job(job_id, for_update=True)
    if job is not None and job.status is not JobStatus.DONE:
        tx.update_job(finished(job, utcnow()))


def _ended(tx: Transaction, session_id: str, *, lock: bool = False) -> Session:
    session = tx.get_session(session_id, for_update=lock)
    if session is None:
        raise SessionNotFound(session_id)
    if session.status is not SessionStatus.ENDED:
        raise RuntimeError(f"session {session_id!r} is live: only an ended session is learned")
    return session


def turns_of(entries: Sequence[Entry]) -> list[Turn]:
    return [Turn(e.role, e.content, e.timeline, e.created_at) for e in entries]


def _episode(session: Session, entries: list[Entry], archive: _Archive, now: datetime) -> Episode:
    digest = archive.digest
    metadata = archive.transcript.call_metadata
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
        duration=duration_seconds(entries, session, metadata.ended_at),
        started_at=session.started_at,
        ended_at=metadata.ended_at,
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
