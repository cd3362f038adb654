"""The ``persona-memory`` command, run in-process and as a real server process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from persona_memory import Memory, PersonaCreate, Settings, __version__
from persona_memory.interfaces.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "personas"


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"persona-memory {__version__}"


def test_bench_without_its_data_says_where_the_data_comes_from(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "retrieval", "--data", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert "github.com/snap-research/locomo" in result.output and "--data" in result.output


def test_init_creates_database(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "memory.db"
    result = runner.invoke(app, ["init", "--database", str(path)])
    assert result.exit_code == 0, result.output
    assert path.exists() and str(path) in result.stdout
    again = runner.invoke(app, ["init", "--database", str(path)])
    assert again.exit_code == 0


def test_database_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "from-env.db"
    monkeypatch.setenv("PERSONA_MEMORY_DATABASE_URL", f"sqlite:///{path}")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert path.exists()


def test_reindex_re_embeds_with_the_configured_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "reindex.db"
    from persona_memory.providers.embedders.hashing import HashingEmbedder

    other_model = HashingEmbedder(dimension=32)
    with Memory(settings=Settings(database_url=str(path)), embedder=other_model) as memory:
        memory.add("one")
        memory.add("two")
    monkeypatch.setenv("PERSONA_MEMORY_EMBEDDER", "hash")
    result = runner.invoke(app, ["reindex", "--database", str(path)])
    assert result.exit_code == 0, result.output
    assert "re-embedded 2 memories with hash-384" in result.stdout
    result = runner.invoke(app, ["reindex", "--database", str(path)])
    assert "re-embedded 0 memories" in result.stdout


def test_unknown_embedder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONA_MEMORY_EMBEDDER", "nope")
    result = runner.invoke(app, ["reindex", "--database", str(tmp_path / "x.db")])
    assert result.exit_code != 0
    assert "unknown embedder 'nope'" in str(result.exception)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
@contextmanager
def serving(args: list[str], env: dict[str, str]) -> Iterator[tuple[str, list[bytes]]]:
    """``persona-memory serve`` as a real process on a free port: its URL, and its
    output once it has stopped."""
    port = _free_port()
    command = [sys.executable, "-m", "persona_memory", "serve", *args, "--port", str(port)]
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output: list[bytes] = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "server not up within 60 s"
            time.sleep(0.25)
        yield url, output
    finally:
        process.terminate()
        output.append(process.communicate(timeout=20)[0])


@pytest.mark.model
def test_serve_demo_answers_health_and_search(tmp_path: Path) -> None:
    """What `make serve` runs: the real model, the demo data, a real process."""
    args = ["--demo", "--database", str(tmp_path / "demo.db")]
    with serving(args, {"PERSONA_MEMORY_EMBEDDER": "sentence-transformers"}) as (url, output):
        found = httpx.post(
            f"{url}/v1/memories/search",
            json={
                "query": "what food is she allergic to",
                "persona_id": "brad",
                "user_id": "alice",
            },
        ).json()["results"]
        assert found[0]["text"] == "Alice is allergic to peanuts."
        personas = {p["id"] for p in httpx.get(f"{url}/v1/personas").json()["personas"]}
        assert {"sage", "brad", "bjorn", "pi"} <= personas
        # Sage comes from her starter files, her own memories with her.
        stats = httpx.get(f"{url}/v1/admin/personas/sage/memories/stats").json()
        assert stats["by_source"] == {"json": 10}
    assert b"warning: no admin key" in output[0]  # open API on loopback: said out loud


def test_serve_syncs_the_persona_directory_at_start(tmp_path: Path) -> None:
    folder = shutil.copytree(EXAMPLES, tmp_path / "personas")
    env = {"PERSONA_MEMORY_PERSONA_DIR": str(folder), "PERSONA_MEMORY_EMBEDDER": "hash"}
    database = ["--database", str(tmp_path / "synced.db")]
    with serving(database, env) as (url, output):
        stats = httpx.get(f"{url}/v1/admin/personas/sage/memories/stats").json()
        assert stats["total"] == 10 and stats["last_sync"]["counts"]["added"] == 10
    assert b"sage: 10 added, 0 updated, 0 removed, 0 unchanged, passport created" in output[0]
    # A broken file is reported; the server starts with what it had.
    memories = folder / "memories" / "sage" / "persona_memories.json"
    memories.write_text(memories.read_text().replace('"importance": 6', '"importance": 60', 1))
    with serving(database, env) as (url, output):
        assert httpx.get(f"{url}/v1/admin/personas/sage/memories/stats").json()["total"] == 10
    assert b"persona directory not synced" in output[0] and b"line 17" in output[0]
    assert b"have no vector" not in output[0]
    # Another embedder: the stored vectors are stale, and serve says what to do.
    default_embedder = {**env, "PERSONA_MEMORY_EMBEDDER": "static"}
    with serving(database, default_embedder) as (url, output):
        pass
    assert b"warning: 10 memories have no vector" in output[0] and b"reindex" in output[0]
    off = {**env, "PERSONA_MEMORY_SYNC_PERSONA_DIR_ON_START": "false"}
    with serving(["--database", str(tmp_path / "off.db")], off) as (url, output):
        assert httpx.get(f"{url}/v1/admin/personas").json() == {"personas": []}
    assert b"persona directory" not in output[0]


def test_serve_refuses_a_public_address_without_an_admin_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PERSONA_MEMORY_ADMIN_KEY", raising=False)
    database = tmp_path / "never.db"
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--database", str(database)])
    assert result.exit_code == 2
    assert "refusing to serve on 0.0.0.0 without an admin key" in result.stderr
    assert not database.exists()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    from persona_memory.interfaces.cli import is_loopback

    assert is_loopback(host) is loopback


def test_sessions_end_idle_and_purge_transcripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from persona_memory.core.sessions import EntryCreate, SessionCreate
    from persona_memory.core.transcripts import CallMetadata, Transcript

    path = tmp_path / "sessions.db"
    monkeypatch.setenv("PERSONA_MEMORY_EMBEDDER", "hash")
    settings = Settings(database_url=str(path), embedder="hash")
    with Memory(settings=settings) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        session = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
        memory.sessions.add_entries(session.id, [EntryCreate(content="Sarah took my report.")])
        old = datetime(2020, 1, 1, tzinfo=UTC)
        memory.transcripts.put(
            Transcript(
                call_id="old-call",
                user_id="alice",
                persona_id="brad",
                call_metadata=CallMetadata(started_at=old, ended_at=old, duration_seconds=0),
            )
        )
    # An hour is not over yet: nothing ends.
    result = runner.invoke(app, ["sessions", "end-idle", "--database", str(path)])
    assert result.exit_code == 0 and "ended 0 idle sessions" in result.stdout
    result = runner.invoke(app, ["sessions", "end-idle", "-d", str(path), "--idle-minutes", "0"])
    assert "ended 1 idle sessions" in result.stdout, result.output
    result = runner.invoke(app, ["purge-transcripts", "--database", str(path)])
    assert "purged 1 transcripts older than 365 days" in result.stdout, result.output
    with Memory(settings=settings) as memory:
        assert memory.sessions.get(session.id).status == "ended"
        remaining = [t.call_id for t in memory.transcripts.list("alice")]
        assert remaining == [session.id]  # the session's own, written when it ended
