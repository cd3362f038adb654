"""Every operation in the OpenAPI schema, sent hostile values wherever a value goes
(issue 8): every body field and the body itself, every query parameter, every path
parameter and If-Match. On both backends, through a real HTTP server.

Under ``make test`` each body field gets a third of the hostile values, in turns
that give every value to every operation; ``make fuzz`` gives every field every value.

For each request: never a 5xx or a hang; an error is a status the operation
documents, in our ``{"error": ...}`` shape, and leaves every table as it was.
After each operation's run that changed the database every read route still
answers, so nothing accepted can poison a later read. Each operation's valid
baseline request is sent last and must succeed, which shows that the mutations
reached the code behind validation.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings, UserCreate
from persona_memory.core.persona_file_service import RuntimeMemoryCreate
from persona_memory.core.procedures import ProcedurePut
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.core.user_personas import UserPersonaCreate
from persona_memory.interfaces.http import create_app
from tests.conftest import LiveServer
from tests.dbstate import contents

ADMIN_KEY = "k" * 32
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "personas"
REL = "/v1/personas/{persona_id}/relationships/{user_id}"
ME = "/v1/me/personas/{persona_id}"
NO_BODY = object()


@dataclass(frozen=True)
class Call:
    """A valid request to one operation; ``FRESH`` in a body string becomes a new
    number on each send, so creating twice is not refused as a duplicate."""

    body: Any = NO_BODY
    query: dict[str, str] = field(default_factory=dict)
    # Path parameters that name another row of the world than the default one.
    paths: dict[str, str] = field(default_factory=dict)
    # Puts back what an accepted mutation may have changed, before the baseline;
    # may return path values for the baseline (a new live session to end).
    reset: Callable[[Memory], dict[str, str] | None] | None = None


MEMORY_FIELDS = {
    "text": "alice drinks green tea",
    "persona_id": "sage",
    "user_id": "alice",
    "category": "food",
    "tags": ["drinks"],
    "importance": 5,
    "metadata": {"source_turn": 3},
    "source": "test",
    "valid_from": "2024-01-01T00:00:00Z",
    "valid_to": "2030-01-01T00:00:00Z",
    "context": "Alice: I just got back from the market.",
    "can_reference": True,
}
SEARCH = {
    "query": "tea",
    "persona_id": "sage",
    "user_id": "alice",
    "limit": 5,
    "mode": "hybrid",
    "filters": {
        "scope": ["relationship"],
        "category": "food",
        "tags": ["drinks"],
        "created_after": "2020-01-01T00:00:00Z",
        "created_before": "2100-01-01T00:00:00Z",
        "valid_at": "2025-01-01T00:00:00Z",
        "min_importance": 1,
        "include_expired": False,
        "include_unreferenceable": False,
    },
    "min_score": 0,
    "explain": True,
}
PERSONA_FIELDS = {
    "name": "Pat",
    "description": "a tutor",
    "core_system_prompt": "You are Pat.",
    "personality_traits": {"humor": "dry"},
    "behavioral_rules": ["be kind"],
    "voice": "warm",
    "metadata": {"team": "a"},
    "attach_user_persona_blocks": True,
    "profile_schema": {"personal_info": {"description": "who", "json_schema": {"type": "object"}}},
    "profile_title": "STUDENT MEMORY",
    "continuation": {
        "enabled": True,
        "probability": 0.5,
        "reflex_question_probability": 0.25,
        "types": ["question", "share"],
        "share_from_memories": True,
    },
}
HUMAN_BLOCK = "Alice likes tea."
MEMORY_CONFIG = {
    "remember_relationship_details": True,
    "remember_past_conversations": True,
    "remember_personal_facts": True,
    "auto_recall_depth": 5,
}
RELATIONSHIP = {
    "relationship_type": "mentor",
    "custom_system_prompt": "Be brief.",
    "memory_config": MEMORY_CONFIG,
    "metadata": {"since": "2024"},
    "relationship_started_at": "2020-05-01T00:00:00Z",
}
SESSION = "/v1/sessions/{session_id}"
PROC = "/v1/personas/{persona_id}/procedures"
REL_PROC = REL + "/procedures"
PROCEDURE = {"template": "Yo {name}, what's up?", "description": "how to greet"}


def _restore_human_block(memory: Memory) -> None:
    memory.blocks.set_value("sage", "alice", "human", HUMAN_BLOCK)


def _new_live_session(memory: Memory) -> dict[str, str]:
    session = memory.sessions.start(SessionCreate(persona_id="sage", user_id="alice"))
    return {"session_id": session.id}


PROFILE_PATCH = {"category": "personal_info", "data": {"name": "Al"}, "operation": "merge"}

BASELINES: dict[str, Call] = {
    "GET /v1/personas": Call(),
    "POST /v1/personas": Call({"id": "pFRESH", **PERSONA_FIELDS}),
    "GET /v1/personas/{persona_id}": Call(),
    "PATCH /v1/personas/{persona_id}": Call(PERSONA_FIELDS),
    "DELETE /v1/personas/{persona_id}": Call(),
    f"GET {REL}": Call(),
    f"PUT {REL}": Call(RELATIONSHIP),
    f"PATCH {REL}": Call(RELATIONSHIP),
    "GET /v1/users": Call(query={"q": "ali", "limit": "5", "offset": "0"}),
    "GET /v1/users/{user_id}/relationships": Call(),
    f"GET {REL}/sessions": Call(),
    f"GET {REL}/episodes": Call(query={"limit": "5"}),
    "POST /v1/users": Call({"id": "uFRESH", "name": "Bo", "metadata": {"plan": "pro"}}),
    "GET /v1/users/{user_id}": Call(),
    "DELETE /v1/users/{user_id}": Call(),
    "GET /v1/users/{user_id}/export": Call(),
    "POST /v1/memories": Call(MEMORY_FIELDS),
    "GET /v1/memories": Call(
        query={
            "persona_id": "sage",
            "user_id": "alice",
            "scope": "relationship",
            "category": "food",
            "tag": "drinks",
            "limit": "5",
            "offset": "0",
            "include_expired": "true",
        }
    ),
    "POST /v1/memories/batch": Call({"memories": [MEMORY_FIELDS]}),
    "POST /v1/prompt": Call(
        {
            "persona_id": "sage",
            "user_id": "alice",
            "query": "tea",
            "session_id": "s1",
            "token_budget": 500,
            "sections": ["core_identity", "facts"],
        }
    ),
    "POST /v1/memories/ingest": Call(
        {
            "persona_id": "sage",
            "user_id": "alice",
            "messages": [{"role": "user", "content": "I love green tea.", "name": "Alice"}],
        }
    ),
    "POST /v1/memories/search": Call(SEARCH),
    "GET /v1/memories/{memory_id}": Call(),
    "PATCH /v1/memories/{memory_id}": Call(
        {k: v for k, v in MEMORY_FIELDS.items() if k not in ("persona_id", "user_id", "source")}
    ),
    "DELETE /v1/memories/{memory_id}": Call(),
    "GET /v1/memories/{memory_id}/history": Call(),
    f"GET {REL}/blocks": Call(),
    f"GET {REL}/blocks/{{label}}": Call(),
    f"PUT {REL}/blocks/{{label}}": Call({"value": "Alice, likes tea."}),
    f"POST {REL}/blocks/{{label}}/append": Call({"content": "Drinks it hot."}),
    f"POST {REL}/blocks/{{label}}/replace": Call(
        {"old_content": "likes tea", "new_content": "loves tea"},
        reset=lambda memory: _restore_human_block(memory),
    ),
    f"PUT {REL}/attached-blocks/{{block_id}}": Call(),
    f"DELETE {REL}/attached-blocks/{{block_id}}": Call(),
    "GET /v1/blocks/{block_id}": Call(),
    "GET /v1/user-personas": Call(),
    "POST /v1/user-personas": Call(
        {
            "handle": "role_FRESH",
            "industry": "tech",
            "professional_role": "analyst",
            "description": "numbers",
        }
    ),
    "GET /v1/user-personas/{handle}": Call(),
    "GET /v1/users/{user_id}/user-personas": Call(),
    "PUT /v1/users/{user_id}/user-personas/{handle}": Call({"confidence_score": 0.8}),
    "DELETE /v1/users/{user_id}/user-personas/{handle}": Call(),
    f"GET {REL}/profile": Call(),
    f"PUT {REL}/profile": Call({"personal_info": {"name": "Al"}}),
    f"PATCH {REL}/profile": Call(PROFILE_PATCH),
    f"DELETE {REL}/profile": Call(query={"category": "personal_info"}),
    f"GET {REL}/profile/history": Call(),
    "POST /v1/users/{user_id}/tokens": Call({"name": "laptop", "expires_in_seconds": 3600}),
    "GET /v1/users/{user_id}/tokens": Call(),
    "DELETE /v1/users/{user_id}/tokens/{token_id}": Call(),
    "GET /v1/tools": Call(query={"format": "anthropic"}),
    "POST /v1/tools/{name}": Call(
        {
            "arguments": PROFILE_PATCH,
            "context": {"persona_id": "sage", "user_id": "alice", "session_id": "s1"},
        }
    ),
    "POST /v1/sessions": Call(
        {"persona_id": "sage", "user_id": "alice", "session_id": "sFRESH", "metadata": {"ch": 1}}
    ),
    f"GET {SESSION}": Call(),
    f"POST {SESSION}/entries": Call({"content": "Hi there", "role": "user", "timeline": "main"}),
    f"GET {SESSION}/entries": Call(query={"timeline": "main", "q": "tea"}),
    f"DELETE {SESSION}/entries/{{entry_id}}": Call(),
    f"GET {SESSION}/context": Call(),
    f"PATCH {SESSION}/context": Call(
        {"topic": "tea", "mood": "calm", "urgency": "low", "needs_decision": False}
    ),
    f"POST {SESSION}/summarize": Call(),
    f"POST {SESSION}/end": Call({"flush": True}, reset=_new_live_session),
    "GET /v1/episodes/search": Call(
        query={"q": "tea", "persona_id": "sage", "user_id": "alice", "limit": "5"}
    ),
    "POST /v1/episodes/{session_id}/rehydrate": Call(
        query={"summary_only": "false"}, paths={"session_id": "ended_session_id"}
    ),
    "POST /v1/personas/{persona_id}/continuation": Call(
        {"conversation_id": "cFRESH", "user_message": "tea?", "stage": "burst", "seed": 7}
    ),
    f"GET {PROC}": Call(),
    f"GET {PROC}/search": Call(query={"q": "greet", "limit": "5"}),
    f"GET {PROC}/{{key}}": Call(),
    f"PUT {PROC}/{{key}}": Call(PROCEDURE),
    f"DELETE {PROC}/{{key}}": Call(),
    f"GET {REL_PROC}": Call(),
    f"GET {REL_PROC}/search": Call(query={"q": "greet", "limit": "5"}),
    f"GET {REL_PROC}/{{key}}": Call(),
    f"PUT {REL_PROC}/{{key}}": Call(PROCEDURE),
    f"DELETE {REL_PROC}/{{key}}": Call(),
    "GET /v1/me": Call(),
    f"GET {ME}/memories": Call(),
    f"POST {ME}/customize": Call({"relationship_type": "friend", "custom_system_prompt": "Hi"}),
    f"GET {ME}/relationship": Call(),
    f"PUT {ME}/relationship": Call(
        {
            "relationship_type": "friend",
            "custom_system_prompt": "Hi",
            "memory_config": MEMORY_CONFIG,
        }
    ),
    f"GET {ME}/memory": Call(),
    f"GET {ME}/prompt": Call(query={"query": "tea", "token_budget": "500"}),
    f"PUT {ME}/memory": Call({"personal_info": {"name": "Al"}}),
    f"DELETE {ME}/memory": Call(query={"category": "personal_info"}),
    f"DELETE {ME}/memories/{{memory_id}}": Call(),
    "GET /v1/me/export": Call(),
    "GET /healthz": Call(),
    "GET /v1/admin/personas": Call(),
    "GET /v1/admin/personas/{persona_id}/profile": Call(),
    "GET /v1/admin/personas/{persona_id}/memories": Call(
        query={"category": "opinion", "source": "json", "q": "pizza"}
    ),
    "POST /v1/admin/personas/{persona_id}/memories": Call(
        {
            "text": "I like green tea",
            "category": "preference",
            "tags": ["tea"],
            "emotional_tone": "calm",
            "importance": 5,
            "can_reference": True,
        }
    ),
    "DELETE /v1/admin/personas/{persona_id}/memories/{memory_id}": Call(
        paths={"memory_id": "persona_memory_id"}
    ),
    "POST /v1/admin/personas/{persona_id}/memories/sync": Call(query={"force": "true"}),
    "GET /v1/admin/personas/{persona_id}/memories/stats": Call(),
    "GET /v1/admin/privacy/stats": Call(),
    "POST /v1/admin/privacy/scan": Call(query={"fix": "true"}),
}


def deep(levels: int, open_: str = '{"a":', close: str = "}") -> str:
    return open_ * levels + "1" + close * levels


# Raw JSON text, put where a value goes: one of each kind (a second member of a
# kind, like -Infinity beside Infinity, found nothing the first did not, and
# each value costs ~150 requests per backend).
HOSTILE_JSON = {
    "null": "null",
    "true": "true",
    "negative": "-1",
    "int64_plus_1": "9223372036854775808",
    "uint64_plus_1": "18446744073709551616",
    "e308": "1e308",
    "e400": "1e400",
    "nan": "NaN",
    "infinity": "Infinity",
    "epoch_far": "253402300800000",
    "empty": '""',
    "blank": '"   "',
    "surrogate": '"\\ud800"',
    "nul": '"a\\u0000b"',
    "controls": '"\\u202e\\u0007\\u001b[31m"',
    "huge_string": '"' + "x" * 300_000 + '"',
    "date_low": '"0001-01-01T00:00:00+05:00"',
    "date_high": '"9999-12-31T23:00:00-05:00"',
    "date_year_10000": '"10000-01-01T00:00:00Z"',
    "date_invalid": '"2024-02-30T00:00:00Z"',
    "empty_list": "[]",
    "long_list": "[" + ",".join(['"t"'] * 20_000) + "]",
    "empty_object": "{}",
    "surrogate_key": '{"\\ud800": 1}',
    "deep_object": deep(300),
    "deep_list": deep(300, "[", "]"),
}
# Already percent-encoded, put in a query parameter or a path segment.
HOSTILE_URL = {
    "surrogate_utf8": "%ED%A0%80",
    "invalid_utf8": "%FF%FE",
    "nul": "%00",
    "huge": "x" * 5000,
    "negative": "-1",
    "int64_plus_1": "9223372036854775808",
    "e308": "1e308",
    "nan": "NaN",
    "date_low": "0001-01-01T00:00:00%2B05:00",
    "traversal": "..%2F..%2Fetc",
    "fts_syntax": "%22%2A%28NEAR",
    "emoji": "%F0%9F%98%80",
    "space": "%20",
}
HOSTILE_IF_MATCH = [b'"v"', b'"v-1"', b'"v' + b"9" * 5000 + b'"', b"*", b'W/"v1"', '"v²"'.encode()]
MARK = "@@HOSTILE@@"
KEY = "@@KEY@@"


@dataclass
class World:
    memory: Memory
    client: httpx.Client
    user_auth: dict[str, str]
    path_values: dict[str, str]
    documented: dict[str, set[str]]
    fresh: Iterator[int] = field(default_factory=itertools.count)
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema the server publishes (it does not depend on the database)."""
    path = tmp_path_factory.mktemp("openapi") / "schema.db"
    with Memory(settings=Settings(database_url=str(path), embedder="hash")) as memory:
        return create_app(memory).openapi()


