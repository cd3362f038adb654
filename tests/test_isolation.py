"""Invariant 1: a read for (P, U) sees its relationship, P's scope and global —
never (P', U) or (P, U'). A hypothesis state machine writes, holds sessions and
erases at random and, after every step, checks every reader's view (listing,
search, blocks, profile, episodes, sessions, procedures, transcripts) through
the SDK and through HTTP.
"""

from __future__ import annotations

import itertools
from typing import Any, Protocol

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from persona_memory import Memory, PersonaCreate, PersonaMemoryError
from persona_memory.core.procedures import ProcedurePut
from persona_memory.core.sessions import EntryCreate, SessionCreate
from tests.conftest import LiveServer

PERSONAS = ["p1", "p2"]
USERS = ["u1", "u2"]
WORDS = ["apple", "river", "guitar", "apple river", "secret"]
Owner = tuple[str | None, str | None]
OWNERS: list[Owner] = [(None, None)] + [(p, None) for p in PERSONAS]
OWNERS += list(itertools.product(PERSONAS, USERS))
READERS = OWNERS  # everyone who can write can also read


class Client(Protocol):
    def add(self, text: str, persona: str | None, user: str | None) -> str: ...
    def note(self, word: str, persona: str, user: str) -> None: ...
    def notes(self, persona: str, user: str) -> tuple[list[str], set[str]] | None: ...
    def listing(self, persona: str | None, user: str | None) -> list[dict[str, Any]]: ...
    def search(self, query: str, persona: str | None, user: str | None) -> list[dict[str, Any]]: ...
    def erase(self, user: str) -> None: ...
    def talk(self, word: str, persona: str, user: str) -> tuple[str, str]: ...
    def episodes(self, query: str, persona: str, user: str) -> list[dict[str, Any]] | None: ...
    def session_owner(self, session_id: str) -> tuple[str, str] | None: ...
    def procedures(self, persona: str, user: str) -> set[str] | None: ...


