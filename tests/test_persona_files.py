"""Seed 003's persona memory files: the format, incremental sync, export, and
``can_reference``. Every test syncs real files (copies of examples/personas)
into a real store, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from persona_memory import Memory, RelationshipUpdate, Settings
from persona_memory.core.caller import Caller
from persona_memory.core.errors import Forbidden
from persona_memory.core.memories import SearchFilters, SearchRequest
from persona_memory.core.persona_file_service import RuntimeMemoryCreate
from persona_memory.core.persona_files import PersonaFileInvalid, json_schema
from persona_memory.interfaces.cli import app
from persona_memory.tools import ToolContext

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "personas"
PRIVATE = "I went through a rough breakup last year and it took me months to feel like myself"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of Sage's starter files that a test may edit."""
    target = tmp_path / "personas"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture
def synced(memory: Memory, folder: Path) -> Iterator[Memory]:
    memory.persona_memories.sync(folder)
    yield memory


def memory_file(folder: Path) -> Path:
    return folder / "memories" / "sage" / "persona_memories.json"


def edit(folder: Path, change: Any) -> None:
    path = memory_file(folder)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def snapshot(memory: Memory) -> dict[str, tuple[str, str, Any]]:
    """Each of Sage's own memories: text, last update, and its history length."""
    own = memory.persona_memories.all("sage")
    return {
        m.id: (m.text, m.updated_at.isoformat(), len(memory.memories.history(m.id))) for m in own
    }


def test_the_first_sync_adds_every_memory_and_the_passport(memory: Memory, folder: Path) -> None:
    [report] = memory.persona_memories.sync(folder)
    assert report.counts.model_dump() == {"added": 10, "updated": 0, "removed": 0, "unchanged": 0}
    assert report.passport == "created" and report.wrote
    sage = memory.personas.get("sage")
    assert sage.continuation.probability == 0.5 and sage.name == "Sage"
    status = memory.persona_memories.get_sync_status("sage")
    assert status is not None and status.counts.added == 10 and len(status.file_hash) == 64
    first = next(
        m for m in memory.persona_memories.all("sage") if m.metadata["file_id"].endswith("1")
    )
    assert first.source == "json" and first.metadata["emotional_tone"] == "nostalgic"


def test_a_second_sync_writes_nothing(synced: Memory, folder: Path) -> None:
    before = snapshot(synced)
    status = synced.persona_memories.get_sync_status("sage")
    [report] = synced.persona_memories.sync(folder)
    assert not report.wrote and report.counts.unchanged == 10 and report.passport == "unchanged"
    assert snapshot(synced) == before
    assert synced.persona_memories.get_sync_status("sage") == status


def test_editing_one_memory_resyncs_only_it(synced: Memory, folder: Path) -> None:
    before = snapshot(synced)
    edit(folder, lambda d: d["memories"][2].update(text="I went hiking at Muir Woods"))
    [report] = synced.persona_memories.sync(folder)
    assert report.counts.model_dump() == {"added": 0, "updated": 1, "removed": 0, "unchanged": 9}
    after = snapshot(synced)
    changed = [i for i in before if before[i] != after[i]]
    assert len(changed) == 1 and after[changed[0]][0] == "I went hiking at Muir Woods"
    hits = synced.persona_memories.search_persona_memories("sage", "Muir Woods hike", limit=1)
    assert hits[0].text == "I went hiking at Muir Woods"  # re-embedded and re-indexed


def test_removing_one_removes_it_but_not_runtime_memories(synced: Memory, folder: Path) -> None:
    runtime = synced.persona_memories.add("sage", RuntimeMemoryCreate(text="I adopted a cat"))
    edit(folder, lambda d: d["memories"].pop(3))
    [report] = synced.persona_memories.sync(folder)
    assert report.counts.removed == 1 and report.counts.unchanged == 9
    texts = {m.text for m in synced.persona_memories.all("sage")}
    assert "I like rainy days more than sunny ones, they make everything feel cozy" not in texts
    assert runtime.text in texts and len(texts) == 10


def test_force_resyncs_every_memory(synced: Memory, folder: Path) -> None:
    [report] = synced.persona_memories.sync(folder, force=True)
    assert report.counts.updated == 10 and report.counts.unchanged == 0


@pytest.mark.parametrize(
    ("old", "new", "marker", "says"),
    [
        ('"importance": 4,', '"importance": 11,', '"importance": 11', "less than or equal to 10"),
        ('"category": "opinion"', '"category": "gossip"', '"gossip"', "category"),
        ('"id": "sage_mem_003"', '"id": "sage_mem_001"', "LAST sage_mem_001", "unique"),
        ('"tags": ["weather"', '"tags" ["weather"', '"tags" [', "not valid JSON"),
    ],
    ids=["importance out of range", "unknown category", "duplicate id", "bad JSON"],
)
def test_a_broken_file_changes_nothing_and_names_the_line(
    synced: Memory, folder: Path, old: str, new: str, marker: str, says: str
) -> None:
    before = snapshot(synced)
    path = memory_file(folder)
    text = path.read_text().replace("latte art", "an edit that must not land")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text)
    lines = text.splitlines()
    if marker.startswith("LAST "):
        line = max(i for i, t in enumerate(lines, 1) if marker[5:] in t)
    else:
        line = min(i for i, t in enumerate(lines, 1) if marker in t)
    with pytest.raises(PersonaFileInvalid) as raised:
        synced.persona_memories.sync(folder)
    message = raised.value.message
    assert str(path) in message and f"line {line}" in message and says in message, message
    assert snapshot(synced) == before


