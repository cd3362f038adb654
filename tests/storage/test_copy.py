"""``persona-memory copy``: a whole store from SQLite to PostgreSQL and back, losslessly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.user_personas import UserPersonaCreate
from persona_memory.interfaces.cli import app
from persona_memory.storage.schema import metadata
from tests.pgserver import PgServer

pytestmark = pytest.mark.postgres


def _fill(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="sage", name="Sage", core_system_prompt="Hi."))
    memory.add("alice likes tea", persona_id="sage", user_id="alice", tags=["drink"])
    memory.add("sage's own", persona_id="sage", importance=9)
    memory.blocks.append("sage", "alice", "human", "likes tea")
    memory.profiles.update("sage", "alice", "personal_info", {"name": "Alice"})
    memory.user_personas.join("alice", "qsr_real_estate", 0.8)
    memory.tokens.issue("alice")


def _content(memory: Memory) -> dict[str, list[Any]]:
    engine = memory.store.engine  # type: ignore[attr-defined]
    found: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(select(table)).mappings().all()
            found[table.name] = sorted(
                repr({k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in r.items()})
                for r in rows
            )
    return found


def test_copy_sqlite_to_postgres_and_back(tmp_path: Path, pg_server: PgServer) -> None:
    source = str(tmp_path / "source.db")
    with Memory(settings=Settings(database_url=source, embedder="hash")) as memory:
        _fill(memory)
        before = _content(memory)
    postgres = pg_server.create_database("copy_target")
    runner = CliRunner()
    result = runner.invoke(app, ["copy", "--from", source, "--to", postgres])
    assert result.exit_code == 0, result.output
    assert "copied" in result.output
    with Memory(settings=Settings(database_url=postgres, embedder="hash")) as memory:
        assert _content(memory) == before
        hits = memory.search("tea", persona_id="sage", user_id="alice").results
        assert hits[0].text == "alice likes tea" and hits[0].vector_rank == 1
        memory.add("added after the copy", persona_id="sage")  # sequences moved on

    again = runner.invoke(app, ["copy", "--from", source, "--to", postgres])
    assert again.exit_code == 1 and "empty database" in again.output

    # A target with only a user persona of its own is not empty either.
    custom = str(tmp_path / "custom.db")
    with Memory(settings=Settings(database_url=custom, embedder="hash")) as memory:
        memory.user_personas.create(
            UserPersonaCreate(handle="retail_ops", industry="Retail", professional_role="Ops")
        )
    refused = runner.invoke(app, ["copy", "--from", source, "--to", custom])
    assert refused.exit_code == 1 and "user_personas" in refused.output
    with Memory(settings=Settings(database_url=custom, embedder="hash")) as memory:
        assert "retail_ops" in [p.handle for p in memory.user_personas.all()]

    back = str(tmp_path / "back.db")
    result = runner.invoke(app, ["copy", "--from", postgres, "--to", back])
    assert result.exit_code == 0, result.output
    with Memory(settings=Settings(database_url=back, embedder="hash")) as memory:
        assert len(memory.memories.all(persona_id="sage", user_id="alice")) == 3
        assert memory.search("tea", persona_id="sage", user_id="alice").results[0].vector_rank == 1
    pg_server.drop_database("copy_target")