@pytest.fixture
def world(database_url: str, openapi: dict[str, Any], tmp_path: Path) -> Iterator[World]:
    settings = Settings(
        database_url=database_url,
        embedder="hash",
        admin_key=ADMIN_KEY,
        transcripts_dir=tmp_path,
        persona_dir=shutil.copytree(EXAMPLES, tmp_path / "personas"),
    )
    with Memory(settings=settings) as memory, LiveServer(memory) as live:
        memory.personas.create(PersonaCreate(id="sage", name="Sage"))
        memory.persona_memories.sync(tmp_path / "personas")
        own = memory.persona_memories.add("sage", RuntimeMemoryCreate(text="I like oolong"))
        memory.users.create(UserCreate(id="alice"))
        record = memory.add("alice likes tea", persona_id="sage", user_id="alice")
        memory.add("everyone: be kind")
        memory.blocks.set_value("sage", "alice", "human", HUMAN_BLOCK)
        memory.user_personas.create(
            UserPersonaCreate(handle="data_scientist", industry="tech", professional_role="ds")
        )
        memory.user_personas.join("alice", "data_scientist")
        block = memory.user_personas.get("data_scientist").shared_block
        memory.blocks.attach(block.id, "sage", "alice")
        revocable = memory.tokens.issue("alice")
        ended = memory.sessions.start(SessionCreate(persona_id="sage", user_id="alice"))
        memory.sessions.add_entries(ended.id, [EntryCreate(content="We talked about tea.")])
        memory.sessions.end(ended.id)
        live_session = memory.sessions.start(SessionCreate(persona_id="sage", user_id="alice"))
        entry = memory.sessions.add_entries(live_session.id, [EntryCreate(content="Tea?")])[0]
        memory.procedures.put("sage", "greeting", ProcedurePut(template="Hello {name}"))
        memory.procedures.put("sage", "greeting", ProcedurePut(template="Hi Al"), user_id="alice")
        token = memory.tokens.issue("alice").token
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        documented = {
            f"{method.upper()} {path}": set(operation["responses"])
            for path, operations in openapi["paths"].items()
            for method, operation in operations.items()
        }
        with httpx.Client(base_url=live.url, timeout=30, headers=admin) as client:
            yield World(
                memory=memory,
                client=client,
                user_auth={"Authorization": f"Bearer {token}"},
                path_values={
                    "persona_id": "sage",
                    "user_id": "alice",
                    "memory_id": record.id,
                    "persona_memory_id": own.id,
                    "label": "human",
                    "block_id": block.id,
                    "handle": "data_scientist",
                    "token_id": revocable.id,
                    "name": "update_memory",
                    "session_id": live_session.id,
                    "ended_session_id": ended.id,
                    "entry_id": str(entry.id),
                    "key": "greeting",
                },
                documented=documented,
            )


