"""The auth matrix: every route x {no key, bad key, user token of U, user token of
U', admin key}, on a live server with an admin key configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.interfaces.http import create_app
from tests.conftest import LiveServer

ADMIN_KEY = "admin-key-for-tests-0123456789"
SECRET = "alice-secret-allergy-zebra"  # a string only alice's data contains
PUBLIC = {"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


class World:
    def __init__(self, memory: Memory) -> None:
        for persona_id in ("brad", "sage", "doomed"):
            memory.personas.create(PersonaCreate(id=persona_id, name=persona_id.title()))
        self.fact = memory.add(f"Alice: {SECRET}", persona_id="brad", user_id="alice").id
        self.spare = memory.add("spare", persona_id="brad", user_id="alice").id
        self.forgettable = memory.add("forget me", persona_id="brad", user_id="alice").id
        memory.add("bob's own", persona_id="brad", user_id="bob")
        memory.add("victim's", persona_id="brad", user_id="victim")
        memory.profiles.update("brad", "alice", "personal_info", {"secret": SECRET})
        memory.user_personas.join("alice", "qsr_real_estate")
        self.block = memory.user_personas.get("qsr_real_estate").shared_block.id
        self.alice_token = memory.tokens.issue("alice").token
        self.bob_token = memory.tokens.issue("bob").token
        self.spare_token = memory.tokens.issue("alice").id
        session = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
        entry = memory.sessions.add_entries(session.id, [EntryCreate(content=SECRET)])[0]
        self.params = {
            "persona_id": "brad",
            "user_id": "alice",
            "memory_id": self.fact,
            "block_id": self.block,
            "label": "human",
            "handle": "qsr_real_estate",
            "token_id": self.spare_token,
            "name": "list_available_personas",
            "session_id": session.id,
            "entry_id": str(entry.id),
            "key": "greeting",
        }

    def overrides(self, method: str, path: str) -> dict[str, str]:
        return {
            ("DELETE", "/v1/personas/{persona_id}"): {"persona_id": "doomed"},
            ("DELETE", "/v1/users/{user_id}"): {"user_id": "victim"},
            ("DELETE", "/v1/memories/{memory_id}"): {"memory_id": self.spare},
            ("DELETE", "/v1/me/personas/{persona_id}/memories/{memory_id}"): {
                "memory_id": self.forgettable
            },
        }.get((method, path), {})


BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/personas"): {"id": "fresh", "name": "Fresh"},
    ("PATCH", "/v1/personas/{persona_id}"): {"description": "x"},
    ("PUT", "/v1/personas/{persona_id}/relationships/{user_id}"): {},
    ("POST", "/v1/users"): {"id": "carol"},
    ("POST", "/v1/memories"): {"text": "x"},
    ("PATCH", "/v1/memories/{memory_id}"): {"importance": 6},
    ("POST", "/v1/memories/search"): {"query": "allergy", "persona_id": "brad", "user_id": "alice"},
    ("POST", "/v1/memories/ingest"): {
        "persona_id": "brad",
        "user_id": "alice",
        "messages": [{"role": "user", "content": "I love tea."}],
    },
    ("PUT", "/v1/personas/{persona_id}/relationships/{user_id}/blocks/{label}"): {"value": "x"},
    ("POST", "/v1/personas/{persona_id}/relationships/{user_id}/blocks/{label}/append"): {
        "content": "x"
    },
    ("POST", "/v1/personas/{persona_id}/relationships/{user_id}/blocks/{label}/replace"): {
        "old_content": "x",
        "new_content": "y",
    },
    ("POST", "/v1/user-personas"): {"handle": "a_b", "industry": "A", "professional_role": "B"},
    ("PUT", "/v1/users/{user_id}/user-personas/{handle}"): {"confidence_score": 0.5},
    ("PUT", "/v1/personas/{persona_id}/relationships/{user_id}/profile"): {"personal_info": {}},
    ("PATCH", "/v1/personas/{persona_id}/relationships/{user_id}/profile"): {
        "category": "personal_info",
        "data": {"x": 1},
    },
    ("POST", "/v1/users/{user_id}/tokens"): {},
    ("POST", "/v1/tools/{name}"): {},
    ("PUT", "/v1/me/personas/{persona_id}/memory"): {"personal_info": {"name": "Al"}},
    ("POST", "/v1/prompt"): {"persona_id": "brad", "user_id": "alice"},
    ("POST", "/v1/admin/personas/{persona_id}/memories"): {"text": "I like tea"},
    ("POST", "/v1/personas/{persona_id}/continuation"): {
        "conversation_id": "c1",
        "user_message": "I tried pineapple pizza",
        "stage": "reflex",
    },
}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, Memory, str]]:
    settings = Settings(
        database_url=str(tmp_path / "auth.db"), embedder="hash", admin_key=ADMIN_KEY
    )
    with Memory(settings=settings) as memory:
        world = World(memory)
        with LiveServer(memory) as live:
            yield world, memory, live.url


def routes(memory: Memory) -> list[tuple[str, str]]:
    """Every documented route (the OpenAPI schema lists every API route)."""
    paths = create_app(memory).openapi()["paths"]
    return [
        (method.upper(), path)
        for path, methods in paths.items()
        if path not in PUBLIC
        for method in sorted(methods)
    ]


def test_every_route_against_every_credential(world: tuple[World, Memory, str]) -> None:
    w, memory, url = world
    table = routes(memory)
    assert len(table) > 40
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/healthz").status_code == 200
        for method, template in table:
            params = {**w.params, **w.overrides(method, template)}
            path = template.format(**params)
            me = template == "/v1/me" or template.startswith("/v1/me/")
            credentials = [
                (None, 401),
                ("wrong-key", 401),
                ("pmu_0000_forged", 401),
                # Bob's token on a route naming Alice's fact: 403, not Alice's data.
                (w.bob_token, 403 if not me or "{memory_id}" in template else None),
                (w.alice_token, None if me else 403),
                (ADMIN_KEY, 403 if me else None),
            ]
            for key, expected in credentials:
                response = call_with_body(client, method, template, path, key)
                where = f"{method} {template} with {key!r}: {response.status_code} {response.text}"
                assert response.status_code < 500, where
                if expected is not None:
                    assert response.status_code == expected, where
                else:
                    assert response.status_code not in (401, 403), where
                if response.status_code == 401:
                    assert response.headers["www-authenticate"] == "Bearer"
                if key != ADMIN_KEY and key != w.alice_token:
                    assert SECRET not in response.text, where


def call_with_body(
    client: httpx.Client, method: str, template: str, path: str, key: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.request(method, path, headers=headers, json=BODIES.get((method, template)))


def test_a_user_cannot_touch_another_users_fact(world: tuple[World, Memory, str]) -> None:
    w, memory, url = world
    with httpx.Client(base_url=url, timeout=30) as client:
        bob = {"Authorization": f"Bearer {w.bob_token}"}
        response = client.delete(f"/v1/me/personas/brad/memories/{w.fact}", headers=bob)
        assert response.status_code == 403
        assert memory.memories.get(w.fact).text.endswith(SECRET)
        bobs_view = client.get("/v1/me/personas/brad/memory", headers=bob).json()
        assert [f["text"] for f in bobs_view["facts"]] == ["bob's own"]
        assert SECRET not in str(bobs_view)


def test_tokens_expire_and_can_be_revoked(world: tuple[World, Memory, str]) -> None:
    _, memory, url = world
    with httpx.Client(base_url=url, timeout=30) as client:
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        issued = client.post("/v1/users/bob/tokens", json={"name": "phone"}, headers=admin)
        assert issued.status_code == 201
        token = issued.json()["token"]
        assert token.startswith("pmu_") and issued.json()["name"] == "phone"
        listed = client.get("/v1/users/bob/tokens", headers=admin).json()["tokens"]
        assert issued.json()["id"] in [t["id"] for t in listed]
        assert all("token" not in t and "secret_hash" not in t for t in listed)
        mine = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/me", headers=mine).json()["user"]["id"] == "bob"
        revoke = client.delete(f"/v1/users/bob/tokens/{issued.json()['id']}", headers=admin)
        assert revoke.status_code == 204
        assert client.get("/v1/me", headers=mine).status_code == 401
        assert client.post("/v1/users/nobody/tokens", json={}, headers=admin).status_code == 404

    from persona_memory.core.tokens import TokenCreate

    expired = memory.tokens.issue("bob", TokenCreate(expires_in_seconds=1))
    with memory.store.read() as tx:
        stored = tx.get_token(expired.id)
    assert stored is not None and stored.secret_hash not in expired.token
    assert memory.tokens.user_for(expired.token) == "bob"
    import time

    time.sleep(1.1)
    assert memory.tokens.user_for(expired.token) is None
    assert memory.tokens.user_for(expired.token[:-1] + "x") is None
