"""scripts/screenshots.py runs, and docs/admin.md shows what it makes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.conftest import require_chromium

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.browser


def test_docs_admin_embeds_a_committed_screenshot_of_every_screen() -> None:
    page = (ROOT / "docs" / "admin.md").read_text()
    embedded = re.findall(r"\]\(images/(admin-[a-z-]+\.png)\)", page)
    script = (ROOT / "scripts" / "screenshots.py").read_text()
    made = {f"{name}.png" for name in re.findall(r'\("(admin-[a-z-]+)", "#', script)}
    made |= {"admin-sign-in.png", "admin-privacy.png"}
    assert set(embedded) == made
    for name in embedded:
        assert (ROOT / "docs" / "images" / name).read_bytes().startswith(PNG), name


@pytest.mark.slow
def test_the_screenshot_script_shoots_every_screen(tmp_path: Path) -> None:
    executable = require_chromium()
    done = subprocess.run(
        [
            sys.executable,
            "scripts/screenshots.py",
            "--out",
            str(tmp_path),
            "--chromium",
            executable,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    shots = sorted(tmp_path.glob("*.png"))
    assert len(shots) == 9
    assert all(shot.read_bytes().startswith(PNG) and shot.stat().st_size > 10_000 for shot in shots)
