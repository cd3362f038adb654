"""The store contract suite runs against every backend listed here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from persona_memory.core.ports import Store
from persona_memory.storage import open_store

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = open_store(tmp_path / "contract.db")
    else:  # pragma: no cover - a backend named above without a way to open it
        raise AssertionError(f"no opener for backend {request.param!r}")
    yield opened
    opened.close()
