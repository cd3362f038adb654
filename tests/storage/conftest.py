"""The store contract suite runs against every backend (see ``database_url``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from persona_memory.storage import SqlStore, open_store


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    opened = open_store(database_url)
    yield opened
    opened.close()
