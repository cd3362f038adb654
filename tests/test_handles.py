"""Relationship handles: id-free calls for one (persona, user), on both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from persona_memory import (
    InvalidInput,
    Memory,
    MemoryNotFound,
    PersonaCreate,
    PersonaMemoryError,
    PersonaNotFound,
    RelationshipHandle,
    Settings,
    UserNotFound,
)


@pytest.fixture
def personas(memory: Memory) -> Memory:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    return memory


def texts(handle: RelationshipHandle) -> list[str]:
    return sorted(m.text for m in handle.memories())


def test_a_handle_calls_the_services_with_its_ids(personas: Memory) -> None:
    memory = personas
    brad = memory.for_relationship("brad", "alice")
    assert (brad.persona_id, brad.user_id) == ("brad", "alice")
    peanuts = brad.remember("Alice is allergic to peanuts", importance=8, tags=["health"])
    assert (peanuts.persona_id, peanuts.user_id, peanuts.importance) == ("brad", "alice", 8)
    brad.update_profile("personal_info", {"name": "Alice", "goal": {"exam": "B1"}})
    merged = brad.update_profile("personal_info", {"goal": {"date": "May"}})
    assert merged.categories["personal_info"] == {
        "name": "Alice",
        "goal": {"exam": "B1", "date": "May"},
    }
    put = brad.put_profile({"areas_to_improve": {"grammar": ["V2"]}})
    assert put.version == 3 and put.categories["personal_info"]["name"] == "Alice"
    brad.append_block("human", "Alice likes hiking")
    replaced = brad.replace_block("human", "hiking", "climbing")
    assert replaced.value == "Alice likes climbing"
    session = brad.start_session(session_id="call-1", metadata={"channel": "phone"})
    assert (session.persona_id, session.user_id, session.id) == ("brad", "alice", "call-1")

    assert brad.profile() == memory.profiles.get("brad", "alice")
    assert brad.memories() == memory.memories.all(persona_id="brad", user_id="alice")
    assert [m.id for m in brad.memories()] == [peanuts.id]
    assert brad.blocks() == memory.blocks.attached("brad", "alice")
    assert brad.block("human") == memory.blocks.get("brad", "alice", "human") == replaced
    assert brad.relationship() == memory.relationships.get("brad", "alice")
    assert memory.sessions.of_relationship("brad", "alice") == [session]
    hits = brad.search("what is she allergic to", limit=5)
    again = memory.search("what is she allergic to", persona_id="brad", user_id="alice", limit=5)
    assert [h.id for h in hits.results] == [h.id for h in again.results] == [peanuts.id]
    prompt = brad.prompt("food allergies", token_budget=800)
    assert (
        prompt.prompt
        == memory.build_prompt("brad", "alice", query="food allergies", token_budget=800).prompt
    )
    assert "Alice is allergic to peanuts" in prompt.prompt and prompt.total_tokens <= 800
    cleared = brad.clear_profile("areas_to_improve")
    assert cleared == memory.profiles.get("brad", "alice")
    assert cleared.categories["areas_to_improve"] == {} and cleared.version == 4


def test_two_personas_of_one_user_never_see_each_other(personas: Memory) -> None:
    brad = personas.for_relationship("brad", "alice")
    sage = personas.for_relationship("sage", "alice")
    brad.remember("Alice is allergic to peanuts")
    chess = sage.remember("Alice plays chess every Sunday")
    brad.update_profile("personal_info", {"name": "Alice B."})
    sage.update_profile("personal_info", {"nickname": "Ali"})
    brad.append_block("human", "Allergic to peanuts.")

    assert texts(brad) == ["Alice is allergic to peanuts"]
    assert texts(sage) == ["Alice plays chess every Sunday"]
    assert brad.profile().categories["personal_info"] == {"name": "Alice B."}
    assert sage.profile().categories["personal_info"] == {"nickname": "Ali"}
    assert brad.block("human").value == "Allergic to peanuts."
    assert sage.block("human").value == ""
    found = [h.text for h in brad.search("chess on Sunday", limit=10, min_score=0).results]
    assert found == ["Alice is allergic to peanuts"]  # the only memory Brad may see
    with pytest.raises(MemoryNotFound):
        brad.forget(chess.id)  # Sage's memory is not Brad's to forget
    assert texts(sage) == ["Alice plays chess every Sunday"]


def test_forget_deletes_the_handles_own_memory_but_no_shared_one(personas: Memory) -> None:
    brad = personas.for_relationship("brad", "alice")
    own = brad.remember("Alice moved to Oslo")
    shared = personas.add("I love rainy mornings", persona_id="brad")
    brad.forget(own.id)
    assert texts(brad) == ["I love rainy mornings"]  # the persona's own memory stays visible
    with pytest.raises(MemoryNotFound):
        brad.forget(shared.id)
    assert personas.memories.get(shared.id).text == "I love rainy mornings"


def test_switching_handles_loses_nothing(personas: Memory) -> None:
    first = personas.for_relationship("brad", "alice")
    first.update_profile("personal_info", {"name": "Alice"})
    first.remember("Alice is allergic to peanuts")
    other = personas.for_relationship("sage", "alice")
    other.update_profile("personal_info", {"mood": "calm"})
    other.remember("Alice meditates")
    back = personas.for_relationship("brad", "alice")
    assert back == first  # a handle is a value: its two ids and the Memory
    assert back.profile().categories["personal_info"] == {"name": "Alice"}
    assert back.profile().version == 1
    assert texts(back) == ["Alice is allergic to peanuts"]
    assert texts(other) == ["Alice meditates"]


def test_every_write_is_durable_without_a_flush(settings: Settings) -> None:
    with Memory(settings=settings) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        memory.personas.create(PersonaCreate(id="sage", name="Sage"))
        brad = memory.for_relationship("brad", "alice")
        brad.update_profile("personal_info", {"name": "Alice"})
        brad.append_block("human", "Likes climbing.")
        sage = memory.for_relationship("sage", "alice")
        sage.remember("Alice meditates")
        brad.update_profile("personal_info", {"city": "Oslo"})  # back to the first persona
    with Memory(settings=settings) as reopened:
        brad = reopened.for_relationship("brad", "alice")
        assert brad.profile().categories["personal_info"] == {"name": "Alice", "city": "Oslo"}
        assert brad.profile().version == 2
        assert brad.block("human").value == "Likes climbing."
        assert texts(brad) == []
        assert texts(reopened.for_relationship("sage", "alice")) == ["Alice meditates"]


def error_of(call: Callable[[], object]) -> PersonaMemoryError:
    with pytest.raises(PersonaMemoryError) as raised:
        call()
    return raised.value


@pytest.mark.parametrize(
    ("persona_id", "user_id", "field"),
    [("Brad!", "alice", "persona_id"), ("brad", "alice smith", "user_id")],
)
def test_bad_ids_are_refused_as_the_services_refuse_them(
    personas: Memory, persona_id: str, user_id: str, field: str
) -> None:
    from_handle = error_of(lambda: personas.for_relationship(persona_id, user_id))
    from_service = error_of(lambda: personas.relationships.get(persona_id, user_id))
    assert isinstance(from_handle, InvalidInput)
    assert type(from_handle) is type(from_service)
    assert str(from_handle) == str(from_service)
    assert from_handle.field == from_service.field == field


def test_a_handle_creates_nothing_until_its_first_write(personas: Memory) -> None:
    brad = personas.for_relationship("brad", "alice")
    assert isinstance(error_of(brad.profile), UserNotFound)
    assert personas.users.all() == []
    ghost = personas.for_relationship("nobody", "alice")  # ids are well formed: allowed
    assert isinstance(
        error_of(lambda: ghost.update_profile("personal_info", {"a": 1})), PersonaNotFound
    )
    brad.update_profile("personal_info", {"name": "Alice"})
    assert brad.relationship().persona_id == "brad"
