"""The in-process SDK: personas, users, memories, history, search, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from persona_memory import (
    AlreadyExists,
    HistoryEvent,
    InvalidInput,
    Memory,
    MemoryNotFound,
    MemoryUpdate,
    PersonaCreate,
    PersonaNotFound,
    PersonaUpdate,
    RelationshipUpdate,
    ScopeKind,
    Settings,
    TextTooLong,
    UserNotFound,
)


def test_add_picks_scope_from_owner(memory: Memory, sage: str) -> None:
    assert memory.add("global rule").scope is ScopeKind.GLOBAL
    assert memory.add("sage's own", persona_id=sage).scope is ScopeKind.PERSONA
    private = memory.add("about alice", persona_id=sage, user_id="alice")
    assert private.scope is ScopeKind.RELATIONSHIP
    assert memory.users.get("alice").id == "alice"
    assert memory.relationships.get(sage, "alice").relationship_type == "friend"


def test_metadata_comes_back_as_given(memory: Memory, sage: str) -> None:
    metadata = {"nested": {"a": [1, 2, {"b": None}]}, "user_id": "mallory", "scope": "global"}
    stored = memory.add("x", persona_id=sage, user_id="alice", metadata=metadata)
    assert memory.memories.get(stored.id).metadata == metadata
    # Identity-looking keys in metadata never move the memory.
    assert stored.user_id == "alice" and stored.scope is ScopeKind.RELATIONSHIP
    assert memory.memories.all(persona_id=sage, user_id="mallory") == []


def test_update_and_history(memory: Memory, sage: str) -> None:
    stored = memory.add("alice likes tea", persona_id=sage, user_id="alice")
    updated = memory.memories.update(stored.id, MemoryUpdate(text="alice likes coffee"))
    assert updated.text == "alice likes coffee" and updated.updated_at >= stored.updated_at
    assert memory.search("coffee", persona_id=sage, user_id="alice").results[0].id == stored.id
    memory.memories.delete(stored.id)
    history = memory.memories.history(stored.id)
    assert [h.event for h in history] == [
        HistoryEvent.ADD,
        HistoryEvent.UPDATE,
        HistoryEvent.DELETE,
    ]
    assert history[1].old_value["text"] == "alice likes tea"  # type: ignore[index]
    with pytest.raises(MemoryNotFound):
        memory.memories.get(stored.id)
    with pytest.raises(MemoryNotFound):
        memory.memories.history("no-such-id")


def test_search_filters_and_scores(memory: Memory, sage: str) -> None:
    memory.add("alice loves pizza", persona_id=sage, user_id="alice", category="food")
    memory.add("alice hates pizza crusts", persona_id=sage, user_id="alice", tags=["picky"])
    memory.add("pizza night is fridays", persona_id=sage)
    results = memory.search("pizza", persona_id=sage, user_id="alice").results
    assert len(results) == 3
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert all(r.text_rank is not None for r in results)
    food = memory.search("pizza", persona_id=sage, user_id="alice", filters={"category": "food"})
    assert [r.text for r in food.results] == ["alice loves pizza"]
    own = memory.search("pizza", persona_id=sage, user_id="alice", filters={"scope": ["persona"]})
    assert [r.text for r in own.results] == ["pizza night is fridays"]
    tagged = memory.search("pizza", persona_id=sage, user_id="alice", filters={"tags": ["picky"]})
    assert [r.text for r in tagged.results] == ["alice hates pizza crusts"]
    assert len(memory.search("pizza", persona_id=sage, user_id="alice", limit=1).results) == 1


def test_validity_window(memory: Memory, sage: str) -> None:
    memory.add(
        "alice lives in Lisbon",
        persona_id=sage,
        user_id="alice",
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
        valid_to=datetime(2024, 1, 1, tzinfo=UTC),
    )
    memory.add("alice lives in Porto", persona_id=sage, user_id="alice", valid_from="2024-01-01")
    now = memory.search(
        "where does alice live",
        persona_id=sage,
        user_id="alice",
        filters={"valid_at": "2025-06-01T00:00:00Z"},
    )
    assert [r.text for r in now.results] == ["alice lives in Porto"]
    with pytest.raises(InvalidInput) as raised:
        memory.add("x", persona_id=sage, valid_from="2024-01-02", valid_to="2024-01-01")
    assert raised.value.field == "valid_to"


def test_errors_change_nothing(memory: Memory, sage: str) -> None:
    with pytest.raises(PersonaNotFound):
        memory.add("x", persona_id="ghost", user_id="carol")
    with pytest.raises(UserNotFound):
        memory.users.get("carol")
    with pytest.raises(TextTooLong) as too_long:
        memory.add("x" * 16_001, persona_id=sage, user_id="carol")
    assert too_long.value.status_code == 413
    with pytest.raises(UserNotFound):
        memory.users.get("carol")
    with pytest.raises(AlreadyExists):
        memory.personas.create(PersonaCreate(id=sage, name="Impostor"))
    assert memory.personas.get(sage).name == "Sage"
    # exist_ok: the persona as it is, not overwritten by the new data.
    kept = memory.personas.create(PersonaCreate(id=sage, name="Impostor"), exist_ok=True)
    assert kept.name == "Sage" and memory.personas.get(sage).name == "Sage"
    with pytest.raises(InvalidInput):
        memory.add("x", user_id="carol")
    assert memory.memories.all(persona_id=sage) == []


def test_text_limit_is_configurable(tmp_path: object) -> None:
    settings = Settings(database_url=f"{tmp_path}/limit.db", embedder="hash", max_text_chars=10)
    with Memory(settings=settings) as memory:
        memory.add("0123456789")
        with pytest.raises(TextTooLong):
            memory.add("0123456789x")
        stored = memory.add("short")
        with pytest.raises(TextTooLong):
            memory.memories.update(stored.id, MemoryUpdate(text="much too long now"))
        assert memory.memories.get(stored.id).text == "short"


def test_personas_update_and_delete(memory: Memory, sage: str) -> None:
    updated = memory.personas.update(sage, PersonaUpdate(description="warm", voice="aria"))
    assert (updated.description, updated.voice, updated.name) == ("warm", "aria", "Sage")
    memory.add("about alice", persona_id=sage, user_id="alice")
    memory.personas.delete(sage)
    with pytest.raises(PersonaNotFound):
        memory.personas.get(sage)
    with pytest.raises(PersonaNotFound):
        memory.personas.delete(sage)
    assert memory.relationships.of_user("alice") == []


def test_relationships(memory: Memory, sage: str) -> None:
    put = memory.relationships.put(
        "brad", "alice", RelationshipUpdate(relationship_type="bro_friend")
    )
    again = memory.relationships.put(
        "brad", "alice", RelationshipUpdate(relationship_type="friend")
    )
    assert again.created_at == put.created_at and again.relationship_type == "friend"
    with pytest.raises(PersonaNotFound):
        memory.relationships.put("ghost", "alice", RelationshipUpdate())


def test_export_and_erase(memory: Memory, sage: str) -> None:
    memory.add("alice fact 1", persona_id=sage, user_id="alice")
    memory.add("alice fact 2", persona_id="brad", user_id="alice")
    memory.add("bob fact", persona_id=sage, user_id="bob")
    memory.add("sage's own", persona_id=sage)
    export = memory.users.export("alice")
    assert sorted(m.text for m in export.memories) == ["alice fact 1", "alice fact 2"]
    assert {r.persona_id for r in export.relationships} == {"brad", "sage"}
    assert len(export.history) == 2
    assert {(b.persona_id, b.label) for b in export.blocks} >= {
        ("sage", "human"),
        ("brad", "human"),
    }
    assert all(b.user_id == "alice" for b in export.blocks)
    memory.users.erase("alice")
    with pytest.raises(UserNotFound):
        memory.users.export("alice")
    texts = [m.text for m in memory.memories.all(persona_id=sage, user_id="alice")]
    assert texts == ["sage's own"]
    bob_sees = memory.memories.all(persona_id=sage, user_id="bob")
    assert sorted(m.text for m in bob_sees) == ["bob fact", "sage's own"]


def test_reindex_after_model_change(settings: Settings) -> None:
    with Memory(settings=settings) as memory:
        memory.add("alpha")
        memory.add("beta")
    from persona_memory.providers.embedders.hashing import HashingEmbedder

    with Memory(settings=settings, embedder=HashingEmbedder(dimension=64)) as memory:
        assert memory.search("alpha", mode="vector").results == []
        seen: list[int] = []
        assert memory.memories.reindex(batch_size=1, progress=seen.append) == 2
        assert seen == [1, 1]
        assert memory.search("alpha", mode="vector").results[0].text == "alpha"
        assert memory.memories.reindex() == 0
