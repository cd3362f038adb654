"""A memory's ``context`` (the turns around it, speaker, date) is matched by full
text at a lower weight than its text, on both backends, and follows every write."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.learning import IngestRequest
from persona_memory.core.memories import MAX_CONTEXT_CHARS, MemoryCreate, MemoryUpdate
from persona_memory.storage.engine import (
    database_url,
    downgrade_schema,
    make_engine,
    upgrade_schema,
)

LAKE = "Melanie: We went camping at the lake last weekend."


def _texts(memory: Memory, query: str) -> list[str]:
    found = memory.search(query, persona_id="p", user_id="u", mode="text").results
    return [hit.text for hit in found]


@pytest.fixture
def talk(memory: Memory) -> Memory:
    memory.personas.create(PersonaCreate(id="p", name="P"))
    return memory


def test_a_follow_up_is_found_by_the_turn_before_it(talk: Memory) -> None:
    talk.memories.add(
        MemoryCreate(
            text="Caroline: That sounds wonderful!", persona_id="p", user_id="u", context=LAKE
        )
    )
    talk.memories.add(MemoryCreate(text="Caroline: I like tea.", persona_id="p", user_id="u"))
    assert _texts(talk, "camping at the lake") == ["Caroline: That sounds wonderful!"]
    hit = talk.search("camping", persona_id="p", user_id="u").results[0]
    assert hit.context == LAKE and hit.text == "Caroline: That sounds wonderful!"


def test_the_text_outweighs_the_context(talk: Memory) -> None:
    talk.memories.add(
        MemoryCreate(text="Caroline: Nice.", persona_id="p", user_id="u", context=LAKE)
    )
    talk.memories.add(MemoryCreate(text=LAKE, persona_id="p", user_id="u"))
    assert _texts(talk, "camping lake") == [LAKE, "Caroline: Nice."]


def test_the_index_follows_updates_and_clearing(talk: Memory) -> None:
    record = talk.memories.add(
        MemoryCreate(text="Caroline: Nice.", persona_id="p", user_id="u", context=LAKE)
    )
    talk.memories.update(record.id, MemoryUpdate(context="Melanie: we baked bread"))
    assert _texts(talk, "camping") == []
    assert _texts(talk, "bread") == ["Caroline: Nice."]
    talk.memories.update(record.id, MemoryUpdate(context=None))
    assert _texts(talk, "bread") == []
    assert talk.memories.get(record.id).context is None
    talk.memories.delete(record.id)
    assert _texts(talk, "nice") == []


def test_too_much_context_is_refused_and_nothing_is_stored(
    talk: Memory, http: httpx.Client
) -> None:
    body = {
        "text": "x",
        "persona_id": "p",
        "user_id": "u",
        "context": "y" * (MAX_CONTEXT_CHARS + 1),
    }
    response = http.post("/v1/memories", json=body)
    assert response.status_code == 422, response.text
    assert "context" in response.text
    assert talk.memories.all(persona_id="p", user_id="u") == []
    with pytest.raises(ValidationError):
        MemoryCreate(text="x", context="y" * (MAX_CONTEXT_CHARS + 1))


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = make_engine(database_url(url))
    try:
        (downgrade_schema if down else upgrade_schema)(engine, revision)
    finally:
        engine.dispose()


def test_migration_0008_down_and_up_keeps_full_text(settings: Settings) -> None:
    """Rows written before the column existed are found after the upgrade."""
    with Memory(settings=settings) as memory:
        memory.personas.create(PersonaCreate(id="p", name="P"))
        memory.memories.add(MemoryCreate(text=LAKE, persona_id="p", user_id="u"))
    _migrate(settings.database_url, "0007", down=True)
    _migrate(settings.database_url, "head")
    with Memory(settings=settings) as memory:
        assert _texts(memory, "camping") == [LAKE]
        memory.memories.add(
            MemoryCreate(text="Caroline: Nice.", persona_id="p", user_id="u", context=LAKE)
        )
        assert _texts(memory, "camping") == [LAKE, "Caroline: Nice."]


def test_a_learned_fact_keeps_the_words_it_was_learned_from(talk: Memory) -> None:
    said = "Yosemite was amazing! I love rock climbing."
    events = talk.learning.ingest(
        IngestRequest.model_validate(
            {
                "persona_id": "p",
                "user_id": "u",
                "messages": [{"role": "user", "name": "Alice", "content": said}],
            }
        )
    )
    added = [e.memory_id for e in events if e.event == "ADD" and e.memory_id]
    assert added, events
    fact = talk.memories.get(added[0])
    assert fact.context == f"Alice: {said}"
    assert fact.text == "Alice loves rock climbing"  # one clause of the turn...
    assert _texts(talk, "yosemite") == [fact.text]  # ...found by the rest of it
