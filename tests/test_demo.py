"""The demo data set: what a newcomer's first calls find."""

from __future__ import annotations

from persona_memory import Memory
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
