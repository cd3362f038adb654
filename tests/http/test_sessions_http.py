"""Working, episodic and procedural memory over HTTP (issue 9), on both backends:
the seed's Brad + Alice flow, the user's own routes, the agent tools, and bad
input that changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings, UserCreate
from persona_memory.core.sessions import EntryCreate, SessionCreate
from tests.conftest import LiveServer
from tests.dbstate import contents
from tests.test_sessions import CALL, OTHER_TOPICS

REL = "/v1/personas/brad/relationships/alice"


def _session(http: httpx.Client, lines: list[tuple[str, str, str]]) -> str:
    created = http.post("/v1/sessions", json={"persona_id": "brad", "user_id": "alice"})
    assert created.status_code == 201, created.text
    sid: str = created.json()["id"]
    for role, timeline, content in lines:
        entry = {"role": role, "timeline": timeline, "content": content}
        assert http.post(f"/v1/sessions/{sid}/entries", json=entry).status_code == 201
    return sid


@pytest.fixture
def brad(memory: Memory, http: httpx.Client) -> httpx.Client:
    assert http.post("/v1/personas", json={"id": "brad", "name": "Brad"}).status_code == 201
    assert http.put(REL, json={"relationship_type": "bro_friend"}).status_code == 200
    return http


def test_the_brad_and_alice_call_over_http(brad: httpx.Client, memory: Memory) -> None:
    http = brad
    sid = _session(http, CALL)
    context = http.patch(f"/v1/sessions/{sid}/context", json={"topic": "work", "urgency": "high"})
    assert context.json() == {
        "topic": "work",
        "mood": None,
        "urgency": "high",
        "needs_decision": None,
    }
    planning = http.get(f"/v1/sessions/{sid}/entries", params={"timeline": "planning"}).json()
    assert len(planning["entries"]) == 2
    assert "Sarah" in http.post(f"/v1/sessions/{sid}/summarize").json()["summary"]

    ended = http.post(f"/v1/sessions/{sid}/end", json={"flush": True}).json()
    assert ended["session"]["status"] == "ended"
    assert "Sarah" in ended["episode"]["summary"] and ended["episode"]["timeline_count"] == 2

    for n in range(20):
        other = _session(http, [("user", "main", OTHER_TOPICS[n % len(OTHER_TOPICS)])])
        assert http.post(f"/v1/sessions/{other}/end").status_code == 200
    found = http.get(
        "/v1/episodes/search",
        params={"q": "what did we discuss about Sarah", "persona_id": "brad", "user_id": "alice"},
    ).json()["results"]
    assert found[0]["session_id"] == sid
    assert {"summary", "agent", "entry_count", "timeline_count", "duration", "score"} <= set(
        found[0]
    )

    restored = http.post(f"/v1/episodes/{sid}/rehydrate").json()
    entries = http.get(f"/v1/sessions/{restored['id']}/entries").json()["entries"]
    assert [(e["role"], e["timeline"], e["content"]) for e in entries] == CALL

    relationship = http.get(REL).json()
    assert relationship["total_sessions"] == 21 and relationship["last_session_at"]
    folder = Path(memory.settings.transcripts_dir or "") / "transcripts" / "alice" / "brad"
    assert (folder / f"{sid}.json").exists()


def test_bad_session_input_changes_nothing(brad: httpx.Client, memory: Memory) -> None:
    http = brad
    sid = _session(http, CALL[:2])
    assert http.post(f"/v1/sessions/{sid}/end", json={"flush": False}).json()["episode"] is None
    before = contents(memory)
    late = http.post(f"/v1/sessions/{sid}/entries", json={"content": "too late"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "session_ended"
    unknown = http.post("/v1/sessions/nope/entries", json={"content": "hi"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "session_not_found"
    for config in ({"remember_everything": True}, {"auto_recall_depth": 1000}):
        refused = http.put(REL, json={"relationship_type": "x", "memory_config": config})
        assert refused.status_code == 422, refused.text
        assert http.patch(REL, json={"memory_config": config}).status_code == 422
    blank = http.post("/v1/sessions", json={"persona_id": "brad", "user_id": "alice", "x": 1})
    assert blank.status_code == 422
    assert contents(memory) == before


def test_a_user_customizes_and_reads_what_the_persona_remembers(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url, embedder="hash", transcripts_dir=tmp_path)
    with Memory(settings=settings) as memory, LiveServer(memory) as live:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        memory.users.create(UserCreate(id="alice"))
        memory.users.create(UserCreate(id="bob"))
        token = memory.tokens.issue("alice").token
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=live.url, headers=headers) as me:
            body = {"relationship_type": "bro_friend", "custom_system_prompt": "Call me Al."}
            customized = me.post("/v1/me/personas/brad/customize", json=body).json()
            assert customized["relationship_type"] == "bro_friend"
            config = {
                "remember_relationship_details": True,
                "remember_past_conversations": True,
                "remember_personal_facts": True,
                "auto_recall_depth": 2,
            }
            mine = {"relationship_type": "friend", "memory_config": config}
            assert me.put("/v1/me/personas/brad/relationship", json=mine).status_code == 200
            got = me.get("/v1/me/personas/brad/relationship").json()
            assert got["memory_config"]["auto_recall_depth"] == 2
            assert got["custom_system_prompt"] is None  # PUT replaces what I decide
            for topic in OTHER_TOPICS[:3]:
                sid = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice")).id
                memory.sessions.add_entries(sid, [EntryCreate(content=topic)])
                memory.sessions.end(sid)
            remembered = me.get("/v1/me/personas/brad/memories").json()
            assert len(remembered["recent_episodes"]) == 2  # auto_recall_depth
            assert {"facts", "profile", "blocks"} <= set(remembered)
            # Bob's relationship is not reachable with Alice's token.
            other = me.get("/v1/personas/brad/relationships/bob")
            assert other.status_code == 403


def _tool(http: httpx.Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    context = {"persona_id": "brad", "user_id": "alice"}
    response = http.post(f"/v1/tools/{name}", json={"arguments": arguments, "context": context})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def test_the_agent_tools_act_on_their_own_relationship(brad: httpx.Client) -> None:
    http = brad
    sid = _session(http, CALL)
    http.post(f"/v1/sessions/{sid}/end")
    episodes = _tool(http, "search_episodes", {"query": "Sarah at work"})
    assert episodes["results"][0]["session_id"] == sid
    stored = _tool(http, "remember", {"text": "Alice is allergic to peanuts", "importance": 9})
    found = _tool(http, "search_memory", {"query": "peanut allergy"})
    assert found["results"][0]["id"] == stored["id"]
    http.put("/v1/personas/brad/procedures/greeting", json={"template": "Yo {name}"})
    http.put(f"{REL}/procedures/greeting", json={"template": "Al! What's up?"})
    assert _tool(http, "get_procedure", {"key": "greeting"})["template"] == "Al! What's up?"
    missing = _tool(http, "get_procedure", {"key": "farewell"})
    assert missing["status"] == "error" and missing["code"] == "procedure_not_found"
    schemas = http.get("/v1/tools", params={"format": "anthropic"}).json()["tools"]
    names = {tool["name"] for tool in schemas}
    assert {"search_episodes", "search_memory", "remember", "get_procedure"} <= names
