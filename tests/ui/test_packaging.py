"""The admin UI and the /docs assets ship inside the wheel (no CDN, no Node
build), and the vendored Swagger UI is the one its checksums name."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTTP = ROOT / "src" / "persona_memory" / "interfaces" / "http"
SWAGGER = HTTP / "static" / "swagger-ui"


def test_the_vendored_swagger_ui_matches_its_checksums() -> None:
    lines = (SWAGGER / "SHA256SUMS").read_text().splitlines()
    assert len(lines) >= 3
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((SWAGGER / name).read_bytes()).hexdigest() == digest, name
    # Swagger UI 5 reads OpenAPI 3.1; 4.x shows "Unable to render this definition".
    assert (SWAGGER / "VERSION").read_text().startswith("5.")


def test_no_page_loads_anything_from_another_host() -> None:
    names_not_places = {"http://www.w3.org/2000/svg"}  # the SVG namespace
    for page in (HTTP / "admin").iterdir():
        addresses = set(re.findall(r"https?://[^\s\"'`)]+", page.read_text()))
        assert addresses <= names_not_places, (page.name, addresses)


@pytest.mark.slow
def test_the_wheel_carries_the_admin_ui_and_the_docs_assets(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"persona_memory/interfaces/http/admin/{p.name}" for p in (HTTP / "admin").iterdir()}
    assert shipped <= names
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"]:
        assert f"persona_memory/interfaces/http/static/swagger-ui/{asset}" in names
