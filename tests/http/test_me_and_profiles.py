"""The end-user API (/v1/me) and the admin profile routes, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.profiles import ProfileCategory
from tests.conftest import LiveServer

ADMIN = "an-admin-key-for-these-tests"
LEVEL_SCHEMA = {"type": "object", "properties": {"level": {"enum": ["A1", "A2", "B1"]}}}


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Memory, httpx.Client, httpx.Client]]:
    settings = Settings(database_url=str(tmp_path / "me.db"), embedder="hash", admin_key=ADMIN)
    with Memory(settings=settings) as memory:
        schema = {
            "personal_info": ProfileCategory(),
            "areas_to_improve": ProfileCategory(),
            "progress": ProfileCategory(json_schema=LEVEL_SCHEMA),
        }
        memory.personas.create(
            PersonaCreate(
                id="bjorn", name="Björn", profile_schema=schema, profile_title="STUDENT MEMORY"
            )
        )
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        memory.add("Anna mixes up en and ett", persona_id="bjorn", user_id="anna")
        memory.add("Anna likes trucks", persona_id="brad", user_id="anna")
        memory.profiles.update("bjorn", "anna", "personal_info", {"name": "Anna"})
        token = memory.tokens.issue("anna").token
        with (
            LiveServer(memory) as live,
            httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}) as me,
            httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {ADMIN}"}) as admin,
        ):
            yield memory, me, admin


def test_what_does_each_persona_know_about_me(
    setup: tuple[Memory, httpx.Client, httpx.Client],
) -> None:
    _, me, _ = setup
    whoami = me.get("/v1/me").json()
    assert whoami["user"]["id"] == "anna"
    assert {r["persona_id"] for r in whoami["relationships"]} == {"bjorn", "brad"}
    bjorn = me.get("/v1/me/personas/bjorn/memory")
    assert bjorn.status_code == 200 and bjorn.headers["etag"] == '"v1"'
    body = bjorn.json()
    assert body["profile"]["categories"]["personal_info"] == {"name": "Anna"}
    assert [f["text"] for f in body["facts"]] == ["Anna mixes up en and ett"]
    # The persona's own block is about the persona, not about me: not listed here.
    assert {b["label"] for b in body["blocks"]} == {"human", "user_persona_profile"}
    brad = me.get("/v1/me/personas/brad/memory").json()
    assert [f["text"] for f in brad["facts"]] == ["Anna likes trucks"]
    assert brad["profile"]["categories"]["personal_info"] == {}
    assert me.get("/v1/me/personas/sage/memory").status_code == 404
    export = me.get("/v1/me/export").json()
    assert export["user"]["id"] == "anna" and len(export["memories"]) == 2
    assert export["profiles"][0]["categories"]["personal_info"] == {"name": "Anna"}


def test_edit_and_clear_my_profile(setup: tuple[Memory, httpx.Client, httpx.Client]) -> None:
    memory, me, _ = setup
    edited = me.put(
        "/v1/me/personas/bjorn/memory",
        json={"areas_to_improve": {"grammar": ["en/ett"]}, "progress": {"level": "A2"}},
    )
    assert edited.status_code == 200 and edited.headers["etag"] == '"v2"'
    categories = edited.json()["categories"]
    assert categories["personal_info"] == {"name": "Anna"}  # not in the body: kept
    assert categories["areas_to_improve"] == {"grammar": ["en/ett"]}
    section = memory.profiles.prompt_section("bjorn", "anna")
    assert "en/ett" in section and section.startswith("STUDENT MEMORY")

    cleared = me.delete("/v1/me/personas/bjorn/memory", params={"category": "areas_to_improve"})
    assert cleared.status_code == 200
    assert cleared.json()["categories"]["areas_to_improve"] == {}
    section = memory.profiles.prompt_section("bjorn", "anna")
    assert "areas_to_improve" not in section and "en/ett" not in section and "Anna" in section
    everything = me.delete("/v1/me/personas/bjorn/memory").json()["categories"]
    assert everything == {"personal_info": {}, "areas_to_improve": {}, "progress": {}}
    assert memory.profiles.prompt_section("bjorn", "anna") == ""


def test_forget_one_fact(setup: tuple[Memory, httpx.Client, httpx.Client]) -> None:
    memory, me, _ = setup
    fact = memory.memories.all(persona_id="brad", user_id="anna")[0]
    assert me.delete(f"/v1/me/personas/bjorn/memories/{fact.id}").status_code == 404
    assert me.delete(f"/v1/me/personas/brad/memories/{fact.id}").status_code == 204
    assert me.get("/v1/me/personas/brad/memory").json()["facts"] == []
    assert me.delete(f"/v1/me/personas/brad/memories/{fact.id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"personal_info": {"name": ', "body"),
        (b'["not", "an", "object"]', "body"),
        (b'{"personal_info": ["a", "list"]}', "personal_info"),
        (b'{"personal_info": "text"}', "personal_info"),
        (b'{"progress": {"level": "C2"}}', "progress"),
        (b'{"hobbies": {"chess": true}}', "hobbies"),
    ],
)
def test_bad_edits_are_422_naming_the_problem_and_write_nothing(
    setup: tuple[Memory, httpx.Client, httpx.Client], body: bytes, named: str
) -> None:
    memory, me, _ = setup
    before = memory.profiles.get("bjorn", "anna")
    response = me.put(
        "/v1/me/personas/bjorn/memory",
        content=b'{"areas_to_improve": {"x": 1}, ' + body[1:] if body.startswith(b"{") else body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert named in response.text
    assert memory.profiles.get("bjorn", "anna") == before


def test_if_match(setup: tuple[Memory, httpx.Client, httpx.Client]) -> None:
    memory, me, admin = setup
    etag = me.get("/v1/me/personas/bjorn/memory").headers["etag"]
    first = me.put(
        "/v1/me/personas/bjorn/memory",
        json={"personal_info": {"name": "Anna B"}},
        headers={"If-Match": etag},
    )
    assert first.status_code == 200
    stale = admin.patch(
        "/v1/personas/bjorn/relationships/anna/profile",
        json={"category": "personal_info", "data": {"name": "Overwritten"}},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412 and stale.json()["error"]["field"] == "If-Match"
    assert memory.profiles.get("bjorn", "anna").categories["personal_info"] == {"name": "Anna B"}
    garbage = me.put(
        "/v1/me/personas/bjorn/memory", json={"personal_info": {}}, headers={"If-Match": "nope"}
    )
    assert garbage.status_code == 412
    no_header = me.put("/v1/me/personas/bjorn/memory", json={"personal_info": {"name": "Last"}})
    assert no_header.status_code == 200  # last write wins


def test_admin_profile_routes(setup: tuple[Memory, httpx.Client, httpx.Client]) -> None:
    _, _, admin = setup
    url = "/v1/personas/bjorn/relationships/anna/profile"
    merged = admin.patch(url, json={"category": "personal_info", "data": {"city": "Malmö"}})
    assert merged.json()["categories"]["personal_info"] == {"name": "Anna", "city": "Malmö"}
    replaced = admin.patch(
        url, json={"category": "personal_info", "data": {"name": "A"}, "operation": "replace"}
    )
    assert replaced.json()["categories"]["personal_info"] == {"name": "A"}
    assert admin.put(url, json={"progress": {"level": "B1"}}).status_code == 200
    assert admin.get(url).json()["categories"]["progress"] == {"level": "B1"}
    assert admin.delete(url, params={"category": "nope"}).status_code == 422
    assert admin.delete(url, params={"category": "progress"}).json()["categories"]["progress"] == {}
    history = admin.get(url + "/history").json()["history"]
    assert [h["event"] for h in history][-4:] == ["MERGE", "REPLACE", "PUT", "CLEAR"]
    bad_op = admin.patch(url, json={"category": "personal_info", "data": {}, "operation": "x"})
    assert bad_op.status_code == 422
    assert admin.get("/v1/personas/ghost/relationships/anna/profile").status_code == 404
