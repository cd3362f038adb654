"""The LLM path (issue 10, part 1): JSON read robustly from what a model writes,
a corrected retry, transport retries, and the offline fallback when the endpoint
is down. Against a real OpenAI-compatible server on loopback (tests/fake_openai.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.ports import LLMOutputInvalid, LLMUnavailable
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.providers.llms.json_output import NoJSON, parse_json_object
from persona_memory.providers.llms.openai_compatible import OpenAICompatibleLLM
from persona_memory.providers.summarizers.llm import _Answer
from tests.conftest import LiveServer
from tests.fake_openai import FakeOpenAI

DIGEST = {
    "summary": "Alice and Brad discussed her coworker Sarah; she will talk to her Monday.",
    "key_topics": ["sarah", "work"],
    "decisions": ["Talk to Sarah on Monday"],
    "action_items": ["Document interactions"],
    "emotional_tone": "mixed",
    "emotions": ["stressed", "relieved"],
    "people_mentioned": ["Sarah"],
}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(DIGEST),
        "Sure! Here is the summary:\n```json\n" + json.dumps(DIGEST) + "\n```\nHope it helps.",
        "The JSON: " + json.dumps(DIGEST) + " -- let me know if you need more.",
        str(DIGEST),  # Python repr: single quotes
        json.dumps(DIGEST)[:-1] + ",}",  # a trailing comma
        json.dumps(DIGEST).replace('"mixed"', "None"),  # a Python literal
        json.dumps(DIGEST)[:-40],  # cut off mid-answer
    ],
    ids=["plain", "fenced", "prose", "single-quotes", "trailing-comma", "python", "cut-off"],
)
def test_json_is_read_out_of_what_models_write(text: str) -> None:
    parsed = parse_json_object(text)
    assert parsed["key_topics"] == ["sarah", "work"]


def test_braces_inside_strings_and_no_json_at_all() -> None:
    assert parse_json_object('x {"a": "}{", "b": [1, {"c": 2}]} y') == {
        "a": "}{",
        "b": [1, {"c": 2}],
    }
    with pytest.raises(NoJSON):
        parse_json_object("I cannot help with that.")


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_a_bad_answer_is_retried_once_with_the_error(fake: FakeOpenAI) -> None:
    fake.script.extend(["I think the summary is nice.", json.dumps(DIGEST)])
    llm = OpenAICompatibleLLM(fake.url, "test-model", api_key="sk-test", retries=0)
    assert llm.complete_json([{"role": "user", "content": "hi"}], _Answer).summary
    retry = fake.requests[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "I think the summary is nice."}
    assert "could not be used" in retry[-1]["content"]
    fake.script.extend(["still no json", "nope"])
    with pytest.raises(LLMOutputInvalid):
        llm.complete_json([{"role": "user", "content": "hi"}], _Answer)
    llm.close()


def test_transport_failures_are_retried_then_reported(fake: FakeOpenAI) -> None:
    fake.script.extend([503, 429, json.dumps(DIGEST)])
    llm = OpenAICompatibleLLM(fake.url, "m", retries=2)
    assert llm.complete_json([{"role": "user", "content": "x"}], _Answer).people_mentioned
    fake.script.extend([500, 500, 500])
    with pytest.raises(LLMUnavailable):
        llm.chat([{"role": "user", "content": "x"}])
    llm.close()


def _memory(database_url: str, tmp_path: Path, url: str) -> Memory:
    settings = Settings(
        database_url=database_url,
        embedder="hash",
        transcripts_dir=tmp_path,
        llm_base_url=url,
        llm_retries=0,
        llm_timeout_seconds=5,
    )
    memory = Memory(settings=settings)
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    return memory


def _end_a_session(memory: Memory, *lines: str) -> str:
    session = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
    lines = lines or ("My coworker Sarah took credit for my report.",)
    memory.sessions.add_entries(session.id, [EntryCreate(content=line) for line in lines])
    episode = memory.sessions.end(session.id)
    assert episode is not None
    return episode.summary


def test_the_models_summary_is_what_gets_stored(
    fake: FakeOpenAI, database_url: str, tmp_path: Path
) -> None:
    fake.script.append("```json\n" + json.dumps({**DIGEST, "extra": 1}) + "\n```")
    with _memory(database_url, tmp_path, fake.url) as memory:
        assert _end_a_session(memory) == DIGEST["summary"]
        sent = fake.requests[0]["messages"]
        assert "Sarah took credit" in sent[-1]["content"]
        assert memory.episodes.recent("brad", "alice")[0].decisions == DIGEST["decisions"]


def test_with_the_server_down_the_session_still_ends_offline(
    fake: FakeOpenAI, database_url: str, tmp_path: Path
) -> None:
    url = fake.url
    fake.stop()
    with _memory(database_url, tmp_path, url) as memory, LiveServer(memory) as live:
        session = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
        for line in ("My coworker Sarah took credit for my report.", "I love rock climbing."):
            memory.sessions.add_entries(session.id, [EntryCreate(content=line)])
        ended = httpx.post(f"{live.url}/v1/sessions/{session.id}/end", json={"flush": True})
        assert ended.status_code == 200, ended.text  # the request still succeeds
        assert ended.json()["session"]["memory_extracted"] is True
        assert "Sarah" in ended.json()["episode"]["summary"]  # the extractive summary
        # ... and the heuristic facts
        offline = [f.text for f in memory.learning.facts("brad", "alice")]
        assert "User loves rock climbing" in offline
        health = httpx.get(f"{live.url}/healthz").json()
        # One fallback for the summary, one for the facts.
        assert health["llm"] == {"configured": True, "model": "gpt-4o-mini", "fallbacks": 2}


FACTS = {
    "facts": [
        {
            "text": "Alice's coworker Sarah took credit for her report",
            "category": "storyline",
            "entities": ["Sarah"],
            "importance": 7,
            "topic": "sarah_credit",
            "status": "in_progress",
            "slot": "storyline:sarah_credit",
            "turns": [0, 99],
        },
        {
            "text": "Alice works at Initech",
            "category": "work",
            "importance": 8,
            "slot": "employer",
            "value": "Initech",
            "turns": [0],
        },
    ]
}


def test_the_models_facts_are_what_get_stored_after_a_repair_and_a_retry(
    fake: FakeOpenAI, database_url: str, tmp_path: Path
) -> None:
    fake.script.extend(
        [
            json.dumps(DIGEST),
            # Facts: a wrong shape first (importance out of range), then an
            # answer in prose with single quotes, which is repaired.
            json.dumps({"facts": [{"text": "x", "category": "work", "importance": 99}]}),
            "Here you go: " + str(FACTS) + " Anything else?",
        ]
    )
    with _memory(database_url, tmp_path, fake.url) as memory:
        _end_a_session(memory, "My coworker Sarah took credit for my report. I work at Initech.")
        facts = memory.learning.facts("brad", "alice")
        assert sorted(f.text for f in facts) == [
            "Alice works at Initech",
            "Alice's coworker Sarah took credit for her report",
        ]
        storyline = next(f for f in facts if f.category == "storyline")
        assert storyline.metadata["status"] == "in_progress"
        assert storyline.metadata["topic"] == "sarah_credit"
        assert len(storyline.metadata["entry_ids"]) == 1  # turn 99 does not exist
        # The extractor's retry (the persona classifier's call comes after it).
        assert "could not be used" in fake.requests[2]["messages"][-1]["content"]
        assert memory.extractor.fallbacks == 0  # type: ignore[attr-defined]
