"""Shared fixtures: a real SQLite file or a real PostgreSQL database (every test
that uses ``memory`` runs on both), and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import itertools
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.interfaces.http import create_app
from persona_memory.storage import open_store
from tests.pgserver import PgServer, start_server

BACKENDS = ["sqlite", "postgres"]
TEMPLATE = "persona_memory_template"
_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL 18 + pgvector for the session, with a migrated template.

    Its data lives outside pytest's basetemp: pytest keeps only the three newest
    basetemps, so a second pytest started meanwhile deleted this server's files
    under it (and the server with them)."""
    folder = Path(tempfile.mkdtemp(prefix="persona-memory-pg-"))
    server = start_server(folder)
    try:
        open_store(server.create_database(TEMPLATE)).close()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty, migrated database on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "memory.db")
        return
    request.applymarker(pytest.mark.postgres)
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"test_{next(_databases)}"
    url = server.create_database(name, template=TEMPLATE)
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The hashing embedder keeps most tests fast; tests marked `model` use the real one.
    return Settings(database_url=database_url, embedder="hash", transcripts_dir=tmp_path)


@pytest.fixture
def memory(settings: Settings) -> Iterator[Memory]:
    with Memory(settings=settings) as opened:
        yield opened


@pytest.fixture
def sage(memory: Memory) -> str:
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    return "sage"


class LiveServer:
    """uvicorn serving ``create_app(memory)`` on a free loopback port, in a thread."""

    def __init__(self, memory: Memory, app: FastAPI | None = None) -> None:
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket says TCP; with proto 0 every keep-alive reply waited ~40 ms
        # for a delayed ACK (Nagle).
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        host, port = self.socket.getsockname()
        self.url = f"http://{host}:{port}"
        app = app if app is not None else create_app(memory)
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@pytest.fixture
def server(memory: Memory) -> Iterator[LiveServer]:
    with LiveServer(memory) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(params=["sdk", "http"])
def api(request: pytest.FixtureRequest, memory: Memory) -> Iterator[object]:
    """The same tests through the SDK and through a live HTTP server."""
    from tests.api_clients import HttpApi, SdkApi

    if request.param == "sdk":
        yield SdkApi(memory)
        return
    with LiveServer(memory) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        yield HttpApi(client)
