"""The learning worker as a real process, killed with SIGKILL mid-pipeline
(issue 10): restarted, it completes the job exactly once. The model is the
fake OpenAI-compatible server on loopback, held so the kill lands while the
worker waits on it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.jobs import JobStatus
from persona_memory.core.sessions import EntryCreate, SessionCreate
from tests.dbstate import counts
from tests.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow

SUMMARY = json.dumps(
    {"summary": "Alice told Brad she started climbing.", "key_topics": ["climbing"]}
)
FACTS = json.dumps(
    {
        "facts": [
            {
                "text": "User goes bouldering every Sunday",
                "category": "activity",
                "importance": 7,
                "turns": [0],
            }
        ]
    }
)


def _environment(database: Path, fake: FakeOpenAI) -> dict[str, str]:
    return os.environ | {
        "PERSONA_MEMORY_DATABASE_URL": str(database),
        "PERSONA_MEMORY_TRANSCRIPTS_DIR": str(database.parent),
        "PERSONA_MEMORY_EMBEDDER": "hash",
        "PERSONA_MEMORY_LLM_BASE_URL": fake.url,
        "PERSONA_MEMORY_LLM_RETRIES": "0",
        "PERSONA_MEMORY_LEARNING": "worker",
        "PERSONA_MEMORY_JOB_LEASE_SECONDS": "1",
        "PERSONA_MEMORY_WORKER_POLL_SECONDS": "0.1",
    }


def _worker(environment: dict[str, str], *args: str) -> subprocess.Popen[str]:
    code = "from persona_memory.interfaces.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_worker_killed_mid_pipeline_completes_the_job_exactly_once(tmp_path: Path) -> None:
    database = tmp_path / "memory.db"
    with FakeOpenAI() as fake:
        environment = _environment(database, fake)
        settings = Settings(
            database_url=str(database),
            embedder="hash",
            learning="worker",
            transcripts_dir=tmp_path,
        )
        with Memory(settings=settings) as memory:
            memory.personas.create(PersonaCreate(id="brad", name="Brad"))
            session = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
            memory.sessions.add_entries(
                session.id,
                [
                    EntryCreate(role="user", content="I go bouldering every Sunday now."),
                    EntryCreate(role="brad", content="Nice, dude."),
                ],
            )
            memory.sessions.end(session.id)
            assert memory.learning.count_jobs(JobStatus.PENDING) == 1

        # 1. The worker claims the job and waits on the (held) model: kill it there.
        fake.hold.clear()
        first = _worker(environment)
        _wait_for(lambda: len(fake.requests) == 1)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        assert first.returncode == -signal.SIGKILL
        with Memory(settings=settings) as memory:
            assert memory.learning.count_jobs(JobStatus.RUNNING) == 1
            assert not memory.sessions.get(session.id).memory_extracted
            assert counts(memory)["episodes"] == 0
            assert memory.learning.facts("brad", "alice") == []

        # 2. Once its lease has run out, a new worker takes the job and finishes it.
        fake.script.extend([SUMMARY, FACTS])
        fake.hold.set()
        time.sleep(1.2)
        second = _worker(environment, "--once")
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert "ran 1 jobs" in out

        # 3. A third run finds nothing to do; nothing was written twice.
        third = _worker(environment, "--once")
        out, err = third.communicate(timeout=120)
        assert (third.returncode, out.strip()) == (0, "ran 0 jobs"), err

        with Memory(settings=settings) as memory:
            ended = memory.sessions.get(session.id)
            assert ended.memory_extracted
            assert counts(memory)["episodes"] == 1
            assert (
                memory.episodes.get(session.id).summary == "Alice told Brad she started climbing."
            )
            facts = memory.learning.facts("brad", "alice")
            assert [f.text for f in facts] == ["User goes bouldering every Sunday"]
            with memory.store.read() as tx:
                jobs = tx.user_jobs("alice")
            assert [(j.status, j.attempts) for j in jobs] == [(JobStatus.DONE, 2)]
