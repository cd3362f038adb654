"""The REST API over a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from persona_memory import Memory


@pytest.fixture
def personas(http: httpx.Client) -> None:
    for persona_id, name in [("sage", "Sage"), ("brad", "Brad")]:
        response = http.post("/v1/personas", json={"id": persona_id, "name": name})
        assert response.status_code == 201, response.text


def error_of(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, object] = body["error"]
    return error


def test_healthz_and_openapi(http: httpx.Client) -> None:
    health = http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["embedding_model"] == "hash-384"
    spec = http.get("/openapi.json").json()
    for path in [
        "/v1/personas",
        "/v1/personas/{persona_id}",
        "/v1/users",
        "/v1/users/{user_id}",
        "/v1/users/{user_id}/export",
        "/v1/personas/{persona_id}/relationships/{user_id}",
        "/v1/memories",
        "/v1/memories/{memory_id}",
        "/v1/memories/{memory_id}/history",
        "/v1/memories/search",
    ]:
        assert path in spec["paths"], path
    assert http.get("/docs").status_code == 200


def test_persona_crud(http: httpx.Client) -> None:
    created = http.post(
        "/v1/personas",
        json={"id": "brad", "name": "Brad", "personality_traits": {"humor_type": "dry"}},
    )
    assert created.status_code == 201
    assert created.json()["personality_traits"] == {"humor_type": "dry"}
    patched = http.patch("/v1/personas/brad", json={"description": "keeps it real"})
    assert patched.json()["description"] == "keeps it real"
    assert patched.json()["name"] == "Brad"
    assert [p["id"] for p in http.get("/v1/personas").json()["personas"]] == ["brad"]
    assert http.get("/v1/personas/brad").json()["description"] == "keeps it real"
    assert http.delete("/v1/personas/brad").status_code == 204
    assert http.get("/v1/personas/brad").status_code == 404


def test_memory_crud_history_and_search(http: httpx.Client, personas: None) -> None:
    body = {
        "text": "Alice is allergic to peanuts",
        "persona_id": "brad",
        "user_id": "alice",
        "category": "health",
        "tags": ["allergy"],
        "importance": 9,
        "metadata": {"source_call": 42, "nested": {"k": [1, "two"]}},
    }
    created = http.post("/v1/memories", json=body)
    assert created.status_code == 201, created.text
    memory = created.json()
    assert memory["scope"] == "relationship" and memory["id"]
    assert memory["metadata"] == body["metadata"]
    persona_own = http.post(
        "/v1/memories", json={"text": "Brad likes trucks", "persona_id": "brad"}
    )
    assert persona_own.json()["scope"] == "persona"
    assert http.post("/v1/memories", json={"text": "Be kind"}).json()["scope"] == "global"

    found = http.post(
        "/v1/memories/search",
        json={"query": "peanut allergy", "persona_id": "brad", "user_id": "alice", "limit": 5},
    )
    assert found.status_code == 200
    results = found.json()["results"]
    assert results[0]["id"] == memory["id"]
    for key in ("id", "text", "score", "scope", "persona_id", "user_id", "category", "metadata"):
        assert key in results[0]
    assert results[0]["metadata"] == body["metadata"]
    # Every content word of the query is in the memory: relevance 1, and why.
    explained = http.post(
        "/v1/memories/search",
        json={"query": "peanut allergy", "persona_id": "brad", "user_id": "alice", "explain": True},
    ).json()["results"]
    assert explained[0]["relevance"] == 1.0
    why = explained[0]["explanation"]
    assert why["term_coverage"] == 1.0 and why["text"]["rank"] == 1
    assert why["vector"]["rank"] >= 1 and -1.0 <= why["vector"]["score"] <= 1.0
    assert "explanation" not in results[0] or results[0]["explanation"] is None
    for floor in (-0.1, 1.5, "high"):
        bad = http.post("/v1/memories/search", json={"query": "x", "min_score": floor})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "min_score"

    listed = http.get(
        "/v1/memories", params={"persona_id": "brad", "user_id": "alice", "scope": "relationship"}
    )
    assert [m["id"] for m in listed.json()["memories"]] == [memory["id"]]
    by_category = http.get(
        "/v1/memories", params={"persona_id": "brad", "user_id": "alice", "category": "health"}
    )
    assert len(by_category.json()["memories"]) == 1

    patched = http.patch(f"/v1/memories/{memory['id']}", json={"importance": 10})
    assert patched.json()["importance"] == 10
    assert http.get(f"/v1/memories/{memory['id']}").json()["importance"] == 10
    assert http.delete(f"/v1/memories/{memory['id']}").status_code == 204
    assert http.get(f"/v1/memories/{memory['id']}").status_code == 404
    history = http.get(f"/v1/memories/{memory['id']}/history").json()["history"]
    assert [h["event"] for h in history] == ["ADD", "UPDATE", "DELETE"]
    assert history[1]["old_value"]["importance"] == 9
    assert history[1]["new_value"]["importance"] == 10


def test_users_relationships_export_erase(http: httpx.Client, personas: None) -> None:
    assert http.post("/v1/users", json={"id": "alice", "name": "Alice"}).status_code == 201
    relationship = http.put(
        "/v1/personas/brad/relationships/alice",
        json={"relationship_type": "bro_friend", "custom_system_prompt": "Call her dude."},
    )
    assert relationship.status_code == 200
    assert http.get("/v1/personas/brad/relationships/alice").json()["relationship_type"] == (
        "bro_friend"
    )
    http.post("/v1/memories", json={"text": "secret 1", "persona_id": "brad", "user_id": "alice"})
    http.post("/v1/memories", json={"text": "secret 2", "persona_id": "sage", "user_id": "alice"})
    http.post("/v1/memories", json={"text": "bob's", "persona_id": "sage", "user_id": "bob"})
    export = http.get("/v1/users/alice/export").json()
    assert sorted(m["text"] for m in export["memories"]) == ["secret 1", "secret 2"]
    assert {r["persona_id"] for r in export["relationships"]} == {"brad", "sage"}
    assert http.delete("/v1/users/alice").status_code == 204
    assert http.get("/v1/users/alice").status_code == 404
    assert http.get("/v1/users/alice/export").status_code == 404
    assert http.get("/v1/personas/brad/relationships/alice").status_code == 404
    sage_alice = http.get("/v1/memories", params={"persona_id": "sage", "user_id": "alice"})
    assert sage_alice.json()["memories"] == []
    assert [u["id"] for u in http.get("/v1/users").json()["users"]] == ["bob"]


def _counts(memory: Memory) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from persona_memory.storage.schema import memories, personas, users

    engine = memory.store.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (personas, users, memories)
        )


def test_errors_have_status_message_and_change_nothing(
    http: httpx.Client, personas: None, memory: Memory
) -> None:
    before = _counts(memory)

    missing = http.post("/v1/memories", json={"text": "x", "persona_id": "ghost", "user_id": "z"})
    assert missing.status_code == 404
    assert "ghost" in str(error_of(missing)["message"])
    assert error_of(missing)["field"] == "persona_id"

    duplicate = http.post("/v1/personas", json={"id": "sage", "name": "Other"})
    assert duplicate.status_code == 409 and "sage" in str(error_of(duplicate)["message"])
    assert http.get("/v1/personas/sage").json()["name"] == "Sage"

    too_long = http.post(
        "/v1/memories", json={"text": "y" * 16_001, "persona_id": "sage", "user_id": "z"}
    )
    assert too_long.status_code == 413
    assert error_of(too_long)["field"] == "text"
    assert "16000" in str(error_of(too_long)["message"])

    bad_slug = http.post("/v1/personas", json={"id": "Not A Slug", "name": "x"})
    assert bad_slug.status_code == 422 and error_of(bad_slug)["field"] == "id"
    bad_importance = http.post("/v1/memories", json={"text": "x", "importance": 11})
    assert bad_importance.status_code == 422 and error_of(bad_importance)["field"] == "importance"
    not_json = http.post(
        "/v1/memories", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    orphan_user = http.post("/v1/memories", json={"text": "x", "user_id": "z"})
    assert orphan_user.status_code == 422 and error_of(orphan_user)["field"] == "persona_id"
    bad_path = http.get("/v1/memories", params={"persona_id": "BAD SLUG"})
    assert bad_path.status_code == 422 and error_of(bad_path)["field"] == "persona_id"

    assert _counts(memory) == before
    assert http.get("/v1/users/z").status_code == 404
    for path in ["/v1/personas/ghost", "/v1/users/ghost", "/v1/memories/ghost"]:
        response = http.get(path)
        assert response.status_code == 404 and "ghost" in str(error_of(response)["message"])
    assert http.patch("/v1/memories/ghost", json={"text": "x"}).status_code == 404
    assert http.delete("/v1/users/ghost").status_code == 404


def test_users_are_found_by_part_of_id_or_name_a_page_at_a_time(http: httpx.Client) -> None:
    for user_id, name in [("alice", "Alice Moreau"), ("bob", "Bob"), ("carol", "Alicia Keys")]:
        assert http.post("/v1/users", json={"id": user_id, "name": name}).status_code == 201
    everyone = http.get("/v1/users").json()
    assert [u["id"] for u in everyone["users"]] == ["alice", "bob", "carol"]
    assert everyone["total"] == 3
    found = http.get("/v1/users", params={"q": "ALI"}).json()
    assert [u["id"] for u in found["users"]] == ["alice", "carol"] and found["total"] == 2
    page = http.get("/v1/users", params={"q": "ali", "limit": 1, "offset": 1}).json()
    assert [u["id"] for u in page["users"]] == ["carol"] and page["total"] == 2
    assert http.get("/v1/users", params={"limit": 0}).status_code == 422


def test_a_users_relationships_sessions_and_episodes(http: httpx.Client, personas: None) -> None:
    assert http.get("/v1/users/alice/relationships").status_code == 404
    for persona_id in ["sage", "brad"]:
        http.put(f"/v1/personas/{persona_id}/relationships/alice", json={})
    relationships = http.get("/v1/users/alice/relationships").json()["relationships"]
    assert sorted(r["persona_id"] for r in relationships) == ["brad", "sage"]

    rel = "/v1/personas/sage/relationships/alice"
    assert http.get(f"{rel}/sessions").json() == {"sessions": []}
    first = http.post("/v1/sessions", json={"persona_id": "sage", "user_id": "alice"}).json()
    http.post(f"/v1/sessions/{first['id']}/entries", json={"content": "I love green tea"})
    http.post(f"/v1/sessions/{first['id']}/end", json={"flush": True})
    second = http.post("/v1/sessions", json={"persona_id": "sage", "user_id": "alice"}).json()
    sessions = http.get(f"{rel}/sessions").json()["sessions"]
    assert [(s["id"], s["status"]) for s in sessions] == [
        (second["id"], "live"),
        (first["id"], "ended"),
    ]
    episodes = http.get(f"{rel}/episodes").json()["episodes"]
    assert [e["session_id"] for e in episodes] == [first["id"]]
    assert http.get("/v1/personas/brad/relationships/alice/sessions").json() == {"sessions": []}
    assert http.get("/v1/personas/sage/relationships/nobody/sessions").status_code == 404
    assert http.get("/v1/personas/sage/relationships/nobody/episodes").status_code == 404
