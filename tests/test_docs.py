"""Documentation that matches the code: a test fails when they drift."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from persona_memory import Memory, Settings
from persona_memory.interfaces.http import create_app

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quick_start_has_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first_block = quick_start.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make serve", "make test"]


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`PERSONA_MEMORY_{name.upper()}`" in documented, name


def test_cli_reference_is_current() -> None:
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_docs.py")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert (ROOT / "docs" / "cli.md").read_text() == generated, (
        "docs/cli.md is stale: python scripts/cli_docs.py > docs/cli.md"
    )


def test_every_route_is_documented(memory: Memory) -> None:
    documented = (ROOT / "docs" / "api.md").read_text()
    rows = set(re.findall(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|", documented, re.M))
    spec = create_app(memory).openapi()
    for path, methods in spec["paths"].items():
        for method in methods:
            assert (method.upper(), path) in rows, f"{method.upper()} {path} not in docs/api.md"


def test_the_decay_plot_is_drawn_by_its_script(tmp_path: Path) -> None:
    out = tmp_path / "decay.png"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "plot_decay.py"), str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](images/decay.png)" in (ROOT / "docs" / "learning.md").read_text()
    committed = (ROOT / "docs" / "images" / "decay.png").read_bytes()
    assert committed[:8] == b"\x89PNG\r\n\x1a\n"


# Seed mentions left in files others are rewriting now (docs/configuration.md,
# docs/retrieval.md). Delete a pair once its mention is gone: the test below
# fails while a listed one is, so this only shrinks.
SEED_MENTIONS_LEFT: set[tuple[str, str]] = set()


def test_docs_name_features_not_seed_documents() -> None:
    """A "seed 002" names an internal requirements document, which means nothing
    to a reader: the docs name the feature instead. docs/cli.md is left out: it
    is generated from the CLI's help (test_cli_reference_is_current)."""
    seed = re.compile(r"\bseeds? ?0\d\d\b", re.IGNORECASE)
    paths = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
    found = {
        (path.relative_to(ROOT).as_posix(), match.group().lower())
        for path in paths
        if path.name != "cli.md"
        for match in seed.finditer(path.read_text())
    }
    assert sorted(found - SEED_MENTIONS_LEFT) == []
    assert sorted(SEED_MENTIONS_LEFT - found) == [], "gone now: delete from SEED_MENTIONS_LEFT"