class SdkClient:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def add(self, text: str, persona: str | None, user: str | None) -> str:
        return self.memory.add(text, persona_id=persona, user_id=user).id

    def listing(self, persona: str | None, user: str | None) -> list[dict[str, Any]]:
        found = self.memory.memories.all(persona_id=persona, user_id=user, limit=1000)
        return [m.model_dump() for m in found]

    def search(self, query: str, persona: str | None, user: str | None) -> list[dict[str, Any]]:
        found = self.memory.search(query, persona_id=persona, user_id=user, limit=200, min_score=0)
        return [h.model_dump() for h in found.results]

    def erase(self, user: str) -> None:
        try:
            self.memory.users.erase(user)
        except PersonaMemoryError as error:
            assert error.status_code == 404

    def note(self, word: str, persona: str, user: str) -> None:
        self.memory.blocks.append(persona, user, "human", word)
        self.memory.profiles.update(persona, user, "personal_info", {word: True})

    def talk(self, word: str, persona: str, user: str) -> tuple[str, str]:
        """A session about ``word``, ended into an episode, and a procedure keyed by it."""
        session = self.memory.sessions.start(SessionCreate(persona_id=persona, user_id=user))
        self.memory.sessions.add_entries(session.id, [EntryCreate(content=f"about {word}")])
        episode = self.memory.sessions.end(session.id)
        assert episode is not None
        key = word.replace(" ", "_")
        self.memory.procedures.put(persona, key, ProcedurePut(template=word), user_id=user)
        return session.id, episode.memory_id

    def episodes(self, query: str, persona: str, user: str) -> list[dict[str, Any]] | None:
        try:
            hits = self.memory.episodes.search(query, persona, user, limit=100)
        except PersonaMemoryError as error:
            assert error.status_code == 404
            return None
        return [hit.model_dump() for hit in hits]

    def session_owner(self, session_id: str) -> tuple[str, str] | None:
        try:
            session = self.memory.sessions.get(session_id)
        except PersonaMemoryError as error:
            assert error.status_code == 404
            return None
        return session.persona_id, session.user_id

    def procedures(self, persona: str, user: str) -> set[str] | None:
        try:
            return {p.key for p in self.memory.procedures.all(persona, user_id=user)}
        except PersonaMemoryError as error:
            assert error.status_code == 404
            return None

    def notes(self, persona: str, user: str) -> tuple[list[str], set[str]] | None:
        try:
            human = self.memory.blocks.get(persona, user, "human").value
        except PersonaMemoryError as error:
            assert error.status_code == 404
            return None
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
        # min_score 0: every candidate a reader may see, however unrelated to the query.
        body = {"query": query, "persona_id": persona, "user_id": user, "limit": 200}
        body["min_score"] = 0
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

    def talk(self, word: str, persona: str, user: str) -> tuple[str, str]:
        started = self.http.post("/v1/sessions", json={"persona_id": persona, "user_id": user})
        assert started.status_code == 201, started.text
        sid = started.json()["id"]
        entry = self.http.post(f"/v1/sessions/{sid}/entries", json={"content": f"about {word}"})
        assert entry.status_code == 201, entry.text
        ended = self.http.post(f"/v1/sessions/{sid}/end", json={"flush": True})
        assert ended.status_code == 200, ended.text
        key = word.replace(" ", "_")
        base = f"/v1/personas/{persona}/relationships/{user}"
        put = self.http.put(f"{base}/procedures/{key}", json={"template": word})
        assert put.status_code == 200, put.text
        return sid, str(ended.json()["episode"]["memory_id"])

    def episodes(self, query: str, persona: str, user: str) -> list[dict[str, Any]] | None:
        params = {"q": query, "persona_id": persona, "user_id": user, "limit": 100}
        response = self.http.get("/v1/episodes/search", params=params)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    def session_owner(self, session_id: str) -> tuple[str, str] | None:
        response = self.http.get(f"/v1/sessions/{session_id}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()["persona_id"], response.json()["user_id"]

    def procedures(self, persona: str, user: str) -> set[str] | None:
        response = self.http.get(f"/v1/personas/{persona}/relationships/{user}/procedures")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return {p["key"] for p in response.json()["procedures"]}

    def notes(self, persona: str, user: str) -> tuple[list[str], set[str]] | None:
        base = f"/v1/personas/{persona}/relationships/{user}"
        human = self.http.get(f"{base}/blocks/human")
        if human.status_code == 404:
            return None
        assert human.status_code == 200, human.text
        profile = self.http.get(f"{base}/profile").json()["categories"]["personal_info"]
        return (human.json()["value"].splitlines(), set(profile))


def isolation_machine(memory: Memory, client: Client) -> type[RuleBasedStateMachine]:
    """A state machine over one database; each run gets fresh persona/user names."""
    runs = itertools.count()
    everyones: set[str] = set()  # global memories outlive a run: every reader sees them

    class Isolation(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ns = f"r{next(runs)}"
            for persona in PERSONAS:
                memory.personas.create(PersonaCreate(id=self.name(persona), name=persona))
            self.owner: dict[str, Owner] = {}  # memory id -> (persona, user), namespaced
            self.notes: dict[tuple[str, str], list[str]] = {}  # opened relationships
            self.sessions: dict[str, tuple[str, str]] = {}  # session id -> relationship
            self.words: dict[tuple[str, str], set[str]] = {}  # procedure keys per relationship

        def name(self, ident: str | None) -> str | None:
            return None if ident is None else f"{self.ns}{ident}"

        @rule(owner=st.sampled_from(OWNERS), word=st.sampled_from(WORDS))
        def add(self, owner: Owner, word: str) -> None:
            persona, user = self.name(owner[0]), self.name(owner[1])
            memory_id = client.add(f"{word} {self.ns}", persona, user)
            self.owner[memory_id] = (persona, user)
            if persona is None:
                everyones.add(memory_id)
            if persona is not None and user is not None:
                client.note(word, persona, user)
                self.notes.setdefault((persona, user), []).append(word)

        @rule(
            persona=st.sampled_from(PERSONAS),
            user=st.sampled_from(USERS),
            word=st.sampled_from(WORDS),
        )
        def talk(self, persona: str, user: str, word: str) -> None:
            key = (str(self.name(persona)), str(self.name(user)))
            session_id, memory_id = client.talk(f"{word} {self.ns}", *key)
            self.sessions[session_id] = key
            self.owner[memory_id] = key
            self.notes.setdefault(key, [])
            self.words.setdefault(key, set()).add(f"{word} {self.ns}".replace(" ", "_"))

        @rule(user=st.sampled_from(USERS))
        def erase(self, user: str) -> None:
            name = self.name(user)
            self.owner = {i: o for i, o in self.owner.items() if o[1] != name}
            self.notes = {k: v for k, v in self.notes.items() if k[1] != name}
            self.sessions = {s: k for s, k in self.sessions.items() if k[1] != name}
            self.words = {k: v for k, v in self.words.items() if k[1] != name}
            client.erase(str(name))

        @invariant()
        def sessions_episodes_procedures_stay_in_their_relationship(self) -> None:
            for persona, user in itertools.product(PERSONAS, USERS):
                key = (str(self.name(persona)), str(self.name(user)))
                hits = client.episodes(f"apple river {self.ns}", *key)
                keys = client.procedures(*key)
                stored = {t.call_id for t in memory.transcripts.list(key[1], key[0])}
                mine = {s for s, k in self.sessions.items() if k == key}
                if key not in self.notes:
                    assert hits is None and keys is None and not stored, key
                    continue
                assert hits is not None and keys == self.words.get(key, set())
                assert {h["session_id"] for h in hits} <= mine
                assert all((h["persona_id"], h["user_id"]) == key for h in hits)
                assert stored == mine
            for session_id, key in self.sessions.items():
                assert client.session_owner(session_id) == key

        @invariant()
        def every_reader_sees_exactly_its_scopes(self) -> None:
            for reader in READERS:
                persona, user = self.name(reader[0]), self.name(reader[1])
                allowed = {(None, None), (persona, None), (persona, user)}
                if persona is None:
                    allowed = {(None, None)}
                expected = {i for i, o in self.owner.items() if o in allowed} | everyones
                listed = client.listing(persona, user)
                assert {m["id"] for m in listed} == expected, (reader, listed)
                hits = client.search(f"apple river {self.ns}", persona, user)
                assert {h["id"] for h in hits} <= expected, (reader, hits)
                for item in listed + hits:
                    assert (item["persona_id"], item["user_id"]) in allowed

        @invariant()
        def every_relationship_keeps_its_own_notes(self) -> None:
            for persona, user in itertools.product(PERSONAS, USERS):
                key = (str(self.name(persona)), str(self.name(user)))
                found = client.notes(*key)
                if key not in self.notes:
                    assert found is None, key
                    continue
                assert found is not None, key
                lines, flags = found
                assert lines == self.notes[key] and flags == set(self.notes[key])

    return Isolation


MACHINE = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.mark.slow
def test_isolation_through_sdk(memory: Memory) -> None:
    machine = isolation_machine(memory, SdkClient(memory))
    run_state_machine_as_test(
        machine, settings=settings(MACHINE, max_examples=20, stateful_step_count=12)
    )


@pytest.mark.slow
def test_isolation_through_http(memory: Memory) -> None:
    with LiveServer(memory) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        machine = isolation_machine(memory, HttpClient(http))
        run_state_machine_as_test(
            machine, settings=settings(MACHINE, max_examples=8, stateful_step_count=10)
        )


@pytest.mark.slow
def test_isolation_through_sdk_with_query_expansion(memory: Memory) -> None:
    # Expansion runs a second full-text query with words of the reader's
    # candidates; similarity 0 adds every one of them, the widest it can go.
    widest = {"expansion_weight": 1.0, "expansion_similarity": 0.0}
    with Memory(settings=memory.settings.model_copy(update=widest)) as expanded:
        assert expanded.searcher.expansion.weight == 1.0
        machine = isolation_machine(expanded, SdkClient(expanded))
        run_state_machine_as_test(
            machine, settings=settings(MACHINE, max_examples=10, stateful_step_count=12)
        )
