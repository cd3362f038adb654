"""Store v2's findings, each as a test that failed on the first store: one
transaction per operation, reads that never write, caller identity, one source
of truth for the persona block, batches, and ``:memory:`` shared by threads."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from persona_memory import (
    Forbidden,
    Memory,
    MemoryCreate,
    PersonaCreate,
    PersonaUpdate,
    RelationshipUpdate,
    Settings,
)
from persona_memory.tools import ToolContext
from tests.conftest import LiveServer
from tests.dbstate import counts

# --- one transaction per operation --------------------------------------------------------


def test_a_refused_enrolment_leaves_no_new_user_persona(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="pi", name="Pi"))
    before = counts(memory)
    bad_user = "not a valid id!"
    result = memory.invoke_tool(
        "update_user_persona_profile_in_db",
        {"user_id": bad_user, "persona_handle": "brand_new_role"},
        ToolContext(persona_id="pi", user_id=bad_user),
    )
    assert result["status"] == "error" and result["code"] == "invalid_input"
    assert "brand_new_role" not in [p.handle for p in memory.user_personas.all()]
    assert counts(memory) == before


def test_sixteen_concurrent_patches_to_one_memory_lose_nothing(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    stored = memory.add("alice likes tea", persona_id="sage", user_id="alice")
    patches = [
        {"importance": 1 + i % 10} if i % 2 else {"tags": [f"t{i}"], "category": f"c{i}"}
        for i in range(16)
    ]
    with LiveServer(memory) as live:

        def patch(body: dict[str, Any]) -> int:
            with httpx.Client(base_url=live.url, timeout=60) as client:
                return client.patch(f"/v1/memories/{stored.id}", json=body).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(patch, patches))
    assert statuses == [200] * 16
    updates = [h for h in memory.memories.history(stored.id) if h.event == "UPDATE"]
    assert len(updates) == 16
    # Each update read what the one before it wrote: a chain, never two from one state.
    for before, after in itertools.pairwise(updates):
        assert after.old_value == before.new_value
    # And each changed only the fields its PATCH named: none wrote back a stale
    # value over another's change (the first store did, in 20 of 20 runs).
    for update in updates:
        assert update.old_value is not None and update.new_value is not None
        changed = {k for k, v in update.new_value.items() if update.old_value[k] != v}
        assert changed - {"updated_at"} <= {"importance"} or changed - {"updated_at"} <= {
            "tags",
            "category",
        }, changed
    final = memory.memories.get(stored.id).model_dump(mode="json")
    assert final == updates[-1].new_value


def test_fifty_concurrent_appends_to_a_shared_block_over_http(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="pi", name="Pi"))
    users = [f"user{i}" for i in range(5)]
    for user in users:
        memory.user_personas.join(user, "qsr_real_estate")
    label = "qsr_real_estate_service_experience"
    with LiveServer(memory) as live:

        def append(n: int) -> int:
            with httpx.Client(base_url=live.url, timeout=60) as client:
                url = f"/v1/personas/pi/relationships/{users[n % 5]}/blocks/{label}/append"
                return client.post(url, json={"content": f"lesson {n}"}).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(append, range(50)))
    assert statuses == [200] * 50
    lines = memory.blocks.get("pi", "user3", label).value.splitlines()
    assert sorted(line for line in lines if line.startswith("lesson ")) == sorted(
        f"lesson {n}" for n in range(50)
    )


def test_a_failed_batch_writes_nothing(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    before = counts(memory)
    items = [
        MemoryCreate(text="fine", persona_id="sage", user_id="alice"),
        MemoryCreate(text="no such persona", persona_id="ghost", user_id="alice"),
    ]
    with pytest.raises(Exception, match="ghost"):
        memory.memories.add_many(items)
    assert counts(memory) == before


# --- reads never write --------------------------------------------------------------------


def test_no_get_route_writes_anything(memory: Memory, http: httpx.Client) -> None:
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    memory.add("alice likes tea", persona_id="sage", user_id="alice")
    before = counts(memory)
    paths = [
        path
        for path, methods in http.get("/openapi.json").json()["paths"].items()
        if "get" in methods and not path.startswith("/v1/me")
    ]
    assert len(paths) > 10
    for path in paths:
        for ident in ("ghost", "sage", "alice"):
            url = path
            for name in ("persona_id", "user_id", "memory_id", "block_id", "handle", "label"):
                url = url.replace("{" + name + "}", ident)
            response = http.get(url)
            assert response.status_code < 500, (url, response.text)
    assert counts(memory) == before


# --- the caller decides whose data an operation touches -------------------------------------


def test_a_tool_cannot_act_on_another_user(memory: Memory, http: httpx.Client) -> None:
    memory.personas.create(PersonaCreate(id="pi", name="Pi"))
    arguments = {"user_id": "bob", "persona_handle": "qsr_real_estate"}
    with pytest.raises(Forbidden):
        memory.invoke_tool(
            "update_user_persona_profile_in_db",
            arguments,
            ToolContext(persona_id="pi", user_id="sarah"),
        )
    refused = http.post(
        "/v1/tools/update_user_persona_profile_in_db",
        json={"arguments": arguments, "context": {"persona_id": "pi", "user_id": "sarah"}},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert memory.user_personas.memberships("bob") == []
    allowed = memory.invoke_tool(
        "update_user_persona_profile_in_db",
        {"user_id": "sarah", "persona_handle": "qsr_real_estate"},
        ToolContext(persona_id="pi", user_id="sarah"),
    )
    assert allowed["status"] == "success"


def test_a_user_token_cannot_reach_another_users_memory(settings: Settings) -> None:
    keyed = Settings(**{**settings.model_dump(), "admin_key": "admin-key-for-this-test"})
    with Memory(settings=keyed) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        bobs = memory.add("bob's secret", persona_id="brad", user_id="bob")
        memory.add("anna's fact", persona_id="brad", user_id="anna")
        token = memory.tokens.issue("anna").token
        with (
            LiveServer(memory) as live,
            httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}) as me,
        ):
            forget = me.delete(f"/v1/me/personas/brad/memories/{bobs.id}")
            assert forget.status_code == 403
        assert memory.memories.get(bobs.id).text == "bob's secret"


# --- one source of truth -------------------------------------------------------------------


def test_a_persona_edit_reaches_existing_relationships(memory: Memory, http: httpx.Client) -> None:
    memory.personas.create(PersonaCreate(id="brad", name="Brad", core_system_prompt="v1"))
    memory.relationships.put("brad", "alice", RelationshipUpdate())
    memory.personas.update("brad", PersonaUpdate(core_system_prompt="You are Brad, v2."))
    assert memory.blocks.get("brad", "alice", "persona").value == "You are Brad, v2."
    block = http.get("/v1/personas/brad/relationships/alice/blocks/persona").json()
    assert (block["value"], block["read_only"]) == ("You are Brad, v2.", True)
    assert http.get(f"/v1/blocks/{block['id']}").json()["value"] == "You are Brad, v2."


# --- batches and :memory: ------------------------------------------------------------------


def test_batch_endpoint_adds_all_or_nothing(memory: Memory, http: httpx.Client) -> None:
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    items = [{"text": f"fact {i}", "persona_id": "sage", "user_id": "alice"} for i in range(30)]
    added = http.post("/v1/memories/batch", json={"memories": items})
    assert added.status_code == 201 and len(added.json()["memories"]) == 30
    bad = [*items[:3], {"text": "x", "persona_id": "ghost"}]
    refused = http.post("/v1/memories/batch", json={"memories": bad})
    assert refused.status_code == 404
    assert len(memory.memories.all(persona_id="sage", user_id="alice", limit=1000)) == 30
    assert http.post("/v1/memories/batch", json={"memories": []}).status_code == 422
    sdk = memory.add_many([{"text": "via sdk", "persona_id": "sage"}])
    assert sdk[0].scope == "persona"


def test_memory_database_is_shared_by_threads() -> None:
    with Memory(":memory:", settings=Settings(embedder="hash")) as memory:
        memory.personas.create(PersonaCreate(id="sage", name="Sage"))
        seen: list[str] = []
        thread = threading.Thread(target=lambda: seen.append(memory.personas.get("sage").name))
        thread.start()
        thread.join()
        assert seen == ["Sage"]
        path = memory.store.url
    assert "memory.db" in path
