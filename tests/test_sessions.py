"""Working, episodic and procedural memory through the SDK (issue 9), on both
backends: the seed's Brad + Alice flow, and what must be refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from persona_memory import Memory, PersonaCreate, RelationshipUpdate
from persona_memory.core.procedures import ProcedureNotFound, ProcedurePut
from persona_memory.core.relationships import MemoryConfig, RelationshipPatch
from persona_memory.core.sessions import (
    EntryCreate,
    SessionContext,
    SessionCreate,
    SessionEnded,
    SessionNotFound,
    SessionStatus,
)
from tests.dbstate import counts

CALL = [
    ("user", "main", "Hey Brad, got a minute? Work has been rough this week."),
    ("brad", "main", "Yeah dude, what's going on?"),
    ("user", "main", "My coworker Sarah took credit for my report in the team meeting."),
    ("user", "main", "I'm so stressed about it, and Sarah keeps being passive-aggressive."),
    ("brad", "main", "That's not okay. You should talk to Sarah directly, no BS."),
    ("user", "main", "I decided to talk to Sarah on Monday morning."),
    ("brad", "main", "Good. Document every interaction, and loop in Marcus if she pushes back."),
    ("user", "planning", "Talking points for Sarah: the report was my work, credit matters."),
    ("brad", "planning", "Backup plan: if it goes badly, you take it to HR with your notes."),
    ("user", "main", "Thanks Brad, I feel a bit relieved already."),
]
OTHER_TOPICS = [
    "We talked about rock climbing at the new gym and which shoes to buy.",
    "Alice planned a weekend trip to Ohio to visit her mom.",
    "We argued about fantasy football picks for the playoffs.",
    "Brad recommended the Italian place downtown for the date with Jessica.",
    "Alice asked about craft beer breweries to try in Portland.",
]


def _session(memory: Memory, lines: list[tuple[str, str, str]]) -> str:
    session = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
    memory.sessions.add_entries(
        session.id, [EntryCreate(role=r, timeline=t, content=c) for r, t, c in lines]
    )
    return session.id


@pytest.fixture
def brad(memory: Memory) -> Memory:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.relationships.put("brad", "alice", RelationshipUpdate(relationship_type="bro_friend"))
    return memory


def test_the_brad_and_alice_call(brad: Memory, settings: object) -> None:
    memory = brad
    sid = _session(memory, CALL)
    memory.sessions.set_context(sid, SessionContext(topic="work_conflict", mood="stressed"))
    live = memory.sessions.get(sid)
    assert live.entry_count == len(CALL) and live.timelines == ["main", "planning"]
    assert live.current_context.topic == "work_conflict"
    before = counts(memory)
    preview = memory.sessions.summarize(sid)
    assert "Sarah" in preview.summary
    assert counts(memory) == before  # a summary of a live session stores nothing

    episode = memory.sessions.end(sid, flush=True)
    assert episode is not None
    assert "Sarah" in episode.summary
    assert episode.entry_count == len(CALL) and episode.timeline_count == 2
    assert any("monday" in item.lower() for item in episode.decisions + episode.action_items)
    assert episode.emotional_tone in {"negative", "mixed"}

    relationship = memory.relationships.get("brad", "alice")
    assert relationship.total_sessions == 1 and relationship.last_session_at is not None

    # The transcript, in the seed's format and path.
    folder = Path(memory.settings.transcripts_dir or "")
    path = folder / "transcripts" / "alice" / "brad" / f"{sid}.json"
    written = json.loads(path.read_text())
    assert set(written) >= {
        "call_id",
        "user_id",
        "persona_id",
        "call_metadata",
        "full_transcript",
        "extracted_entities",
        "tags",
    }
    assert [line["text"] for line in written["full_transcript"]] == [c for _, _, c in CALL]
    assert "Sarah" in written["extracted_entities"]["people_mentioned"]

    # Twenty other sessions later, the Sarah call is still found first.
    for n in range(20):
        other = _session(memory, [("user", "main", OTHER_TOPICS[n % len(OTHER_TOPICS)])])
        memory.sessions.end(other)
    hits = memory.episodes.search("what did we discuss about Sarah", "brad", "alice")
    assert hits[0].session_id == sid
    assert memory.relationships.get("brad", "alice").total_sessions == 21

    # Rehydration restores exactly the entries into a new live session.
    restored = memory.sessions.get(memory.episodes.rehydrate(sid).id)
    assert restored.status is SessionStatus.LIVE and restored.id != sid
    entries = memory.sessions.entries(restored.id)
    assert [(e.role, e.timeline, e.content) for e in entries] == CALL
    summary_only = memory.episodes.rehydrate(sid, summary_only=True)
    assert [e.content for e in memory.sessions.entries(summary_only.id)] == [episode.summary]


def test_an_ended_session_refuses_entries_and_unknown_ones_are_404(brad: Memory) -> None:
    memory = brad
    sid = _session(memory, CALL[:2])
    memory.sessions.end(sid)
    before = counts(memory)
    with pytest.raises(SessionEnded):
        memory.sessions.add_entries(sid, [EntryCreate(content="too late")])
    with pytest.raises(SessionEnded):
        memory.sessions.end(sid)
    with pytest.raises(SessionNotFound):
        memory.sessions.add_entries("no-such-session", [EntryCreate(content="hello")])
    assert counts(memory) == before


def test_searching_inside_a_session_and_by_timeline(brad: Memory) -> None:
    memory = brad
    sid = _session(memory, CALL)
    planning = memory.sessions.entries(sid, timeline="planning")
    assert [e.content for e in planning] == [c for _, t, c in CALL if t == "planning"]
    found = memory.sessions.entries(sid, query="Marcus pushes back")
    assert found and "Marcus" in found[0].content
    memory.sessions.delete_entry(sid, found[0].id)
    assert memory.sessions.get(sid).entry_count == len(CALL) - 1


def test_not_remembering_past_conversations_archives_only_the_stats(brad: Memory) -> None:
    memory = brad
    memory.relationships.patch(
        "brad",
        "alice",
        RelationshipPatch.model_validate({"memory_config": {"remember_past_conversations": False}}),
    )
    sid = _session(memory, CALL)
    assert memory.sessions.end(sid) is None
    assert memory.episodes.recent("brad", "alice") == []
    assert memory.relationships.get("brad", "alice").total_sessions == 1
    assert not (Path(memory.settings.transcripts_dir or "") / "transcripts").exists()


def test_memory_config_defaults_and_refusals(brad: Memory) -> None:
    config = brad.relationships.get("brad", "alice").memory_config
    assert config == MemoryConfig(
        remember_relationship_details=True,
        remember_past_conversations=True,
        remember_personal_facts=True,
        auto_recall_depth=10,
    )
    with pytest.raises(ValidationError):
        MemoryConfig.model_validate({"remember_everything": True})
    with pytest.raises(ValidationError):
        MemoryConfig.model_validate({"auto_recall_depth": 1000})


def test_procedures_persona_and_relationship_override(brad: Memory) -> None:
    memory = brad
    memory.procedures.put(
        "brad", "greeting_pattern", ProcedurePut(template="Yo {name}, what's up?")
    )
    memory.procedures.put("brad", "farewell_pattern", ProcedurePut(template="Alright dude."))
    memory.procedures.put(
        "brad", "greeting_pattern", ProcedurePut(template="Al! What's good?"), user_id="alice"
    )
    assert memory.procedures.get("brad", "greeting_pattern").template.startswith("Yo")
    mine = memory.procedures.get("brad", "greeting_pattern", user_id="alice")
    assert mine.template == "Al! What's good?"
    keys = [p.key for p in memory.procedures.all("brad", user_id="alice")]
    assert keys == ["farewell_pattern", "greeting_pattern"]
    hits = memory.procedures.search("brad", "farewell", user_id="alice")
    assert hits[0].key == "farewell_pattern"
    memory.procedures.delete("brad", "greeting_pattern", user_id="alice")
    assert memory.procedures.get("brad", "greeting_pattern", user_id="alice").template[:2] == "Yo"
    with pytest.raises(ProcedureNotFound):
        memory.procedures.delete("brad", "greeting_pattern", user_id="alice")


def test_erasure_removes_sessions_episodes_procedures_and_transcripts(brad: Memory) -> None:
    memory = brad
    sid = _session(memory, CALL)
    memory.sessions.end(sid)
    memory.procedures.put("brad", "greeting", ProcedurePut(template="Al!"), user_id="alice")
    exported = memory.users.export("alice")
    assert exported.sessions and exported.session_entries and exported.episodes
    assert exported.procedures and exported.transcripts
    folder = Path(memory.settings.transcripts_dir or "") / "transcripts" / "alice"
    assert folder.exists()
    memory.users.erase("alice")
    left = counts(memory)
    assert all(left[t] == 0 for t in ("sessions", "session_entries", "episodes", "procedures"))
    assert not folder.exists()