def test_a_broken_file_of_one_persona_stops_the_others_too(synced: Memory, folder: Path) -> None:
    (folder / "passports" / "wren.json").write_text('{"persona_id": "wren", "name": ""}')
    edit(folder, lambda d: d["memories"][0].update(text="an edit that must not land"))
    with pytest.raises(PersonaFileInvalid, match=r"wren\.json: line 1: name"):
        synced.persona_memories.sync(folder)
    assert "an edit that must not land" not in {m.text for m in synced.persona_memories.all("sage")}
    assert "wren" not in {p.id for p in synced.personas.all()}


def test_export_round_trips_to_an_equal_file(synced: Memory) -> None:
    original = json.loads(memory_file(EXAMPLES).read_text())
    assert synced.persona_memories.export("sage") == original


def test_runtime_memories_export_with_free_ids_and_come_back_adopted(
    synced: Memory, folder: Path
) -> None:
    added = synced.persona_memories.add(
        "sage", RuntimeMemoryCreate(text="I finally learned a fifth chord", category="interest")
    )
    exported = synced.persona_memories.export("sage", runtime_only=True)
    assert exported["metadata"]["source"] == "runtime"
    [entry] = exported["memories"]
    assert entry["id"] == "sage_mem_011" and entry["text"] == added.text
    # A person reviews it and commits it to the file: the next sync adopts it.
    edit(folder, lambda d: d["memories"].append(entry))
    [report] = synced.persona_memories.sync(folder)
    assert report.counts.added == 0 and report.counts.updated == 1
    adopted = [m for m in synced.persona_memories.all("sage") if m.text == added.text]
    assert len(adopted) == 1 and adopted[0].source == "json"
    assert synced.persona_memories.export("sage", runtime_only=True)["memories"] == []


def test_the_shipped_json_schema_is_the_models(synced: Memory) -> None:
    shipped = ROOT / "src" / "persona_memory" / "schemas" / "persona_memories.schema.json"
    assert json.loads(shipped.read_text()) == json_schema()


# --- can_reference --------------------------------------------------------------------------


def test_an_unreferenceable_memory_never_reaches_an_agent(synced: Memory) -> None:
    assert PRIVATE in {m.text for m in synced.persona_memories.all("sage")}  # admins see it
    question = "breakup rough months feel like myself"
    assert PRIVATE not in {h.text for h in synced.persona_memories.search("sage", question, 10)}
    found = synced.search(question, persona_id="sage", limit=50).results
    assert found and PRIVATE not in {h.text for h in found}
    synced.relationships.put("sage", "ann", RelationshipUpdate())
    prompt = synced.build_prompt("sage", "ann", query=question, token_budget=4000)
    assert "rough breakup" not in prompt.prompt and "=== ABOUT YOU ===" in prompt.prompt
    result = synced.invoke_tool(
        "search_memory", {"query": question}, ToolContext(persona_id="sage", user_id="ann")
    )
    assert result["status"] == "success" and PRIVATE not in {r["text"] for r in result["results"]}


def test_only_the_admin_may_ask_for_unreferenceable_memories(synced: Memory) -> None:
    filters = SearchFilters(include_unreferenceable=True)
    hits = synced.search("rough breakup", persona_id="sage", filters=filters).results
    assert PRIVATE in {h.text for h in hits}
    request = SearchRequest(
        query="rough breakup", persona_id="sage", user_id="ann", filters=filters
    )
    with pytest.raises(Forbidden, match="admin"):
        synced.run_search(request, caller=Caller.agent("sage", "ann"))


# --- the commands -------------------------------------------------------------------------


def test_the_sync_and_export_commands(settings: Settings, folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    database = ["--database", settings.database_url]
    first = runner.invoke(app, ["sync-persona-memories", str(folder), *database])
    assert first.exit_code == 0, first.output
    assert "sage: 10 added, 0 updated, 0 removed, 0 unchanged, passport created" in first.output
    again = runner.invoke(
        app, ["sync-persona-memories", "--persona", "sage", str(folder), *database]
    )
    assert "sage: 0 added, 0 updated, 0 removed, 10 unchanged" in again.output
    out = tmp_path / "out.json"
    exported = runner.invoke(
        app, ["export-persona-memories", "--persona", "sage", str(out), *database]
    )
    assert exported.exit_code == 0 and "wrote 10 memories" in exported.output
    assert json.loads(out.read_text()) == json.loads(memory_file(EXAMPLES).read_text())
    missing = runner.invoke(
        app, ["sync-persona-memories", "--persona", "nobody", str(folder), *database]
    )
    assert missing.exit_code == 1 and "nobody" in missing.output


def test_stats_count_memories_by_category_source_importance_and_day(synced: Memory) -> None:
    synced.persona_memories.add("sage", RuntimeMemoryCreate(text="I tried oolong today."))
    stats = synced.persona_memories.stats("sage")
    own = synced.persona_memories.all("sage")
    assert stats.total == len(own) == 11
    assert stats.by_source == {"json": 10, "runtime": 1}
    assert sum(stats.importance.values()) == sum(stats.over_time.values()) == 11
    days = sorted({m.created_at.date().isoformat() for m in own})
    assert list(stats.over_time) == days
