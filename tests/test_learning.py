"""Learning after a session (issue 10) on both backends, heuristic path: the
seed's memory persistence test, consolidation with temporal validity, the
memory_config switch, the ingest endpoint and the worker mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.base import utcnow
from persona_memory.core.jobs import JobStatus
from persona_memory.core.learning import Event, IngestRequest
from persona_memory.core.memories import HistoryEvent, MemoryRecord, SearchFilters
from persona_memory.core.relationships import MemoryConfig, RelationshipUpdate
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.worker import drain
from tests.dbstate import counts


@pytest.fixture
def brad(memory: Memory) -> Memory:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    return memory


def call(
    memory: Memory, lines: Sequence[str], *, persona: str = "brad", user: str = "alice"
) -> str:
    """One session: the user says ``lines`` (the persona answers each), then it ends."""
    session = memory.sessions.start(SessionCreate(persona_id=persona, user_id=user))
    entries = []
    for line in lines:
        entries += [
            EntryCreate(role="user", content=line),
            EntryCreate(role=persona, content="Ok!"),
        ]
    memory.sessions.add_entries(session.id, entries)
    memory.sessions.end(session.id, flush=True)
    return session.id


def facts(memory: Memory, persona: str = "brad", user: str = "alice") -> list[MemoryRecord]:
    return memory.learning.facts(persona, user)


def search_ids(memory: Memory, query: str, persona: str = "brad", **filters: object) -> list[str]:
    results = memory.search(query, persona_id=persona, user_id="alice", filters=filters)
    return [hit.id for hit in results.results]


def test_the_seed_memory_persistence_test(brad: Memory) -> None:
    """Call 1: "I love rock climbing"; calls 2 and 5 still know it; Sage never does."""
    first = call(brad, ["Hey Brad!", "I love rock climbing, it's my weekend thing."])
    session = brad.sessions.get(first)
    assert session.memory_extracted
    climbing = [f for f in facts(brad) if "climbing" in f.text]
    assert len(climbing) == 1, facts(brad)
    fact = climbing[0]
    assert fact.text.startswith("User loves rock climbing")
    assert (fact.category, fact.source, fact.scope.value) == (
        "preference",
        "learning",
        "relationship",
    )
    assert fact.metadata["session_id"] == first
    assert session.extracted_facts is not None
    assert [e.event for e in session.extracted_facts if e.memory_id == fact.id] == [Event.ADD]

    for number, topic in enumerate(
        ["We argued about fantasy football.", "Work was busy this week.", "I watched a movie."],
        start=2,
    ):
        if number == 2:
            assert fact.id in search_ids(brad, "climbing")
            assert fact.id in [f.id for f in facts(brad)]
        call(brad, [topic])
    call(brad, ["Just checking in, nothing new."])  # call 5
    assert fact.id in search_ids(brad, "climbing")
    assert fact.id in [f.id for f in facts(brad)]

    # Another persona with the same user sees none of it.
    call(brad, ["Hi Sage."], persona="sage")
    seen_by_sage = brad.search("climbing", persona_id="sage", user_id="alice", min_score=0).results
    assert seen_by_sage, "Sage's own episode is found: the search itself works"
    assert all(hit.persona_id == "sage" for hit in seen_by_sage)
    assert not any("climbing" in hit.text for hit in seen_by_sage)
    assert facts(brad, "sage") == []
    assert all(f.persona_id == "brad" for f in facts(brad))


def test_a_new_employer_supersedes_the_old_one_which_stays_in_history(brad: Memory) -> None:
    call(brad, ["I work at TechCorp as an engineer."])
    (old,) = [f for f in facts(brad) if f.metadata.get("slot") == "employer"]
    assert old.metadata["value"] == "TechCorp"
    later = call(brad, ["Big news: I just started a new job at Initech!"])

    employers = [f for f in facts(brad) if f.metadata.get("slot") == "employer"]
    assert len(employers) == 1
    new = employers[0]
    assert new.metadata["value"] == "Initech" and "Initech" in new.text
    closed = brad.memories.get(old.id)
    assert closed.valid_to is not None and closed.valid_to <= utcnow()
    assert (closed.superseded_by, new.supersedes) == (new.id, old.id)
    assert [e.event for e in brad.memories.history(old.id)] == [
        HistoryEvent.ADD,
        HistoryEvent.SUPERSEDE,
    ]
    events = brad.sessions.get(later).extracted_facts or []
    supersede = [e for e in events if e.event is Event.SUPERSEDE]
    assert [(e.memory_id, e.previous_memory_id) for e in supersede] == [(new.id, old.id)]

    # Current reads leave the closed fact out; include_expired brings it back.
    assert old.id not in search_ids(brad, "TechCorp engineer")
    assert old.id in search_ids(brad, "TechCorp engineer", include_expired=True)
    listed = brad.memories.all(persona_id="brad", user_id="alice")
    assert old.id not in [m.id for m in listed]
    everything = brad.memories.all(
        persona_id="brad", user_id="alice", filters=SearchFilters(include_expired=True)
    )
    assert {old.id, new.id} <= {m.id for m in everything}


def test_saying_it_again_reinforces_instead_of_adding(brad: Memory) -> None:
    call(brad, ["I'm allergic to peanuts."])
    (allergy,) = [f for f in facts(brad) if "peanuts" in f.text]
    again = call(brad, ["Remember, I'm allergic to peanuts."])
    same = [f for f in facts(brad) if "peanuts" in f.text]
    assert [f.id for f in same] == [allergy.id]
    assert same[0].reinforcements == 1 and same[0].reinforced_at is not None
    events = brad.sessions.get(again).extracted_facts or []
    assert [(e.event, e.memory_id) for e in events] == [(Event.NOOP, allergy.id)]


def test_nothing_personal_is_stored_when_the_user_says_so(brad: Memory) -> None:
    brad.relationships.put(
        "brad",
        "alice",
        RelationshipUpdate(memory_config=MemoryConfig(remember_personal_facts=False)),
    )
    session_id = call(brad, ["I love rock climbing.", "I work at TechCorp."])
    assert facts(brad) == []
    session = brad.sessions.get(session_id)
    assert session.memory_extracted and session.extracted_facts == []
    assert brad.episodes.get(session_id).summary  # the episode is still kept
    events = brad.learning.ingest(
        IngestRequest.model_validate(
            {
                "persona_id": "brad",
                "user_id": "alice",
                "messages": [{"role": "user", "content": "I live in Denver."}],
            }
        )
    )
    assert events == [] and facts(brad) == []


def test_ingest_over_http_returns_the_events(brad: Memory, http: httpx.Client) -> None:
    def ingest(*lines: str) -> list[dict[str, object]]:
        messages = [{"role": "user", "content": line} for line in lines]
        body = {"persona_id": "brad", "user_id": "alice", "messages": messages}
        response = http.post("/v1/memories/ingest", json=body)
        assert response.status_code == 200, response.text
        events: list[dict[str, object]] = response.json()["events"]
        return events

    first = ingest("I live in Boston.", "My boss is Marcus.")
    assert sorted(e["event"] for e in first) == ["ADD", "ADD"]
    moved = ingest("I just moved to Denver.")
    assert [e["event"] for e in moved] == ["SUPERSEDE"]
    boston = next(e for e in first if "Boston" in str(e["text"]))
    assert moved[0]["previous_memory_id"] == boston["memory_id"]
    assert [e["event"] for e in ingest("My boss is Marcus.")] == ["NOOP"]

    before = counts(brad)
    for bad in (
        {"persona_id": "brad", "user_id": "alice", "messages": []},
        {"persona_id": "brad", "user_id": "alice", "messages": [{"role": "user"}]},
        {
            "persona_id": "nobody",
            "user_id": "alice",
            "messages": [{"role": "user", "content": "I am Al."}],
        },
    ):
        response = http.post("/v1/memories/ingest", json=bad)
        assert response.status_code in (404, 422), response.text
        assert "error" in response.json()
    assert counts(brad) == before


def test_a_named_speaker_is_the_subject_of_the_facts(brad: Memory) -> None:
    request = IngestRequest.model_validate(
        {
            "persona_id": "brad",
            "user_id": "alice",
            "messages": [{"role": "user", "name": "Caroline", "content": "I love painting."}],
        }
    )
    (event,) = brad.learning.ingest(request)
    assert event.event is Event.ADD and event.text.startswith("Caroline loves painting")
    assert event.memory_id is not None
    assert brad.memories.get(event.memory_id).metadata["message_indexes"] == [0]


def test_the_worker_learns_from_queued_sessions_once(settings: Settings) -> None:
    with Memory(settings=settings.model_copy(update={"learning": "worker"})) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        session_id = call(memory, ["I love rock climbing."])
        session = memory.sessions.get(session_id)
        assert session.status.value == "ended" and not session.memory_extracted
        assert facts(memory) == []
        assert memory.learning.count_jobs(JobStatus.PENDING) == 1

        (job,) = drain(memory, worker="test")
        assert (job.status, job.attempts, job.worker) == (JobStatus.DONE, 1, "test")
        assert memory.sessions.get(session_id).memory_extracted
        assert [f.text for f in facts(memory)] == ["User loves rock climbing"]
        assert drain(memory) == []
        before = counts(memory)
        # Running it again (a retried job) changes nothing.
        memory.learning.learn_session(session_id, job_id=job.id)
        assert counts(memory) == before
        assert memory.learning.count_jobs(JobStatus.DONE) == 1


def test_a_job_whose_worker_died_is_taken_again_after_its_lease(settings: Settings) -> None:
    with Memory(settings=settings.model_copy(update={"learning": "worker"})) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        call(memory, ["I love rock climbing."])
        with memory.store.transaction() as tx:  # a worker claims it, then dies
            job = tx.next_job(utcnow())
            assert job is not None
            tx.update_job(
                job.model_copy(
                    update={
                        "status": JobStatus.RUNNING,
                        "attempts": 1,
                        "lease_until": utcnow() + timedelta(hours=1),
                    }
                )
            )
        assert drain(memory) == []  # still leased
        with memory.store.transaction() as tx:
            running = tx.get_job(job.id)
            assert running is not None
            tx.update_job(running.model_copy(update={"lease_until": utcnow()}))
        (done,) = drain(memory)
        assert (done.status, done.attempts) == (JobStatus.DONE, 2)
        assert len(facts(memory)) == 1


def test_two_sessions_ending_at_once_leave_one_current_value_per_slot(brad: Memory) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sessions = []
    for employer in ("Acme", "Globex", "Initech", "Umbrella"):
        session = brad.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
        brad.sessions.add_entries(session.id, [EntryCreate(content=f"I work at {employer}.")])
        sessions.append(session.id)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(brad.sessions.end, sessions))
    employers = [f for f in facts(brad) if f.metadata.get("slot") == "employer"]
    assert len(employers) == 1, [f.text for f in employers]
    history = brad.memories.all(
        persona_id="brad", user_id="alice", filters=SearchFilters(include_expired=True)
    )
    closed = [m for m in history if m.metadata.get("slot") == "employer" and m.valid_to]
    assert len(closed) == 3
    assert all(m.superseded_by for m in closed)
