"""Screenshots of every admin UI screen, for docs/admin.md.

    python scripts/screenshots.py [--out docs/images]

Serves the demo data (plus a session, a shared-block lesson and a redaction, so
no screen is empty) from a temporary SQLite file on a free loopback port, and
drives the system's Chromium through each screen. ``make screenshots`` runs it.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Page, sync_playwright

from persona_memory import Memory, Settings
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.demo import load_demo
from persona_memory.interfaces.http import create_app

ROOT = Path(__file__).resolve().parents[1]
KEY = "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# (file name, hash route, what to wait for)
SCREENS = [
    ("admin-memories", "#/personas/sage/memories", "#memory-list table"),
    ("admin-profile", "#/personas/sage/profile", "dl.record"),
    ("admin-stats", "#/personas/sage/stats", "svg.chart"),
    ("admin-users", "#/users", "#user-list table"),
    ("admin-user", "#/users/alice", "main table"),
    ("admin-relationship", "#/relationships/bjorn/alice", "#prompt-total"),
    ("admin-user-persona", "#/user-personas/qsr_real_estate", "main pre"),
]


def fill(memory: Memory) -> None:
    load_demo(memory)
    session = memory.sessions.start(SessionCreate(persona_id="bjorn", user_id="alice"))
    for line in ["Can we practise the subjunctive today?", "Ojalá que llueva mañana."]:
        memory.sessions.add_entries(session.id, [EntryCreate(content=line)])
    memory.sessions.end(session.id)
    shared = "qsr_real_estate_service_experience"
    lesson = "Site selection asks start with traffic counts and parking."
    memory.blocks.append("pi", "sarah", shared, lesson)
    # Redacted by the PII firewall, so the privacy screen has something to count.
    memory.blocks.append("pi", "sarah", shared, "Follow-ups go to sarah.lee@example.com.")


@contextmanager
def serving(memory: Memory) -> Iterator[str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(memory), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def shoot(url: str, out: Path, chromium: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        page: Page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{url}/admin/")
        written.append(_save(page, out / "admin-sign-in.png"))
        page.get_by_label("Admin key").fill(KEY)
        page.get_by_role("button", name="Sign in").click()
        page.locator("#nav").wait_for()
        for name, route, ready in SCREENS:
            page.goto(f"{url}/admin/{route}")
            page.locator(ready).first.wait_for(state="attached")
            written.append(_save(page, out / f"{name}.png"))
        page.goto(f"{url}/admin/#/privacy")
        page.get_by_role("button", name="Run scan").click()
        page.locator("#scan-results p").first.wait_for()
        written.append(_save(page, out / "admin-privacy.png"))
        browser.close()
    return written


def _save(page: Any, path: Path) -> Path:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.getElementById('status').replaceChildren()")  # "Signed in."
    page.screenshot(path=str(path), full_page=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        settings = Settings(
            database_url=str(Path(work) / "screens.db"),
            embedder="hash",
            transcripts_dir=Path(work),
            admin_key=KEY,
        )
        with Memory(settings=settings) as memory:
            fill(memory)
            with serving(memory) as url:
                for path in shoot(url, args.out, args.chromium):
                    print(path)


if __name__ == "__main__":
    main()
