"""Persona learning (seed 003's privacy-safe learning): after a session ends the
persona keeps memories of its own, anonymised, of importance 7 or more, with
source "learned". The seed's three examples, the threshold, idempotency, the
user's opt-out, the LLM path against a real OpenAI-compatible server on loopback
(tests/fake_openai.py) and the PII firewall behind it; each with the
gazetteer-only detector and the default one. Real SQLite files throughout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.digests import Turn
from persona_memory.core.learning_service import LearningService
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.persona_files import PersonaMemoryCategory
from persona_memory.core.persona_learning import (
    LEARNED_SOURCE,
    PersonaMemoryClassifier,
    generalised,
    third_person,
    topic,
    worth_storing,
)
from persona_memory.core.privacy import PiiDetector
from persona_memory.core.relationships import MemoryConfig, RelationshipUpdate
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.providers.persona_classifiers.heuristic import HeuristicPersonaClassifier
from persona_memory.providers.registry import recogniser_from_settings
from persona_memory.worker import drain
from tests.fake_openai import FakeOpenAI

DETECTORS = ["gazetteer", "auto"]  # names by a gazetteer alone; the default (spaCy if installed)
JOHN = "John at Google told me about their new AI project"
ADDRESS = "I live at 123 Main St in San Francisco"
DEEP_WATER = "I'm terrified of deep water"
DEEP_WATER_MEMORY = "Someone shared they're afraid of deep water"


def open_memory(tmp_path: Path, **settings: Any) -> Memory:
    memory = Memory(
        settings=Settings(
            database_url=str(tmp_path / "x.db"),
            embedder="hash",
            transcripts_dir=tmp_path,
            **settings,
        )
    )
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    return memory


@pytest.fixture(params=DETECTORS)
def detector(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sage(tmp_path: Path, detector: str) -> Iterator[Memory]:
    with open_memory(tmp_path, pii_recogniser=detector) as memory:
        yield memory


def conversation(memory: Memory, *lines: str, user: str = "alice", end: bool = True) -> str:
    """One session: the user says ``lines`` (Sage answers each), then it ends
    (inline learning, unless the settings say worker)."""
    session = memory.sessions.start(SessionCreate(persona_id="sage", user_id=user))
    entries = []
    for line in lines:
        entries += [EntryCreate(role="user", content=line), EntryCreate(role="sage", content="Oh!")]
    memory.sessions.add_entries(session.id, entries)
    if end:
        memory.sessions.end(session.id, flush=True)
    return session.id


def learned(memory: Memory) -> list[MemoryRecord]:
    return [m for m in memory.persona_memories.all("sage") if m.source == LEARNED_SOURCE]


# --- the seed's examples -------------------------------------------------------------


def test_a_conversation_about_a_project_is_remembered_without_who_or_where(sage: Memory) -> None:
    session_id = conversation(sage, JOHN)
    [memory] = learned(sage)
    assert "AI project" in memory.text
    assert "John" not in memory.text and "Google" not in memory.text
    assert memory.text == "I had a fascinating conversation about AI projects"
    assert memory.source == "learned"
    assert (memory.scope.value, memory.persona_id, memory.user_id) == ("persona", "sage", None)
    assert memory.category == PersonaMemoryCategory.EXPERIENCE.value
    assert memory.importance >= 7
    assert memory.metadata["session_id"] == session_id


def test_an_address_is_not_remembered(sage: Memory) -> None:
    conversation(sage, ADDRESS)
    assert learned(sage) == []
    assert sage.persona_memories.all("sage") == []


def test_a_fear_is_remembered_as_someone_elses(sage: Memory) -> None:
    conversation(sage, DEEP_WATER)
    [memory] = learned(sage)
    assert "deep water" in memory.text
    assert "afraid" in memory.text or "terrified" in memory.text
    assert "I'm" not in memory.text and not memory.text.startswith("I ")
    assert memory.text == "Someone shared they're afraid of deep water"
    assert memory.category == PersonaMemoryCategory.EMOTIONAL_PATTERN.value


def test_the_three_examples_in_one_session(sage: Memory) -> None:
    session_id = conversation(sage, "Hi Sage!", JOHN, ADDRESS, DEEP_WATER, "Talk soon, bye.")
    texts = sorted(m.text for m in learned(sage))
    assert texts == [
        "I had a fascinating conversation about AI projects",
        "Someone shared they're afraid of deep water",
    ]
    for text in ("John", "Google", "123", "Main St", "San Francisco"):
        assert all(text not in m.text for m in learned(sage))
    assert {m.metadata["session_id"] for m in learned(sage)} == {session_id}
    # Nothing needed the firewall: the classifier anonymised it all already.
    assert sage.privacy.stats().redactions == 0


def test_routine_and_contact_details_are_never_remembered(sage: Memory) -> None:
    conversation(
        sage,
        "Hey, how are you?",
        "I went to the store and bought milk.",
        "I'm terrified of heights, call me at 555-123-4567.",  # a fear, but too much PII
        "My email is alice@example.com and I'm devastated.",
        "I live in Berlin now.",
    )
    assert learned(sage) == []


def test_only_the_users_turns_teach(sage: Memory) -> None:
    session = sage.sessions.start(SessionCreate(persona_id="sage", user_id="alice"))
    sage.sessions.add_entries(
        session.id,
        [
            EntryCreate(role="user", content="What scares you?"),
            EntryCreate(role="sage", content=DEEP_WATER),
        ],
    )
    sage.sessions.end(session.id, flush=True)
    assert learned(sage) == []


# --- threshold, idempotency, privacy of the relationship ------------------------------


def test_the_threshold_comes_from_the_settings(tmp_path: Path, detector: str) -> None:
    with open_memory(tmp_path, pii_recogniser=detector, persona_learning_min_importance=10) as m:
        session_id = conversation(m, JOHN, DEEP_WATER, "I just got married!")
        assert learned(m) == []
        assert m.persona_learning.learn_from_session(session_id) == []


def test_a_lower_threshold_keeps_more(tmp_path: Path) -> None:
    with open_memory(tmp_path, pii_recogniser="gazetteer", persona_learning_min_importance=5) as m:
        conversation(m, "I love pizza.", "I'm working on the report.")
        assert [x.text for x in learned(m)] == ["Someone shared they love pizza"]


def test_learning_a_session_twice_stores_once(sage: Memory) -> None:
    session_id = conversation(sage, JOHN, DEEP_WATER)
    assert len(learned(sage)) == 2
    assert sage.persona_learning.learn_from_session(session_id) == []
    sage.learning.learn_session(session_id)
    assert len(learned(sage)) == 2
    # A second session that says the same is a second moment, and is kept.
    conversation(sage, DEEP_WATER)
    assert len(learned(sage)) == 3


def test_the_private_relationship_keeps_what_the_user_said(sage: Memory) -> None:
    conversation(sage, JOHN, "I work at Initech as an engineer.", DEEP_WATER)
    facts = [f.text for f in sage.learning.facts("sage", "alice")]
    assert "User works at Initech as an engineer" in facts  # not anonymised: it is private
    assert all("Initech" not in m.text for m in learned(sage))
    assert all(m.user_id is None for m in learned(sage))
    # Another user's agent sees the persona's memory, never the relationship's facts.
    found = sage.search("deep water Initech", persona_id="sage", user_id="bob").results
    assert "Someone shared they're afraid of deep water" in [hit.text for hit in found]
    assert all("Initech" not in hit.text for hit in found)


def test_a_user_who_opts_out_of_personal_facts_teaches_the_persona_nothing(
    sage: Memory,
) -> None:
    sage.relationships.put(
        "sage",
        "alice",
        RelationshipUpdate(memory_config=MemoryConfig(remember_personal_facts=False)),
    )
    conversation(sage, JOHN, DEEP_WATER)
    assert learned(sage) == []


def test_the_worker_learns_the_personas_memories_too(tmp_path: Path) -> None:
    with open_memory(tmp_path, pii_recogniser="gazetteer", learning="worker") as memory:
        conversation(memory, DEEP_WATER)
        assert learned(memory) == []  # queued, not yet learned
        drain(memory)
        assert [m.text for m in learned(memory)] == ["Someone shared they're afraid of deep water"]


def test_under_reject_the_anonymised_memories_still_pass(tmp_path: Path, detector: str) -> None:
    with open_memory(tmp_path, pii_recogniser=detector, shared_pii="reject") as memory:
        conversation(memory, JOHN, DEEP_WATER)
        assert len(learned(memory)) == 2


def test_a_failing_hook_does_not_undo_the_users_learning(sage: Memory) -> None:
    def explode(session_id: str) -> None:
        raise RuntimeError("boom")

    learning = LearningService(
        sage.store,
        sage.embedder,
        sage.searcher,
        sage.summarizer,
        sage.extractor,
        on_learned=explode,
    )
    session_id = conversation(sage, "I work at Initech as an engineer.", end=False)
    sage.sessions.end(session_id, flush=False)
    learning.learn_session(session_id)  # the hook's error is logged, not raised
    assert sage.sessions.get(session_id).memory_extracted
    assert "User works at Initech as an engineer" in [
        f.text for f in sage.learning.facts("sage", "alice")
    ]


# --- the LLM path -----------------------------------------------------------------------

DIGEST = {"summary": "Alice told Sage about a project and a fear.", "key_topics": ["ai"]}
NO_FACTS: dict[str, list[object]] = {"facts": []}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def with_llm(tmp_path: Path, url: str, detector: str, **settings: Any) -> Memory:
    return open_memory(
        tmp_path,
        pii_recogniser=detector,
        llm_base_url=url,
        llm_retries=0,
        llm_timeout_seconds=5,
        **settings,
    )


def answer(*memories: dict[str, object]) -> str:
    return json.dumps({"memories": list(memories)})


def test_the_models_memories_are_stored(fake: FakeOpenAI, tmp_path: Path, detector: str) -> None:
    fake.script.extend(
        [
            json.dumps(DIGEST),
            json.dumps(NO_FACTS),
            answer(
                {
                    "text": "I had a fascinating conversation about AI projects",
                    "category": "experience",
                    "importance": 8,
                    "reason": "an idea someone told about",
                    "extra": "ignored",
                },
                {"text": "Someone said hi", "category": "experience", "importance": 2},
            ),
        ]
    )
    with with_llm(tmp_path, fake.url, detector) as memory:
        session_id = conversation(memory, JOHN)
        [stored] = learned(memory)
        assert stored.text == "I had a fascinating conversation about AI projects"
        assert (stored.importance, stored.category) == (8, "experience")
        assert stored.metadata == {"session_id": session_id}
        sent = fake.requests[-1]["messages"]
        assert "Anonymisation rules" in sent[0]["content"]
        assert f"USER: {JOHN}" in sent[1]["content"]
        assert memory.persona_classifier.fallbacks == 0  # type: ignore[attr-defined]


def test_an_email_in_the_models_answer_is_redacted_by_the_firewall(
    fake: FakeOpenAI, tmp_path: Path, detector: str
) -> None:
    text = "Someone shared they're afraid of deep water and wrote from bob@example.com"
    fake.script.extend(
        [
            json.dumps(DIGEST),
            json.dumps(NO_FACTS),
            answer({"text": text, "category": "emotional_pattern", "importance": 8}),
        ]
    )
    with with_llm(tmp_path, fake.url, detector) as memory:
        conversation(memory, DEEP_WATER)
        [stored] = learned(memory)
        assert "bob@example.com" not in stored.text and "@" not in stored.text
        assert "deep water" in stored.text
        stats = memory.privacy.stats()
        assert stats.by_type.get("EMAIL") == 1
        assert stats.by_source == {"learned": 1}


def test_under_reject_a_refused_memory_is_skipped_and_the_rest_kept(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.script.extend(
        [
            json.dumps(DIGEST),
            json.dumps(NO_FACTS),
            answer(
                {"text": "Mail bob@example.com re AI", "category": "experience", "importance": 9},
                {"text": DEEP_WATER_MEMORY, "category": "emotional_pattern", "importance": 8},
            ),
        ]
    )
    with with_llm(tmp_path, fake.url, "gazetteer", shared_pii="reject") as memory:
        conversation(memory, DEEP_WATER)
        assert [m.text for m in learned(memory)] == [DEEP_WATER_MEMORY]


def test_with_the_server_down_the_heuristic_classifies(
    fake: FakeOpenAI, tmp_path: Path, detector: str
) -> None:
    url = fake.url
    fake.stop()
    with with_llm(tmp_path, url, detector) as memory:
        conversation(memory, JOHN, DEEP_WATER)
        assert sorted(m.text for m in learned(memory)) == [
            "I had a fascinating conversation about AI projects",
            "Someone shared they're afraid of deep water",
        ]
        assert memory.persona_classifier.fallbacks == 1  # type: ignore[attr-defined]


def test_an_unusable_answer_falls_back_too(fake: FakeOpenAI, tmp_path: Path) -> None:
    bad = answer({"text": "x", "category": "gossip", "importance": 99})
    fake.script.extend([json.dumps(DIGEST), json.dumps(NO_FACTS), bad, bad])
    with with_llm(tmp_path, fake.url, "gazetteer") as memory:
        conversation(memory, DEEP_WATER)
        assert [m.text for m in learned(memory)] == ["Someone shared they're afraid of deep water"]
        assert memory.persona_classifier.fallbacks == 1  # type: ignore[attr-defined]


# --- the pure rules and the heuristic --------------------------------------------------


@pytest.fixture(scope="module")
def heuristic() -> HeuristicPersonaClassifier:
    settings = Settings(pii_recogniser="gazetteer")
    return HeuristicPersonaClassifier(PiiDetector(recogniser_from_settings(settings)))


@pytest.mark.parametrize(
    ("said", "text", "importance"),
    [
        ("Heights scare me.", "Someone shared they're afraid of heights", 8),
        ("honestly im so scared of sharks since 2003", "Someone shared they're afraid of sharks",
         8),
        ("I just got married last week!!", "Someone shared they just got married", 9),
        ("My mom passed away last year.", "Someone shared their mom passed away", 9),
        ("I'm heartbroken about my dog.", "Someone shared they're heartbroken about their dog", 8),
        ("I'm passionate about restoring old motorcycles.",
         "Someone shared they're passionate about restoring old motorcycles", 7),
        ("I'm building an app that translates dog barks.",
         "Someone shared they're building an app that translates dog barks", 7),
        ("I have an idea for a board game about climate change.",
         "Someone shared they have an idea for a board game about climate change", 7),
        ("I learned that octopuses have three hearts.",
         "Someone taught me that octopuses have three hearts", 7),
        ("I love pizza.", "Someone shared they love pizza", 5),
        ("I'm working on the report.", "Someone shared they're working on the report", 4),
        ("I live in Berlin and I'm so excited about it!",
         "Someone shared they're so excited about it", 7),
    ],
)  # fmt: skip
def test_heuristic_cues(
    heuristic: HeuristicPersonaClassifier, said: str, text: str, importance: int
) -> None:
    [found] = heuristic.classify([Turn("user", said)])
    assert (found.text, found.importance) == (text, importance)


@pytest.mark.parametrize(
    "said",
    ["Hi!", "Ok", "I went to the store.", ADDRESS, "Text me at +1 415 555 0100, I'm devastated",
     "My SSN is 078-05-1120 and I'm terrified of audits", "", "   ", "\x00\x01"],
)  # fmt: skip
def test_heuristic_keeps_nothing(heuristic: HeuristicPersonaClassifier, said: str) -> None:
    assert heuristic.classify([Turn("user", said)]) == []


def test_the_heuristic_is_a_classifier_and_deterministic(
    heuristic: HeuristicPersonaClassifier,
) -> None:
    assert isinstance(heuristic, PersonaMemoryClassifier)
    turns = [Turn("user", f"{JOHN}. {DEEP_WATER}.")] * 3
    assert heuristic.classify(turns) == heuristic.classify(turns)
    assert len(worth_storing(heuristic.classify(turns), 7)) == 2  # one of each


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm terrified of my boss", "they're terrified of their boss"),
        ("I am sure I was right", "they are sure they were right"),
        ("I've told me myself it's mine", "they've told them themselves it's theirs"),
        ("i\u2019m scared", "they're scared"),
    ],
)
def test_third_person(text: str, expected: str) -> None:
    assert third_person(text) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("their new AI project", "AI projects"),
        ("her new AI project that uses drones", "AI projects"),
        ("his trip to the coast last summer", "trips to the coast"),
        ("quantum computing", "quantum computing"),
        ("their kids, and I laughed", "kids"),
        ("my research", "research"),
    ],
)
def test_topic(phrase: str, expected: str) -> None:
    assert topic(phrase) == expected


def test_generalised_drops_places_with_their_preposition(
    heuristic: HeuristicPersonaClassifier,
) -> None:
    text = "I'm afraid of sharks in Florida, said Maria from Microsoft"
    spans = heuristic.detector.detect(text)
    assert generalised(text, spans) == "I'm afraid of sharks, said someone from their workplace"
