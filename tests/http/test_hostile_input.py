"""Hostile input gets a clear 4xx, writes nothing and breaks no later read (issue 8).

Lone surrogates, NUL characters and deep nesting are refused wherever JSON goes
in; explicit nulls in partial updates, out-of-range dates and numbers, and bad
If-Match headers are 4xx, never 500. On both backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings, UserCreate
from persona_memory.interfaces.http import create_app
from tests.conftest import LiveServer
from tests.dbstate import contents, counts

SURROGATE = '"bad \\ud800 text"'  # a JSON escape Python decodes to a lone surrogate
NUL = '"bad \\u0000 text"'


def deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.fixture
def world(memory: Memory, http: httpx.Client) -> Iterator[tuple[Memory, httpx.Client]]:
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    memory.add("alice likes tea", persona_id="sage", user_id="alice")
    memory.add("everyone: be kind")
    yield memory, http


def send(http: httpx.Client, method: str, url: str, raw: str) -> httpx.Response:
    return http.request(method, url, content=raw, headers={"content-type": "application/json"})


REL = "/v1/personas/sage/relationships/alice"
# (method, url, JSON body with BAD where the hostile value goes)
BODIES = [
    ("POST", "/v1/memories", '{"text": "x", "metadata": {"k": BAD}}'),
    ("POST", "/v1/memories", '{"text": BAD}'),
    ("POST", "/v1/memories", '{"text": "x", "tags": [BAD]}'),
    (
        "POST",
        "/v1/memories/batch",
        '{"memories": [{"text": "ok"}, {"text": "x", "metadata": BAD}]}',
    ),
    ("PATCH", "/v1/memories/MEMORY", '{"metadata": {"k": BAD}}'),
    ("POST", "/v1/personas", '{"id": "p2", "name": "P", "metadata": {"k": BAD}}'),
    ("POST", "/v1/personas", '{"id": "p2", "name": BAD}'),
    ("PATCH", "/v1/personas/sage", '{"behavioral_rules": [BAD]}'),
    ("POST", "/v1/users", '{"id": "zed", "metadata": {"k": BAD}}'),
    ("PUT", REL, '{"relationship_type": BAD}'),
    ("PUT", REL, '{"memory_config": {"k": BAD}}'),
    ("PATCH", REL + "/profile", '{"category": "personal_info", "data": {"k": BAD}}'),
    ("PUT", REL + "/profile", '{"personal_info": {"k": BAD}}'),
    ("PUT", REL + "/blocks/human", '{"value": BAD}'),
    ("POST", REL + "/blocks/human/append", '{"content": BAD}'),
    ("POST", "/v1/memories/search", '{"query": BAD}'),
    ("POST", "/v1/memories/search", '{"query": "tea", "filters": {"category": BAD}}'),
    ("POST", "/v1/user-personas", '{"handle": "a_b", "industry": BAD, "professional_role": "r"}'),
    (
        "POST",
        "/v1/tools/update_memory",
        '{"arguments": {"category": "personal_info", "data": {"k": BAD}}, '
        '"context": {"persona_id": "sage", "user_id": "alice"}}',
    ),
]


@pytest.mark.parametrize("bad", [SURROGATE, NUL, deep(300)], ids=["surrogate", "nul", "deep"])
def test_unstorable_values_are_refused_everywhere(
    world: tuple[Memory, httpx.Client], bad: str
) -> None:
    memory, http = world
    target = memory.memories.all(persona_id="sage", user_id="alice")[0].id
    before = counts(memory)
    for method, url, template in BODIES:
        body = template.replace("BAD", bad)
        response = send(http, method, url.replace("MEMORY", target), body)
        assert response.status_code == 422, (method, url, response.status_code, response.text)
        assert set(response.json()) == {"error"}, response.text
    assert counts(memory) == before
    # Nothing poisoned: every read still answers.
    assert http.post("/v1/memories/search", json={"query": "tea kind"}).status_code == 200
    assert http.get("/v1/memories", params={"persona_id": "sage"}).status_code == 200
    assert http.get("/v1/users/alice/export").status_code == 200


def test_nesting_within_the_limit_is_kept(world: tuple[Memory, httpx.Client]) -> None:
    _, http = world
    body = '{"text": "nested", "metadata": ' + deep(20) + "}"
    created = send(http, "POST", "/v1/memories", body)
    assert created.status_code == 201
    assert created.json()["metadata"] == json.loads(deep(20))


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PATCH", "/v1/memories/MEMORY", {"text": None}),
        ("PATCH", "/v1/memories/MEMORY", {"text": "   "}),
        ("PATCH", "/v1/memories/MEMORY", {"importance": None}),
        ("PATCH", "/v1/memories/MEMORY", {"tags": None}),
        ("PATCH", "/v1/personas/sage", {"name": None}),
        ("PATCH", "/v1/memories/MEMORY", {"valid_from": "0001-01-01T00:00:00+05:00"}),
        ("POST", "/v1/memories", {"text": "x", "valid_to": "9999-12-31T23:00:00-05:00"}),
        (
            "POST",
            "/v1/memories/search",
            {"query": "x", "filters": {"created_after": "0001-01-01T00:00:00+05:00"}},
        ),
        ("POST", "/v1/users/alice/tokens", {"expires_in_seconds": 10**13}),
    ],
)
def test_out_of_range_and_null_are_4xx(
    world: tuple[Memory, httpx.Client], method: str, url: str, body: dict[str, Any]
) -> None:
    memory, http = world
    target = memory.memories.all(persona_id="sage", user_id="alice")[0]
    before = counts(memory)
    response = http.request(method, url.replace("MEMORY", target.id), json=body)
    assert response.status_code == 422, response.text
    assert counts(memory) == before
    assert memory.memories.get(target.id) == target


def test_bad_headers_and_query_numbers(world: tuple[Memory, httpx.Client]) -> None:
    _, http = world
    profile = REL + "/profile"
    for tag in ('"v²"'.encode(), b'"v' + b"9" * 5000 + b'"', b'"x"'):
        patch = {"category": "personal_info", "data": {"a": 1}}
        response = http.patch(profile, json=patch, headers={"If-Match": tag})
        assert response.status_code == 412, response.text
    huge = http.get("/v1/memories", params={"offset": 9223372036854775808})
    assert huge.status_code == 422
    long_handle = "a_" + "b" * 300
    result = http.post(
        "/v1/tools/update_user_persona_profile_in_db",
        json={
            "arguments": {"user_id": "alice", "persona_handle": long_handle},
            "context": {"persona_id": "sage", "user_id": "alice"},
        },
    )
    assert result.status_code == 200 and result.json()["result"]["status"] == "error"


def test_framework_errors_have_our_shape(world: tuple[Memory, httpx.Client]) -> None:
    _, http = world
    missing = http.get("/v1/no-such-route")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = http.put("/v1/memories/search", json={})
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    garbled = send(http, "POST", "/v1/memories", '{"text": ')
    assert garbled.status_code == 422 and garbled.json()["error"]["field"] == "body"


def test_credentials_are_checked_before_the_body(tmp_path: Path, database_url: str) -> None:
    settings = Settings(database_url=database_url, embedder="hash", admin_key="k" * 32)
    with Memory(settings=settings) as memory, LiveServer(memory) as live:
        with httpx.Client(base_url=live.url) as anonymous:
            garbled = send(anonymous, "POST", "/v1/memories", '{"text": ')
            assert garbled.status_code == 401 and garbled.json()["error"]["code"] == "unauthorized"
        memory.users.create(UserCreate(id="anna"))
        token = memory.tokens.issue("anna").token
        with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}) as user:
            assert send(user, "POST", "/v1/memories", '{"text": ').status_code == 403


def test_deleting_a_persona_while_memories_arrive_never_500s(
    world: tuple[Memory, httpx.Client], server: LiveServer
) -> None:
    memory, _ = world
    memory.personas.create(PersonaCreate(id="doomed", name="Doomed"))

    def add(n: int) -> int:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            if n == 10:
                return client.delete("/v1/personas/doomed").status_code
            body = {"text": f"fact {n}", "persona_id": "doomed", "user_id": f"u{n % 3}"}
            return client.post("/v1/memories", json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(add, range(30)))
    assert set(statuses) <= {201, 204, 404, 409}, statuses


BIG = "x" * 70_000
OVERSIZED = [
    ("POST", "/v1/memories", {"text": "x", "metadata": {"k": BIG}}),
    ("POST", "/v1/memories", {"text": "x", "tags": [f"t{i}" for i in range(51)]}),
    ("POST", "/v1/memories", {"text": "x", "tags": ["t" * 101]}),
    ("POST", "/v1/memories/search", {"query": "q" * 2001}),
    ("POST", "/v1/personas", {"id": "p2", "name": "P", "description": BIG}),
    ("POST", "/v1/personas", {"id": "p2", "name": "P", "behavioral_rules": ["r"] * 101}),
    ("PATCH", "/v1/personas/sage", {"core_system_prompt": "p" * 32_001}),
    ("POST", "/v1/users", {"id": "zed", "name": "n" * 201}),
    ("PUT", REL, {"relationship_type": "t" * 51}),
    ("PUT", REL, {"metadata": {"k": BIG}}),
    ("PATCH", REL + "/profile", {"category": "personal_info", "data": {"k": BIG}}),
]


@pytest.mark.parametrize(("method", "url", "body"), OVERSIZED)
def test_every_field_has_a_bound(
    world: tuple[Memory, httpx.Client], method: str, url: str, body: dict[str, Any]
) -> None:
    memory, http = world
    before = counts(memory)
    response = http.request(method, url, json=body)
    assert response.status_code in (413, 422), response.text
    assert counts(memory) == before


def test_a_body_over_the_limit_is_refused_unread(world: tuple[Memory, httpx.Client]) -> None:
    memory, http = world
    before = counts(memory)
    huge = '{"text": "' + "x" * (3 * 2**20) + '"}'
    declared = send(http, "POST", "/v1/memories", huge)
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "body_too_large"

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 100_000

    streamed = http.post(
        "/v1/memories", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert http.get("/healthz").status_code == 200
    assert counts(memory) == before


def test_an_unexpected_error_is_a_500_that_keeps_the_connection(
    memory: Memory, caplog: pytest.LogCaptureFixture
) -> None:
    """Left to Starlette, the 500 went out with keep-alive and the server then
    closed the socket: the client's next request on it was reset. The route
    that fails is the test's own; the layers around it are the product's."""
    app = create_app(memory)

    def fail() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/v1/fail", fail)
    with LiveServer(memory, app) as live, httpx.Client(base_url=live.url) as client:
        failed = client.get("/v1/fail")
        assert failed.status_code == 500
        assert failed.json()["error"]["code"] == "internal_error"
        assert "a bug" not in failed.text  # details go to the log, not the client
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    assert "a bug" in caplog.text


def test_the_longest_handle_gets_its_shared_block(world: tuple[Memory, httpx.Client]) -> None:
    """A 100-character handle makes a 119-character block label, which PostgreSQL
    refused (500) while the label column held 100."""
    _, http = world
    handle = "a_" + "b" * 98
    body = {"handle": handle, "industry": "x", "professional_role": "y"}
    created = http.post("/v1/user-personas", json=body)
    assert created.status_code == 201, created.text
    shared = http.get(f"/v1/user-personas/{handle}").json()["shared_block"]
    assert shared["label"] == f"{handle}_service_experience"


def test_erasing_a_user_while_tokens_are_issued_never_500s(
    world: tuple[Memory, httpx.Client], server: LiveServer
) -> None:
    memory, _ = world
    memory.users.create(UserCreate(id="leaving"))

    def act(n: int) -> int:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            if n == 8:
                return client.delete("/v1/users/leaving").status_code
            return client.post("/v1/users/leaving/tokens", json={"name": f"t{n}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(act, range(24)))
    assert 204 in statuses and set(statuses) <= {201, 204, 404, 409}, statuses
    # No token outlives its user: none can be listed, none authenticates.
    assert "leaving" not in [user.id for user in memory.users.all()]
    assert counts_of_tokens(memory, "leaving") == 0


def counts_of_tokens(memory: Memory, user_id: str) -> int:
    rows = contents(memory)["user_tokens"]
    return sum(f"'{user_id}'" in row for row in rows)