# --- building requests ----------------------------------------------------------------


def body_text(body: Any, raw: str | None = None, raw_key: str | None = None) -> str:
    text = json.dumps(body)
    if raw is not None:
        text = text.replace(json.dumps(MARK), raw)
    if raw_key is not None:
        text = text.replace(json.dumps(KEY), raw_key)
    return text


def child_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path to every value inside a JSON document (not the document itself)."""
    if not isinstance(value, dict | list):
        return
    children: Any = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        yield (*prefix, key)
        yield from child_paths(child, (*prefix, key))


def dict_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        yield prefix
    for path in child_paths(value, prefix):
        if isinstance(_at(value, path[len(prefix) :]), dict):
            yield path


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(document)
    _at(copied, path[:-1])[path[-1]] = value
    return copied


def with_key(document: Any, path: tuple[Any, ...]) -> Any:
    copied = copy.deepcopy(document)
    _at(copied, path)[KEY] = 0
    return copied


def freshen(value: Any, number: int) -> Any:
    if isinstance(value, str):
        return value.replace("FRESH", str(number))
    if isinstance(value, dict):
        return {k: freshen(v, number) for k, v in value.items()}
    if isinstance(value, list):
        return [freshen(v, number) for v in value]
    return value


@dataclass
class Request:
    label: str
    path: str
    body: str | None
    query: dict[str, str]
    headers: dict[str, bytes] = field(default_factory=dict)
    url_mutated: bool = False


def path_values(call: Call, world: World) -> dict[str, str]:
    """The world's rows a call's path names."""
    chosen = {name: world.path_values[key] for name, key in call.paths.items()}
    return {**world.path_values, **chosen}


def mutations(operation: str, call: Call, world: World) -> Iterator[Request]:
    template = operation.split(" ", 1)[1]
    values = path_values(call, world)
    path = template.format(**values)
    query = {name: quote(value) for name, value in call.query.items()}
    valid = None if call.body is NO_BODY else body_text(call.body)
    if call.body is not NO_BODY:
        for label, text in body_mutations(call.body):
            yield Request(label, path, text, query)
    for name in _query_names(operation, world):
        for label, raw in HOSTILE_URL.items():
            yield Request(f"?{name}={label}", path, valid, {**query, name: raw})
    for name in _path_names(template):
        for label, raw in HOSTILE_URL.items():
            hostile = template.format(**{**values, name: raw})
            yield Request(f"/{{{name}}}={label}", hostile, valid, query, url_mutated=True)
    if "412" in world.documented[operation]:
        for tag in HOSTILE_IF_MATCH:
            yield Request(f"If-Match {tag[:10]!r}", path, valid, query, {"If-Match": tag})


def body_mutations(base: Any) -> Iterator[tuple[str, str]]:
    """(label, JSON text): the body replaced, each value in it replaced, and a
    hostile key added to each object in it."""
    for name, raw in HOSTILE_JSON.items():
        yield f"body={name}", raw
    yield "body=garbled", '{"a": '
    positions = list(child_paths(base))
    share = VALUE_SHARE if len(positions) >= VALUE_SHARE else 1
    for n, position in enumerate(positions):
        where = ".".join(map(str, position))
        for name, raw in list(HOSTILE_JSON.items())[n % share :: share]:
            yield f"{where}={name}", body_text(replaced(base, position, MARK), raw)
    for position in dict_paths(base):
        where = ".".join(map(str, position)) or "body"
        for name, raw_key in HOSTILE_KEYS.items():
            yield f"{where} key={name}", body_text(with_key(base, position), raw_key=raw_key)


# `make test` sends each field of a body every third hostile value, the fields taking
# turns so that every value reaches each operation (and, as the whole body, every
# value does too); `make fuzz` sends every value to every field.
VALUE_SHARE = 1 if os.environ.get("PERSONA_MEMORY_FUZZ_EXAMPLES") else 3
HOSTILE_KEYS = {"surrogate": '"\\ud800"', "nul": '"a\\u0000"', "huge": '"' + "k" * 100_000 + '"'}


def _query_names(operation: str, world: World) -> list[str]:
    return sorted(BASELINES[operation].query) or QUERY_PARAMETERS.get(operation, [])


# Query parameters an operation takes but its baseline does not send.
QUERY_PARAMETERS = {"GET /v1/tools": ["format"]}


def _path_names(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


def send(world: World, method: str, request: Request) -> httpx.Response:
    mine = request.path == "/v1/me" or request.path.startswith("/v1/me/")
    headers: dict[str, Any] = dict(world.user_auth) if mine else {}
    headers.update(request.headers)
    content = None
    if request.body is not None:
        headers["content-type"] = "application/json"
        content = request.body.encode()
    query = "&".join(f"{name}={value}" for name, value in request.query.items())
    url = request.path + (f"?{query}" if query else "")
    return world.client.request(method, url, content=content, headers=headers)


# --- checking --------------------------------------------------------------------------


def check(world: World, operation: str, request: Request, before: Any) -> Any:
    """Record what is wrong with one answer; return the database as it now is."""
    method = operation.split(" ", 1)[0]
    failure = f"{operation} [{request.label}]"
    try:
        response = send(world, method, request)
    except httpx.TimeoutException:
        world.failures.append(f"{failure}: no answer (hang)")
        return contents(world.memory)
    status = response.status_code
    if status >= 500:
        world.failures.append(f"{failure}: {status} {response.text[:200]}")
        return contents(world.memory)
    if status < 400:
        return contents(world.memory)
    allowed = world.documented[operation] | ({"404", "405"} if request.url_mutated else set())
    if str(status) not in allowed:
        world.failures.append(f"{failure}: {status} is not documented ({response.text[:120]})")
    if not _our_shape(response):
        world.failures.append(f"{failure}: {status} not in the error shape: {response.text[:120]}")
    after = contents(world.memory)
    if after != before:
        world.failures.append(f"{failure}: {status} but the database changed")
    return after


def _our_shape(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) == {"error"} and "code" in body["error"]


def reads_still_answer(world: World, after: str) -> None:
    for operation, call in BASELINES.items():
        method, template = operation.split(" ", 1)
        if method != "GET" and operation != "POST /v1/memories/search":
            continue
        path = template.format(**path_values(call, world))
        query = {name: quote(value) for name, value in call.query.items()}
        body = None if call.body is NO_BODY else body_text(call.body)
        response = send(world, method, Request("read", path, body, query))
        if response.status_code != 200:
            world.failures.append(
                f"after {after}: {operation} answered {response.status_code} {response.text[:200]}"
            )


# --- the tests -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("operation", list(BASELINES))
def test_hostile_input_never_breaks_an_operation(world: World, operation: str) -> None:
    call = BASELINES[operation]
    state = initial = contents(world.memory)
    for request in mutations(operation, call, world):
        if request.body is not None:
            request.body = request.body.replace("FRESH", str(next(world.fresh)))
        state = check(world, operation, request, state)
    # Reads answer from the database alone: while it is as the fixture left it, they
    # answer as they did, and re-reading them all made up a third of this test's time.
    if state != initial:
        reads_still_answer(world, operation)
    if call.reset is not None:
        world.path_values.update(call.reset(world.memory) or {})
    baseline = mutations_free_request(operation, call, world)
    method = operation.split(" ", 1)[0]
    response = send(world, method, baseline)
    assert response.status_code < 400, f"the valid baseline failed: {response.text[:300]}"
    assert not world.failures, "\n".join(world.failures[:60])


def mutations_free_request(operation: str, call: Call, world: World) -> Request:
    template = operation.split(" ", 1)[1]
    body = None if call.body is NO_BODY else body_text(freshen(call.body, next(world.fresh)))
    query = {name: quote(value) for name, value in call.query.items()}
    return Request("baseline", template.format(**path_values(call, world)), body, query)


def test_every_operation_has_a_baseline(openapi: dict[str, Any]) -> None:
    operations = {
        f"{method.upper()} {path}"
        for path, operations in openapi["paths"].items()
        for method in operations
    }
    assert operations == set(BASELINES)


def test_every_field_and_parameter_is_in_its_baseline(openapi: dict[str, Any]) -> None:
    """So that a field added to a model is attacked too, or this test says why not."""
    components = openapi["components"]["schemas"]
    missing = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            call = BASELINES[name]
            queried = set(call.query) | set(QUERY_PARAMETERS.get(name, []))
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] not in queried:
                    missing.append(f"{name} ?{parameter['name']}")
            content = operation.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema")
            if body_schema is None:
                continue
            sent = set(_value_fields(call.body))
            missing += [f"{name} {f}" for f in _schema_fields(body_schema, components) - sent]
    assert not missing


def _schema_fields(
    schema: dict[str, Any], components: dict[str, Any], prefix: str = ""
) -> set[str]:
    if "$ref" in schema:
        return _schema_fields(components[schema["$ref"].split("/")[-1]], components, prefix)
    fields: set[str] = set()
    for branch in schema.get("anyOf", []):
        fields |= _schema_fields(branch, components, prefix)
    if schema.get("type") == "array" and "items" in schema:
        fields |= _schema_fields(schema["items"], components, f"{prefix}[]")
    for key, child in schema.get("properties", {}).items():
        fields.add(f"{prefix}.{key}".lstrip("."))
        fields |= _schema_fields(child, components, f"{prefix}.{key}".lstrip("."))
    return fields


def _value_fields(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            name = f"{prefix}.{key}".lstrip(".")
            yield name
            yield from _value_fields(child, name)
    elif isinstance(value, list):
        for child in value:
            yield from _value_fields(child, f"{prefix}[]")
