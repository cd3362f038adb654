"""`serve --demo` keeps the demo in a database of its own, and `reset-demo`
deletes that database and nothing else: real server processes, real files."""

from __future__ import annotations

import os
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

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.config import default_database_path, demo_database_path
from persona_memory.demo import load_demo
from persona_memory.interfaces.cli import app

runner = CliRunner()
DEMO_PERSONAS = {"sage", "brad", "bjorn", "pi"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A home of its own, and no setting from this machine's environment: the
    environment the server processes get; this process gets it too."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PERSONA_MEMORY_", "XDG_"))
    }
    env |= {
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg" / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg" / "config"),
        "XDG_STATE_HOME": str(tmp_path / "xdg" / "state"),
        # No model to load: spaCy's alone takes the demo's start-up from 1 s to 20.
        "PERSONA_MEMORY_EMBEDDER": "hash",
        "PERSONA_MEMORY_PII_RECOGNISER": "gazetteer",
    }
    for name in os.environ:
        if name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _your_data(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="coach", name="Coach"))
    memory.add("Alice prefers tea.", persona_id="coach", user_id="alice")


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` but the demo's, with its bytes."""
    demo = demo_database_path().parent
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_relative_to(demo)
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(args: list[str], env: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """``persona-memory serve`` as a real process in exactly ``env``: its URL, and
    its output once it has stopped."""
    port = _free_port()
    command = [sys.executable, "-m", "persona_memory", "serve", *args, "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "server not up within 90 s"
            time.sleep(0.25)
        yield url, output
    finally:
        process.terminate()
        output.append(process.communicate(timeout=30)[0])


def _served_personas(url: str) -> set[str]:
    return {p["id"] for p in httpx.get(f"{url}/v1/personas").json()["personas"]}


@pytest.mark.slow
def test_serve_demo_leaves_the_default_database_alone(home: dict[str, str]) -> None:
    default, demo = default_database_path(), demo_database_path()
    data = default.parent
    assert str(default).startswith(home["XDG_DATA_HOME"])  # not this machine's

    # No default database yet: the demo does not create one.
    with serving(["--demo"], home) as (url, output):
        assert _served_personas(url) == DEMO_PERSONAS
    assert demo.exists() and not default.exists()
    assert _files(data) == {}
    said = output[0]
    assert f"serving the demo data from the demo's own database, {demo}" in said
    assert f"your database, {default}, is not touched" in said
    assert f"database: {demo} (the demo's own, not yours)" in said

    # A default database with data in it: not a byte of it changes.
    with Memory(settings=Settings(embedder="hash")) as memory:
        assert memory.settings.database_url == str(default)
        _your_data(memory)
    before = _files(data)
    assert "memory.db" in before
    with serving(["--demo"], home) as (url, output):
        assert _served_personas(url) == DEMO_PERSONAS
        found = httpx.post(
            f"{url}/v1/memories/search",
            json={"query": "peanuts", "persona_id": "brad", "user_id": "alice"},
        ).json()["results"]
        assert found[0]["text"] == "Alice is allergic to peanuts."
        assert all("tea" not in hit["text"] for hit in found)
    assert _files(data) == before
    assert "the demo data is already there" in output[0]

    # Nor when PERSONA_MEMORY_DATABASE_URL names it: only --database moves the demo.
    named = {**home, "PERSONA_MEMORY_DATABASE_URL": str(default)}
    with serving(["--demo"], named) as (url, output):
        assert _served_personas(url) == DEMO_PERSONAS
    assert _files(data) == before
    assert "PERSONA_MEMORY_DATABASE_URL; --demo does not use it" in output[0]
    with Memory(settings=Settings(embedder="hash")) as memory:
        assert [p.id for p in memory.personas.all()] == ["coach"]


@pytest.mark.slow
def test_serve_demo_with_database_loads_the_demo_there(
    home: dict[str, str], tmp_path: Path
) -> None:
    chosen = tmp_path / "chosen.db"
    with serving(["--demo", "--database", str(chosen)], home) as (url, output):
        assert _served_personas(url) == DEMO_PERSONAS
    assert f"database: {chosen}\n" in output[0]
    assert "demo's own" not in output[0]
    assert chosen.exists() and not demo_database_path().exists()


def _leave_wal_behind(database: Path) -> None:
    """A process that writes and dies without closing, as a killed server does:
    the -wal and -shm files stay."""
    code = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "db.execute('PRAGMA journal_mode=WAL')\n"
        "db.execute('CREATE TABLE IF NOT EXISTS scratch (x)')\n"
        "db.execute('INSERT INTO scratch VALUES (1)')\n"
        "db.commit()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(database)], check=True)


def test_reset_demo_deletes_the_demo_database_and_nothing_else(home: dict[str, str]) -> None:
    default, demo = default_database_path(), demo_database_path()
    with Memory(settings=Settings(embedder="hash")) as memory:
        _your_data(memory)
    yours = default.parent / "transcripts" / "alice" / "coach" / "call.json"
    yours.parent.mkdir(parents=True)
    yours.write_text("{}")
    with Memory(settings=Settings(database_url=str(demo), embedder="hash")) as memory:
        load_demo(memory)
    _leave_wal_behind(demo)
    demo_transcript = demo.parent / "transcripts" / "alice" / "brad" / "call.json"
    demo_transcript.parent.mkdir(parents=True)
    demo_transcript.write_text("{}")
    demo_files = [demo, Path(f"{demo}-wal"), Path(f"{demo}-shm"), demo.parent / "transcripts"]
    assert all(path.exists() for path in demo_files)
    before = _files(default.parent)

    # Asked, and told no: nothing goes.
    result = runner.invoke(app, ["reset-demo"], input="n\n")
    assert result.exit_code == 1
    for path in demo_files:
        assert f"  {path}\n" in result.stdout
    assert all(path.exists() for path in demo_files)

    # PERSONA_MEMORY_DATABASE_URL in the demo's folder: that is someone's data.
    result = runner.invoke(
        app, ["reset-demo", "--yes"], env={"PERSONA_MEMORY_DATABASE_URL": f"sqlite:///{demo}"}
    )
    assert result.exit_code == 2 and "refusing" in result.stderr
    assert all(path.exists() for path in demo_files)

    result = runner.invoke(app, ["reset-demo", "--yes"])
    assert result.exit_code == 0, result.output
    assert "the demo's database (not yours)" in result.stdout
    assert not demo.parent.exists()
    assert _files(default.parent) == before
    with Memory(settings=Settings(embedder="hash")) as memory:
        assert [m.text for m in memory.memories.all(persona_id="coach", user_id="alice")] == [
            "Alice prefers tea."
        ]

    result = runner.invoke(app, ["reset-demo"])
    assert result.exit_code == 0 and "nothing to delete" in result.stdout
