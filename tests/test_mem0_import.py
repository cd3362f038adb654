"""import-mem0 (issue 16): mem0's get_all() output maps agent -> persona, user ->
user, run -> session, keeps mem0's ids, passes the PII firewall for shared
scopes, writes all or nothing, and never twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from persona_memory import Memory
from persona_memory.core.mem0_import import Mem0FileInvalid, read_mem0, session_id_for
from persona_memory.interfaces.cli import app
from tests.dbstate import contents

# The shape mem0's Memory.get_all() returns (v1.1+), as in its docs.
GET_ALL: dict[str, Any] = {
    "results": [
        {
            "id": "892db2ae-06d9-49e5-8b3e-585ef9b85b8e",
            "memory": "User is planning a trip to Japan next spring",
            "hash": "0f3d1c2b",
            "metadata": {"topic": "travel"},
            "created_at": "2025-03-01T10:00:00-08:00",
            "updated_at": "2025-03-02T11:00:00-08:00",
            "user_id": "alice",
            "agent_id": "travel_agent",
            "run_id": "trip-planning-1",
        },
        {
            "id": "a1b2c3d4-0000-4000-8000-000000000002",
            "memory": "Prefers window seats",
            "created_at": "2025-03-01T10:05:00-08:00",
            "user_id": "alice",
            "agent_id": "travel_agent",
            "run_id": "trip-planning-1",
        },
        {
            "id": "a1b2c3d4-0000-4000-8000-000000000003",
            "memory": "Is vegetarian",
            "created_at": "2025-01-01T09:00:00Z",
            "user_id": "alice",
        },
        {
            "id": "a1b2c3d4-0000-4000-8000-000000000004",
            "memory": "Travellers from Lyon ask jo.smith@example.com about visas",
            "created_at": "2025-01-01T09:00:00Z",
            "agent_id": "travel_agent",
        },
        {"id": "mem-5", "memory": "Be concise with every user", "created_at": None},
    ]
}


def test_get_all_output_maps_onto_personas_users_and_sessions(memory: Memory) -> None:
    report = memory.mem0.import_memories(read_mem0(json.dumps(GET_ALL)))
    assert report.memories == 5 and report.unchanged == 0
    assert report.added == {"relationship": 3, "persona": 1, "global": 1}
    assert report.personas_created == ["default", "travel_agent"]
    assert (report.users, report.relationships, report.sessions_created) == (1, 2, 1)

    trip = memory.memories.get("892db2ae-06d9-49e5-8b3e-585ef9b85b8e")
    assert (trip.persona_id, trip.user_id, trip.scope) == ("travel_agent", "alice", "relationship")
    assert trip.created_at.isoformat() == "2025-03-01T18:00:00+00:00"
    assert trip.metadata["topic"] == "travel"
    assert trip.metadata["mem0"] == {
        "id": "892db2ae-06d9-49e5-8b3e-585ef9b85b8e",
        "user_id": "alice",
        "agent_id": "travel_agent",
        "run_id": "trip-planning-1",
        "hash": "0f3d1c2b",
    }
    session = memory.sessions.get(session_id_for("trip-planning-1"))
    assert (session.persona_id, session.user_id, session.status) == (
        "travel_agent",
        "alice",
        "ended",
    )
    assert trip.metadata["session_id"] == session.id
    vegetarian = memory.memories.all(persona_id="default", user_id="alice")
    assert [m.text for m in vegetarian if m.scope == "relationship"] == ["Is vegetarian"]
    # The persona's own memory is a shared scope: the firewall took the email out.
    [own] = [m for m in memory.memories.all(persona_id="travel_agent") if m.scope == "persona"]
    assert "example.com" not in own.text and report.redacted == 1
    assert memory.memories.count_to_reindex() == 0

    before = contents(memory)
    again = memory.mem0.import_memories(read_mem0(json.dumps(GET_ALL)))
    assert again.added == {} and again.unchanged == 5 and again.sessions_created == 0
    assert contents(memory) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON or JSON Lines"),
        ('{"results": {"id": 1}}', "expected a list"),
        ('[{"id": "x"}]', "memory 0: memory: Field required"),
    ],
)
def test_a_file_that_is_not_mem0s_is_refused(text: str, message: str) -> None:
    with pytest.raises(Mem0FileInvalid, match=message):
        read_mem0(text)


def test_a_bad_id_refuses_the_whole_file(memory: Memory) -> None:
    bad = {
        "results": [*GET_ALL["results"][:2], {"id": "z", "memory": "x", "agent_id": "No Spaces!"}]
    }
    before = contents(memory)
    with pytest.raises(Exception, match="agent_id"):
        memory.mem0.import_memories(read_mem0(json.dumps(bad)))
    assert contents(memory) == before


def test_the_import_mem0_command_reports_what_it_mapped(tmp_path: Path) -> None:
    file = tmp_path / "mem0.json"
    file.write_text("\n".join(json.dumps(m) for m in GET_ALL["results"]))  # JSON Lines too
    database = str(tmp_path / "m.db")
    env = {"PERSONA_MEMORY_EMBEDDER": "hash"}
    done = CliRunner().invoke(app, ["import-mem0", str(file), "-d", database], env=env)
    assert done.exit_code == 0, done.output
    assert "read 5 mem0 memories" in done.output
    assert "added: 5 (global 1, persona 1, relationship 3); already there: 0" in done.output
    assert "agents -> personas created: default, travel_agent" in done.output
    assert "runs -> sessions created: 1" in done.output
    again = CliRunner().invoke(app, ["import-mem0", str(file), "-d", database], env=env)
    assert "added: 0 (none); already there: 5" in again.output
