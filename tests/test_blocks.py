"""Core-memory blocks: limits, read-only, replace, and concurrent appends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from persona_memory import Memory, RelationshipUpdate
from persona_memory.core.blocks import (
    HUMAN_LABEL,
    PERSONA_LABEL,
    USER_PERSONA_PROFILE_DESCRIPTION,
    USER_PERSONA_PROFILE_LABEL,
    USER_PERSONA_PROFILE_PREAMBLE,
)
from tests.api_clients import HttpApi, SdkApi

Api = SdkApi | HttpApi


@pytest.fixture
def brad(api: Api) -> Api:
    code, body = api.create_persona("brad", core_system_prompt="You are Brad.")
    assert code == 201, body
    return api


def blocks_of(api: Api, persona_id: str, user_id: str) -> dict[str, dict[str, Any]]:
    code, body = api.blocks(persona_id, user_id)
    assert code == 200, body
    return {block["label"]: block for block in body["blocks"]}


def test_a_read_never_creates_a_relationship(brad: Api) -> None:
    code, body = brad.blocks("brad", "alice")
    assert code == 404 and body["error"]["code"] == "user_not_found"
    assert brad.user("alice")[0] == 404
    assert brad.open_relationship("brad", "alice")[0] == 200
    brad.create_persona("sage")
    code, body = brad.blocks("sage", "alice")  # the user exists, this relationship does not
    assert code == 404 and body["error"]["code"] == "relationship_not_found"


def test_a_relationship_starts_with_its_private_blocks(brad: Api) -> None:
    brad.open_relationship("brad", "alice")
    brad.open_relationship("brad", "bob")
    blocks = blocks_of(brad, "brad", "alice")
    assert set(blocks) == {PERSONA_LABEL, HUMAN_LABEL, USER_PERSONA_PROFILE_LABEL}
    persona = blocks[PERSONA_LABEL]
    assert (persona["value"], persona["read_only"]) == ("You are Brad.", True)
    profile = blocks[USER_PERSONA_PROFILE_LABEL]
    assert profile["description"] == USER_PERSONA_PROFILE_DESCRIPTION
    assert profile["description"].startswith(USER_PERSONA_PROFILE_PREAMBLE)
    assert profile["description"].startswith(
        "Before updating this block, you MUST call update_user_persona_profile_in_db()"
    )
    # Private: another user's agent has its own blocks.
    other = blocks_of(brad, "brad", "bob")
    assert other[HUMAN_LABEL]["id"] != blocks[HUMAN_LABEL]["id"]


def test_set_append_replace(brad: Api) -> None:
    code, block = brad.set_block("brad", "alice", HUMAN_LABEL, "Name: Alice")
    assert code == 200 and block["value"] == "Name: Alice"
    code, block = brad.append("brad", "alice", HUMAN_LABEL, "Likes: hiking")
    assert block["value"] == "Name: Alice\nLikes: hiking"
    code, block = brad.replace("brad", "alice", HUMAN_LABEL, "hiking", "climbing")
    assert block["value"] == "Name: Alice\nLikes: climbing"
    code, fetched = brad.block(block["id"])
    assert code == 200 and fetched["value"] == "Name: Alice\nLikes: climbing"
    brad.open_relationship("brad", "bob")
    assert blocks_of(brad, "brad", "bob")[HUMAN_LABEL]["value"] == ""


def test_bad_writes_fail_and_change_nothing(brad: Api) -> None:
    brad.set_block("brad", "alice", HUMAN_LABEL, "x" * 4990)
    code, body = brad.append("brad", "alice", HUMAN_LABEL, "y" * 20)
    assert code == 413 and body["error"]["field"] == "value" and "5000" in body["error"]["message"]
    code, body = brad.set_block("brad", "alice", HUMAN_LABEL, "z" * 5001)
    assert code == 413
    assert blocks_of(brad, "brad", "alice")[HUMAN_LABEL]["value"] == "x" * 4990

    code, body = brad.set_block("brad", "alice", PERSONA_LABEL, "You are someone else.")
    assert code == 409 and body["error"]["code"] == "block_read_only"
    code, body = brad.append("brad", "alice", PERSONA_LABEL, "more")
    assert code == 409
    assert blocks_of(brad, "brad", "alice")[PERSONA_LABEL]["value"] == "You are Brad."

    code, body = brad.replace("brad", "alice", HUMAN_LABEL, "not there", "x")
    assert code == 422 and body["error"]["field"] == "old_content"

    assert brad.set_block("brad", "alice", "nope", "x")[0] == 404
    assert brad.blocks("ghost", "alice")[0] == 404
    assert brad.blocks("Bad Slug", "alice")[0] == 422
    assert brad.block("no-such-block")[0] == 404
    assert brad.attach("no-such-block", "brad", "alice")[0] == 404


def test_attach_refuses_a_second_block_with_the_same_label(brad: Api) -> None:
    brad.open_relationship("brad", "bob")
    bob_human = blocks_of(brad, "brad", "bob")[HUMAN_LABEL]["id"]
    code, body = brad.attach(bob_human, "brad", "alice")
    assert code == 409 and body["error"]["code"] == "label_taken"
    # The refusal came after alice's relationship was opened: all of it rolled back.
    assert brad.user("alice")[0] == 404
    brad.open_relationship("brad", "alice")
    code, body = brad.attach(bob_human, "brad", "alice")
    assert code == 409 and body["error"]["code"] == "label_taken"
    assert blocks_of(brad, "brad", "alice")[HUMAN_LABEL]["id"] != bob_human


def test_concurrent_appends_to_a_shared_block_lose_nothing(memory: Memory) -> None:
    from persona_memory import PersonaCreate

    memory.personas.create(PersonaCreate(id="pi", name="Pi"))
    users = [f"user{i}" for i in range(6)]
    for user in users:
        memory.user_personas.join(user, "qsr_real_estate")
        memory.relationships.put("pi", user, RelationshipUpdate())
    label = "qsr_real_estate_service_experience"

    def append(n: int) -> None:
        memory.blocks.append("pi", users[n % len(users)], label, f"lesson {n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(append, range(50)))
    value = memory.blocks.get("pi", "user0", label).value
    assert sorted(line for line in value.splitlines() if line.startswith("lesson ")) == sorted(
        f"lesson {n}" for n in range(50)
    )
