"""Decay and reinforcement (issue 10): the formula, its use in ranking, and
retrieval reinforcing what it returns; the consolidation rules in isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from persona_memory import Memory, PersonaCreate
from persona_memory.core.base import utcnow
from persona_memory.core.decay import Decay, effective_importance
from persona_memory.core.learning import Candidate, Event, decide, deduplicated
from persona_memory.core.memories import MemoryCreate, MemoryRecord, new_record
from persona_memory.storage.schema import memories


def test_effective_importance_halves_every_half_life_and_reinforcement_slows_it() -> None:
    assert effective_importance(8, age_days=0, half_life_days=30) == 8
    assert effective_importance(8, age_days=30, half_life_days=30) == pytest.approx(4)
    assert effective_importance(8, age_days=60, half_life_days=30) == pytest.approx(2)
    once = effective_importance(8, age_days=30, half_life_days=30, reinforcements=1)
    five = effective_importance(8, age_days=30, half_life_days=30, reinforcements=5)
    assert 4 < once < five < 8
    assert effective_importance(8, age_days=-5, half_life_days=30) == 8  # clock skew


def _record(category: str | None, importance: int, age_days: float) -> MemoryRecord:
    now = utcnow()
    record = new_record(
        MemoryCreate(
            text="x", persona_id="p", user_id="u", category=category, importance=importance
        ),
        now - timedelta(days=age_days),
        100,
    )
    return record


def test_tiers_decay_at_their_own_rates_and_reinforcement_restarts_the_clock() -> None:
    decay = Decay(semantic_half_life_days=100, episodic_half_life_days=10)
    now = utcnow()
    fact, episode = _record("preference", 8, 10), _record("episode", 8, 10)
    assert decay.effective_importance(fact, now) == pytest.approx(8 * 2**-0.1)
    assert decay.effective_importance(episode, now) == pytest.approx(4)
    fresh = episode.model_copy(update={"reinforced_at": now, "reinforcements": 1})
    assert decay.effective_importance(fresh, now) == pytest.approx(8)
    assert decay.weight(fresh, now) == pytest.approx(0.9)
    assert 0.5 <= decay.weight(_record(None, 10, 10_000), now) < 0.51


def _age(memory: Memory, memory_id: str, days: int) -> None:
    """Move a memory's creation back in time, straight in the table."""
    then = utcnow() - timedelta(days=days)
    with memory.store.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(
            update(memories).where(memories.c.id == memory_id).values(created_at=then)
        )


def test_ranking_prefers_the_important_and_fresh_among_equals(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    old = memory.add("Alice likes green tea", persona_id="brad", user_id="alice", importance=5)
    new = memory.add("Alice likes green tea", persona_id="brad", user_id="alice", importance=5)
    _age(memory, old.id, 720)
    hits = memory.search("green tea", persona_id="brad", user_id="alice", mode="text").results
    assert [hit.id for hit in hits] == [new.id, old.id]
    assert hits[0].score > hits[1].score
    # Mutation check: with decay off (equal weights) the order is the fused one.
    assert {hit.text_rank for hit in hits} == {1, 2}


def test_retrieval_reinforces_what_it_returns_at_most_hourly(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    fact = memory.add("Alice climbs on Sundays", persona_id="brad", user_id="alice")
    untouched = memory.add("Alice owns a red bike", persona_id="brad", user_id="alice")
    _age(memory, fact.id, 90)
    _age(memory, untouched.id, 90)
    hits = memory.search("climbs Sundays", persona_id="brad", user_id="alice", limit=1)
    assert [hit.id for hit in hits.results] == [fact.id]
    reinforced = memory.memories.get(fact.id)
    assert reinforced.reinforcements == 1 and reinforced.reinforced_at is not None
    assert memory.memories.get(untouched.id).reinforcements == 0
    memory.search("climbs Sundays", persona_id="brad", user_id="alice", limit=1)
    assert memory.memories.get(fact.id).reinforcements == 1  # within the hour


def _fact(text: str, **fields: object) -> MemoryRecord:
    fields.setdefault("source", "learning")
    return new_record(
        MemoryCreate(text=text, persona_id="p", user_id="u", **fields),
        utcnow(),
        1000,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("candidate", "existing", "event"),
    [
        (Candidate(text="User loves hiking", category="preference"), [], Event.ADD),
        (
            Candidate(text="User loves hiking", category="preference"),
            [_fact("User loves hiking")],
            Event.NOOP,
        ),
        (
            Candidate(text="User loves hiking in the Swiss Alps in summer", category="preference"),
            [_fact("User loves hiking in the Swiss Alps")],
            Event.UPDATE,
        ),
        (
            Candidate(
                text="User works at Initech", category="work", slot="employer", value="Initech"
            ),
            [_fact("User works at TechCorp", metadata={"slot": "employer", "value": "TechCorp"})],
            Event.SUPERSEDE,
        ),
        (
            Candidate(
                text="User works at Initech as a designer",
                category="work",
                slot="employer",
                value="initech",
            ),
            [_fact("User works at Initech", metadata={"slot": "employer", "value": "Initech"})],
            Event.UPDATE,
        ),
        (
            Candidate(text="User loves chess", category="preference"),
            [_fact("User works at TechCorp")],
            Event.ADD,
        ),
        (
            Candidate(text="User loves hiking in the Swiss Alps in summer", category="preference"),
            [_fact("User loves hiking in the Swiss Alps", source="api")],
            Event.ADD,
        ),
    ],
    ids=[
        "add",
        "noop",
        "update",
        "supersede",
        "same-slot-more-detail",
        "unrelated",
        "api-memory-keeps-its-words",
    ],
)
def test_decide(candidate: Candidate, existing: list[MemoryRecord], event: Event) -> None:
    assert decide(candidate, existing).event is event


def test_deduplicated_keeps_the_last_value_of_a_slot_and_one_of_each_statement() -> None:
    said = [
        Candidate(text="User lives in Boston", category="home", slot="home_city", value="Boston"),
        Candidate(text="User loves tea", category="preference"),
        Candidate(text="User loves tea", category="preference"),
        Candidate(text="User lives in Denver", category="home", slot="home_city", value="Denver"),
    ]
    assert [c.text for c in deduplicated(said)] == ["User loves tea", "User lives in Denver"]
