"""Invariant 1: a read for (P, U) sees its relationship, P's scope and global —
never (P', U) or (P, U'). Checked on random write/read sequences, through the
SDK and through HTTP.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_memory import Memory, PersonaCreate
from tests.conftest import LiveServer

PERSONAS = ["p1", "p2"]
USERS = ["u1", "u2"]
WORDS = ["apple", "river", "guitar", "apple river", "secret"]

# An operation: ("add", persona|None, user|None, word) or ("erase", user) or
# ("read", persona|None, user|None, word).
owners = st.sampled_from(
    [(None, None)] + [(p, None) for p in PERSONAS] + list(itertools.product(PERSONAS, USERS))
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), owners, st.sampled_from(WORDS)),
        st.tuples(st.just("read"), owners, st.sampled_from(WORDS)),
        st.tuples(st.just("erase"), st.sampled_from(USERS), st.just("")),
    ),
    min_size=1,
    max_size=25,
)


class Client(Protocol):
    def add(self, text: str, persona: str | None, user: str | None) -> str: ...
    def note(self, word: str, persona: str, user: str) -> None: ...
    def notes(self, persona: str, user: str) -> tuple[list[str], set[str]]: ...
    def listing(self, persona: str | None, user: str | None) -> list[dict[str, Any]]: ...
    def search(self, query: str, persona: str | None, user: str | None) -> list[dict[str, Any]]: ...
    def erase(self, user: str) -> None: ...


@dataclass
class Model:
    """What each memory id's owner is, per the writes so far."""

    owner: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # Words noted in each relationship's human block and profile.
    notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def visible(self, persona: str | None, user: str | None) -> set[str]:
        allowed = {(None, None), (persona, None), (persona, user)} if persona else {(None, None)}
        return {memory_id for memory_id, o in self.owner.items() if o in allowed}


def run(client: Client, model: Model, ops: list[tuple[str, Any, str]], ns: str) -> None:
    """Apply ``ops`` with ids namespaced by ``ns``, checking every read."""

    def name(persona: str | None, user: str | None) -> tuple[str | None, str | None]:
        return (persona and f"{ns}{persona}", user and f"{ns}{user}")

    for op, target, word in ops:
        if op == "erase":
            user = f"{ns}{target}"
            model.owner = {i: o for i, o in model.owner.items() if o[1] != user}
            model.notes = {k: v for k, v in model.notes.items() if k[1] != user}
            client.erase(user)
            continue
        persona, user = name(*target)
        if op == "add":
            model.owner[client.add(f"{word} {ns}", persona, user)] = (persona, user)
            if persona is not None and user is not None:
                client.note(word, persona, user)
                model.notes.setdefault((persona, user), []).append(word)
            continue
        if user is None or persona is None:
            expected = model.visible(persona, None)
        else:
            expected = model.visible(persona, user)
        listed = client.listing(persona, user)
        assert {m["id"] for m in listed} == expected
        hits = client.search(word, persona, user)
        assert {h["id"] for h in hits} <= expected
        if persona is not None and user is not None:
            lines, keys = client.notes(persona, user)
            assert lines == model.notes.get((persona, user), [])
            assert keys == set(model.notes.get((persona, user), []))
        for item in listed + hits:
            assert (item["persona_id"], item["user_id"]) in {
                (None, None),
                (persona, None),
                (persona, user),
            }


class SdkClient:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def add(self, text: str, persona: str | None, user: str | None) -> str:
        return self.memory.add(text, persona_id=persona, user_id=user).id

    def listing(self, persona: str | None, user: str | None) -> list[dict[str, Any]]:
        found = self.memory.memories.all(persona_id=persona, user_id=user, limit=1000)
        return [m.model_dump() for m in found]

    def search(self, query: str, persona: str | None, user: str | None) -> list[dict[str, Any]]:
        found = self.memory.search(query, persona_id=persona, user_id=user, limit=200)
        return [h.model_dump() for h in found.results]

    def erase(self, user: str) -> None:
        if self.memory.store.get_user(user) is not None:
            self.memory.users.erase(user)

    def note(self, word: str, persona: str, user: str) -> None:
        self.memory.blocks.append(persona, user, "human", word)
        self.memory.profiles.update(persona, user, "personal_info", {word: True})

    def notes(self, persona: str, user: str) -> tuple[list[str], set[str]]:
        human = self.memory.blocks.get(persona, user, "human").value
        profile = self.memory.profiles.get(persona, user).categories["personal_info"]
        return (human.splitlines(), set(profile))


class HttpClient:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def add(self, text: str, persona: str | None, user: str | None) -> str:
        response = self.http.post(
            "/v1/memories", json={"text": text, "persona_id": persona, "user_id": user}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def listing(self, persona: str | None, user: str | None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"persona_id": persona, "user_id": user}.items() if v}
        response = self.http.get("/v1/memories", params={**params, "limit": 1000})
        assert response.status_code == 200, response.text
        return list(response.json()["memories"])

    def search(self, query: str, persona: str | None, user: str | None) -> list[dict[str, Any]]:
        body = {"query": query, "persona_id": persona, "user_id": user, "limit": 200}
        response = self.http.post("/v1/memories/search", json=body)
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    def erase(self, user: str) -> None:
        assert self.http.delete(f"/v1/users/{user}").status_code in (204, 404)

    def note(self, word: str, persona: str, user: str) -> None:
        base = f"/v1/personas/{persona}/relationships/{user}"
        appended = self.http.post(f"{base}/blocks/human/append", json={"content": word})
        assert appended.status_code == 200, appended.text
        patch = {"category": "personal_info", "data": {word: True}}
        assert self.http.patch(f"{base}/profile", json=patch).status_code == 200

    def notes(self, persona: str, user: str) -> tuple[list[str], set[str]]:
        base = f"/v1/personas/{persona}/relationships/{user}"
        human = self.http.get(f"{base}/blocks/human").json()["value"]
        profile = self.http.get(f"{base}/profile").json()["categories"]["personal_info"]
        return (human.splitlines(), set(profile))


class World:
    """One database per test; each example gets fresh persona and user names."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.model = Model()
        self.examples = itertools.count()

    def namespace(self) -> str:
        ns = f"x{next(self.examples)}"
        for persona in PERSONAS:
            self.memory.personas.create(PersonaCreate(id=f"{ns}{persona}", name=persona))
        return ns


@pytest.fixture
def world(memory: Memory) -> Iterator[World]:
    yield World(memory)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_isolation_through_sdk(world: World, ops: list[tuple[str, Any, str]]) -> None:
    run(SdkClient(world.memory), world.model, ops, world.namespace())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_isolation_through_http(
    world: World, server: LiveServer, http: httpx.Client, ops: list[tuple[str, Any, str]]
) -> None:
    run(HttpClient(http), world.model, ops, world.namespace())
