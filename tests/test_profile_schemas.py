"""Profile schemas are set by the admin and applied to users' input: applying one
never reaches the network, never loops, never runs a pattern without a limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from persona_memory import Memory, PersonaCreate
from persona_memory.core.profiles import ProfileCategory, schema_errors


class Target:
    """A loopback server a schema might point at; it counts who came."""

    def __init__(self) -> None:
        self.hits = 0
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target.hits += 1
                body = b'{"type": "object"}'
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/schema.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def target() -> Iterator[Target]:
    found = Target()
    yield found
    found.server.shutdown()
    found.server.server_close()


def persona(schema: dict[str, Any]) -> dict[str, Any]:
    return {"id": "bjorn", "name": "Björn", "profile_schema": {"notes": {"json_schema": schema}}}


def test_remote_references_are_refused_and_never_fetched(
    http: httpx.Client, target: Target
) -> None:
    for schema in (
        {"$ref": target.url},
        {"type": "object", "properties": {"a": {"$ref": target.url}}},
        {"$defs": {"x": {"$ref": target.url + "#/x"}}, "$ref": "#/$defs/x"},
    ):
        refused = http.post("/v1/personas", json=persona(schema))
        assert refused.status_code == 422, refused.text
        assert "not local" in refused.text
    # Even a schema that got past the check would not be fetched while applied.
    error = schema_errors({"$ref": target.url}, {"a": 1})
    assert error is not None
    assert target.hits == 0
    assert http.get("/v1/personas/bjorn").status_code == 404


@pytest.mark.parametrize(
    "schema",
    [{"$ref": "#"}, {"$ref": "#/$defs/missing"}, {"allOf": [{"$ref": "#"}]}],
    ids=["self", "dangling", "self-in-allOf"],
)
def test_references_that_cannot_be_applied_are_refused(
    http: httpx.Client, schema: dict[str, Any]
) -> None:
    refused = http.post("/v1/personas", json=persona(schema))
    assert refused.status_code == 422, refused.text


@pytest.mark.timeout(60)
def test_a_runaway_pattern_is_cut_short(memory: Memory, http: httpx.Client) -> None:
    schema = {
        "type": "object",
        # Catastrophic backtracking on a failing match, for the regex engine too.
        "properties": {"code": {"type": "string", "pattern": "^(a|aa)+$"}},
        "patternProperties": {"^(b|bb)+$": {"type": "string"}},
    }
    memory.personas.create(
        PersonaCreate(
            id="bjorn", name="Björn", profile_schema={"notes": ProfileCategory(json_schema=schema)}
        )
    )
    url = "/v1/personas/bjorn/relationships/anna/profile"
    slow = http.patch(url, json={"category": "notes", "data": {"code": "a" * 40 + "!"}})
    assert slow.status_code == 422 and "took too long" in slow.text
    keys = http.patch(url, json={"category": "notes", "data": {"b" * 40 + "!": "x"}})
    assert keys.status_code == 422 and "took too long" in keys.text
    fine = http.patch(url, json={"category": "notes", "data": {"code": "aaa"}})
    assert fine.status_code == 200
    assert http.get("/healthz").status_code == 200


def test_local_references_still_work(http: httpx.Client) -> None:
    schema = {
        "$defs": {"level": {"enum": ["A1", "A2", "B1"]}},
        "type": "object",
        "properties": {"level": {"$ref": "#/$defs/level"}},
    }
    assert http.post("/v1/personas", json=persona(schema)).status_code == 201
    url = "/v1/personas/bjorn/relationships/anna/profile"
    assert http.patch(url, json={"category": "notes", "data": {"level": "A2"}}).status_code == 200
    bad = http.patch(url, json={"category": "notes", "data": {"level": "C9"}})
    assert bad.status_code == 422 and "level" in bad.text
