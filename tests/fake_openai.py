"""A small OpenAI-compatible server on 127.0.0.1: chat completions from a script,
embeddings computed deterministically. The LLM and embedder paths are tested
against real HTTP, not a mock of our own code."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_WORD = re.compile(r"\w+")


def fake_embedding(text: str, dimension: int) -> list[float]:
    """A hashed bag of words, not normalised: equal texts give equal vectors."""
    vector = [0.0] * dimension
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest[:4], "little") % dimension] += 1.0 + digest[4] % 3
    return vector


class FakeOpenAI:
    """Answers each POST /v1/chat/completions with the next scripted reply:
    a string (the message content) or an int (that HTTP status).

    Answers each POST /v1/embeddings with a status from ``embedding_failures``
    while there is one, else with :func:`fake_embedding` of every input, of
    dimension ``embedding_dim``, listed in reverse order (the ``index`` field
    says which is which, as the API allows).

    While ``hold`` is cleared, chat requests take their reply and then wait for it
    (a model that takes its time: the worker test kills a process mid-call)."""

    def __init__(self) -> None:
        self.script: deque[str | int] = deque()
        self.requests: list[dict[str, Any]] = []
        self.embedding_dim = 8
        self.embedding_failures: deque[int] = deque()
        self.embedding_requests: list[dict[str, Any]] = []
        self.embedding_authorizations: list[str | None] = []
        self.hold = threading.Event()
        self.hold.set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/").endswith("/embeddings"):
                    self._embeddings(body)
                    return
                fake.requests.append(body)
                # The reply is taken before waiting: a held request whose client
                # died must not take the reply meant for the next one.
                reply = fake.script.popleft() if fake.script else 503
                fake.hold.wait(timeout=120)
                if isinstance(reply, int):
                    self._send(reply, {"error": {"message": "scripted failure"}})
                    return
                message = {"role": "assistant", "content": reply}
                self._send(200, {"choices": [{"index": 0, "message": message}]})

            def _embeddings(self, body: dict[str, Any]) -> None:
                fake.embedding_requests.append(body)
                fake.embedding_authorizations.append(self.headers.get("authorization"))
                if fake.embedding_failures:
                    status = fake.embedding_failures.popleft()
                    self._send(status, {"error": {"message": "scripted failure"}})
                    return
                texts = body.get("input")
                if isinstance(texts, str):
                    texts = [texts]
                if not texts or not all(isinstance(text, str) for text in texts):
                    self._send(400, {"error": {"message": "input must be strings"}})
                    return
                data = [
                    {
                        "object": "embedding",
                        "index": index,
                        "embedding": fake_embedding(text, fake.embedding_dim),
                    }
                    for index, text in enumerate(texts)
                ]
                usage = {"prompt_tokens": 0, "total_tokens": 0}
                reply = {"object": "list", "data": data[::-1], "model": body.get("model")}
                self._send(200, {**reply, "usage": usage})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                # The client may have died waiting (the worker test kills it).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.hold.set()  # let held requests finish
        self.server.shutdown()
        self.server.server_close()
