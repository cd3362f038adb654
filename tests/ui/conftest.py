"""The admin UI in a real headless Chromium (Debian's, driven by Playwright),
against a real server on 127.0.0.1 over a real SQLite file.

Every request the page sends to /v1 is recorded and checked against the OpenAPI
schema when the test ends: the UI may use only documented routes, methods and
query parameters (issue 15). ``make test`` installs Chromium when it is missing
(scripts/ensure_chromium.sh); under CI=true a missing browser fails, never skips.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from persona_memory import Memory, Settings
from tests.conftest import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "ui-test-admin-key"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    candidates = [os.environ.get("PERSONA_MEMORY_CHROMIUM"), "chromium", "chromium-browser"]
    for candidate in candidates:
        found = candidate and shutil.which(candidate)
        if found:
            return found
    return None


def require_chromium() -> str:
    """Chromium's path; a missing one skips here but fails under CI."""
    executable = chromium_path()
    if executable is None:
        message = "no Chromium: run scripts/ensure_chromium.sh (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return executable


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = require_chromium()
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Recorded:
    method: str
    path: str
    query: list[str]
    status: int | None = None


@dataclass
class Site:
    """A running server, an admin HTTP client beside the browser, and the page."""

    url: str
    memory: Memory
    http: httpx.Client
    page: Any
    persona_dir: Path
    requests: list[Recorded] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, hash_route: str = "") -> None:
        self.page.goto(f"{self.url}/admin/{hash_route}")

    def sign_in(self, key: str = ADMIN_KEY) -> None:
        self.open()
        self.page.get_by_label("Admin key").fill(key)
        self.page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def site(browser: Any, tmp_path: Path) -> Iterator[Site]:
    persona_dir = shutil.copytree(ROOT / "examples" / "personas", tmp_path / "personas")
    settings = Settings(
        database_url=str(tmp_path / "ui.db"),
        embedder="hash",
        transcripts_dir=tmp_path / "transcripts",
        admin_key=ADMIN_KEY,
        persona_dir=persona_dir,
    )
    with (
        Memory(settings=settings) as memory,
        LiveServer(memory) as live,
        httpx.Client(
            base_url=live.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30
        ) as http,
    ):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        site = Site(live.url, memory, http, page, persona_dir)
        page.on("request", lambda request: _record(site, request))
        page.on("response", lambda response: _status(site, response))
        page.on("console", lambda message: _console(site, message))
        page.on("pageerror", lambda error: site.errors.append(f"uncaught: {error}"))
        seed(site)
        yield site
        context.close()
        check_documented(site)
        assert not site.errors, site.errors


def _record(site: Site, request: Any) -> None:
    parts = urlsplit(request.url)
    if parts.path.startswith("/v1"):
        names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
        site.requests.append(Recorded(request.method, parts.path, names))


def _status(site: Site, response: Any) -> None:
    parts = urlsplit(response.url)
    for recorded in reversed(site.requests):
        if recorded.path == parts.path and recorded.status is None:
            recorded.status = response.status
            return


def _console(site: Site, message: Any) -> None:
    """Script errors and CSP violations fail the test; an API error answer is
    the UI's to show (the browser logs it as 'Failed to load resource')."""
    if message.type == "error" and "Failed to load resource" not in message.text:
        site.errors.append(message.text)


def check_documented(site: Site) -> None:
    """Each /v1 request the page sent is a documented operation with documented
    query parameters, and none was answered with a server error."""
    spec = site.http.get("/openapi.json").json()
    problems = []
    for recorded in site.requests:
        operation = _operation(spec, recorded.method, recorded.path)
        if operation is None:
            problems.append(f"{recorded.method} {recorded.path}: not in the OpenAPI schema")
            continue
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        unknown = set(recorded.query) - documented
        if unknown:
            problems.append(f"{recorded.method} {recorded.path}: undocumented query {unknown}")
        if recorded.status is not None and recorded.status >= 500:
            problems.append(f"{recorded.method} {recorded.path}: answered {recorded.status}")
    assert not problems, problems


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            found: dict[str, Any] = operations[method.lower()]
            return found
    return None


def seed(site: Site) -> None:
    """Sage from her starter files; alice with a relationship, a fact, an ended
    session and a user persona; bob to erase."""
    http = site.http

    def ok(response: httpx.Response) -> Any:
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    ok(http.post("/v1/admin/personas/sage/memories/sync"))
    ok(http.post("/v1/users", json={"id": "alice", "name": "Alice Moreau"}))
    ok(http.post("/v1/users", json={"id": "bob", "name": "Bob"}))
    rel = "/v1/personas/sage/relationships/alice"
    ok(http.put(rel, json={"relationship_type": "close_friend"}))
    ok(
        http.post(
            "/v1/memories",
            json={
                "persona_id": "sage",
                "user_id": "alice",
                "text": "Alice is allergic to peanuts.",
                "category": "health",
                "importance": 9,
            },
        )
    )
    ok(http.put(f"{rel}/profile", json={"personal_info": {"city_mood": "rainy"}}))
    session = ok(http.post("/v1/sessions", json={"persona_id": "sage", "user_id": "alice"}))
    entries = f"/v1/sessions/{session['id']}/entries"
    ok(http.post(entries, json={"content": "I started learning the ukulele this week"}))
    ok(http.post(f"/v1/sessions/{session['id']}/end", json={"flush": True}))
    ok(http.put("/v1/users/alice/user-personas/qsr_real_estate", json={}))
    lesson = "Owners of small sites ask about parking first."
    ok(
        http.post(
            f"{rel}/blocks/qsr_real_estate_service_experience/append", json={"content": lesson}
        )
    )
