"""The demo data set: what a newcomer's first calls find."""

from __future__ import annotations

import pytest

from persona_memory import Memory, Settings
from persona_memory.core.memories import DEFAULT_MIN_SCORE
from persona_memory.demo import load_demo


def test_demo_loads_once_with_seed_000_users(memory: Memory) -> None:
    assert load_demo(memory) is True
    assert load_demo(memory) is False
    assert {p.id for p in memory.personas.all()} == {"sage", "brad", "bjorn", "pi"}
    sarah = {b.label for b in memory.blocks.attached("pi", "sarah")}
    daniel = {b.label for b in memory.blocks.attached("pi", "daniel")}
    assert "qsr_real_estate_service_experience" in sarah
    assert "tobacco_consumer_insights_service_experience" in daniel
    assert "qsr_real_estate_service_experience" not in daniel
    section = memory.profiles.prompt_section("bjorn", "alice")
    assert section.startswith("STUDENT MEMORY") and "subjunctive" in section
    found = memory.search("peanuts", persona_id="brad", user_id="alice").results
    assert found[0].text == "Alice is allergic to peanuts."
    assert all(hit.user_id in (None, "alice") for hit in found)


@pytest.mark.model
def test_default_min_score_drops_what_does_not_match(settings: Settings) -> None:
    # The default embedder, as `serve --demo` runs it: its cosine similarities put
    # unrelated sentences at 0.7-0.8, which the relevance must not read as a match.
    with Memory(settings=settings.model_copy(update={"embedder": "static"})) as memory:
        load_demo(memory)
        question = "what is she allergic to"
        sage = memory.search(question, persona_id="sage", user_id="alice").results
        assert sage == []  # Sage knows nothing of it: no pizza opinion first
        padded = memory.search(question, persona_id="sage", user_id="alice", min_score=0)
        assert len(padded.results) >= 5  # the same search without the floor fills up
        assert all(hit.relevance < DEFAULT_MIN_SCORE for hit in padded.results)
        brad = memory.search(question, persona_id="brad", user_id="alice", explain=True)
        first = brad.results[0]
        assert first.text == "Alice is allergic to peanuts." and first.relevance == 1.0
        assert all(hit.relevance >= DEFAULT_MIN_SCORE for hit in brad.results)
        assert first.explanation is not None and first.explanation.term_coverage == 1.0
        assert first.explanation.text is not None and first.explanation.text.rank == 1
