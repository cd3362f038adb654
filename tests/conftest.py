"""Shared fixtures: a real SQLite file, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.interfaces.http import create_app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The hashing embedder keeps most tests fast; tests marked `model` use the real one.
    return Settings(database_url=str(tmp_path / "memory.db"), embedder="hash")


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

    def __init__(self, memory: Memory) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        host, port = self.socket.getsockname()
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(create_app(memory), log_level="warning", lifespan="off")
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
