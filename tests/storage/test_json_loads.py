"""SQLite's JSON columns are read with pydantic's parser (faster), falling back to
the standard one for what only it reads: both must give the same values."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from persona_memory.core.memories import MemoryQuery
from persona_memory.core.scope import Scope
from persona_memory.storage import open_store
from persona_memory.storage.engine import _json_loads
from tests.storage.test_contract import add, persona, record

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(JSON, st.booleans())
def test_the_fast_parser_reads_what_json_loads_reads(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert _json_loads(text) == json.loads(text)


def test_a_value_written_by_another_tool_still_reads(tmp_path: Path) -> None:
    # A lone surrogate is refused on the way in (core/base.check_json), but another
    # writer may have stored one: pydantic's parser refuses it, json.loads does not.
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    store = open_store(url)
    try:
        with store.transaction() as tx:
            tx.insert_persona(persona("sage"))
        memory = record("x", Scope.persona("sage"))
        add(store, (memory, None))
        with sqlite3.connect(tmp_path / "memory.db") as raw:
            raw.execute("UPDATE memories SET metadata = ?", ['{"a": "\\ud800"}'])
        with store.read() as tx:
            (stored,) = tx.list_memories(MemoryQuery(scopes=(Scope.persona("sage"),)))
        assert stored.metadata == {"a": "\ud800"}
    finally:
        store.close()
