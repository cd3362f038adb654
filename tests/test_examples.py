"""Every fenced Python and shell example of the README and the docs runs, and runs
again: a reader copies them in order, and then once more.

They run in one folder, against one SQLite file holding the demo data, served on
loopback as `make serve` serves it (`localhost:8000` in a shell example is this
server). Shell examples run under `bash -e` with `persona-memory` on the PATH and
the same database in the environment; curl fails on an HTTP error. A Python
example that is a fragment (``memory.build_prompt(...)``) runs with ``memory``
(the demo data), ``Path`` and every public name of ``persona_memory`` defined.

An example that cannot run here says why in an HTML comment just above it,
``<!-- not run: ... -->`` (a server of someone else's, or one that runs until
stopped); the test lists them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import persona_memory
from persona_memory import Memory, Settings
from persona_memory.demo import load_demo
from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Generated from the CLI's help: usage lines, not examples (test_cli_help covers them).
NOT_EXAMPLES = {ROOT / "docs" / "cli.md"}
BLOCK = re.compile(
    r"(?:^<!-- not run: (?P<reason>.+?) -->\n)?^```(?P<language>python|sh|bash)\n(?P<code>.*?)^```",
    re.M | re.S,
)


@dataclass(frozen=True)
class Example:
    document: str
    line: int
    language: str
    code: str
    not_run: str | None

    @property
    def name(self) -> str:
        return f"{self.document}:{self.line}"


def examples() -> list[Example]:
    found = []
    for path in DOCUMENTS:
        if path in NOT_EXAMPLES:
            continue
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start("code"))
            found.append(
                Example(
                    str(path.relative_to(ROOT)),
                    line,
                    match["language"],
                    match["code"],
                    match["reason"],
                )
            )
    return found


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """The reader's folder, with the files the examples name."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples" / "personas", work / "personas")
    profiles = work / "data" / "profiles"
    profiles.mkdir(parents=True)
    for n, name in enumerate(("Ann", "Bo"), 1):
        profile = {
            "user_id": f"{9000 + n}",
            "username": name,
            "facts": [{"fact": f"{name} likes hiking", "timestamp": "2024-05-01T10:00:00"}],
            "interests": ["hiking"],
        }
        (profiles / f"user_{9000 + n}.json").write_text(json.dumps(profile))
    mem0 = [
        {
            "id": "8f1c2d3e-0000-4000-8000-000000000001",
            "memory": "Prefers vegetarian food",
            "user_id": "alice",
            "agent_id": "brad",
            "metadata": {"category": "food"},
            "created_at": "2024-06-01T09:00:00Z",
            "updated_at": "2024-06-01T09:00:00Z",
        }
    ]
    (work / "mem0_memories.json").write_text(json.dumps({"results": mem0}))
    yield work


@pytest.mark.slow
def test_every_example_runs_twice(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = examples()
    runnable = [e for e in found if e.not_run is None]
    assert len(runnable) >= 15, [e.name for e in runnable]  # the parser still finds them
    database = folder.parent / "demo.db"
    env = _environment(folder.parent, database)
    settings = Settings(
        database_url=str(database), embedder="hash", transcripts_dir=folder.parent / "transcripts"
    )
    monkeypatch.chdir(folder)
    with Memory(settings=settings) as memory, LiveServer(memory) as live:
        load_demo(memory)
        for round_ in (1, 2):
            for example in runnable:
                if example.language == "python":
                    _run_python(example, memory, round_)
                else:
                    _run_shell(example, live.url, env, round_)


def test_examples_left_out_say_why() -> None:
    left_out = {e.name: e.not_run for e in examples() if e.not_run is not None}
    # Each a server of someone else's, or one that runs until stopped.
    assert all(reason and len(reason) > 15 for reason in left_out.values()), left_out
    assert len(left_out) <= 4, left_out


def _environment(home: Path, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONA_MEMORY_")}
    return env | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "PERSONA_MEMORY_DATABASE_URL": str(database),
        "PERSONA_MEMORY_EMBEDDER": "hash",
        "PERSONA_MEMORY_TRANSCRIPTS_DIR": str(home / "transcripts"),
        # spaCy takes ~20 s to load in each command; the built-in gazetteer none.
        "PERSONA_MEMORY_PII_RECOGNISER": "gazetteer",
    }


def _run_python(example: Example, memory: Memory, round_: int) -> None:
    names: dict[str, Any] = {n: getattr(persona_memory, n) for n in persona_memory.__all__}
    names |= {"memory": memory, "Path": Path, "__name__": "__example__"}
    try:
        exec(compile(example.code, example.name, "exec"), names)
    except Exception as error:
        pytest.fail(f"{example.name} (round {round_}) raised {error!r}:\n{example.code}")


def _run_shell(example: Example, url: str, env: dict[str, str], round_: int) -> None:
    address = url.removeprefix("http://")
    script = (
        # An HTTP error is a failure, as it would be to a reader reading the body.
        'curl() { command curl --silent --show-error --fail-with-body "$@"; }\n'
        + example.code.replace("localhost:8000", address)
    )
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"{example.name} (round {round_}) exited {done.returncode}:\n{example.code}\n"
        f"--- stdout\n{done.stdout[-2000:]}\n--- stderr\n{done.stderr[-2000:]}"
    )
