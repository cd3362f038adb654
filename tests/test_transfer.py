"""Export and import (issue 16): a lossless round trip on both backends and
across them, an import that is all-or-nothing and idempotent, a format version
it does not know refused, and shared-scope rows screened by the PII firewall."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.continuation import ContinuationRequest
from persona_memory.core.learning import IngestRequest, Message
from persona_memory.core.memories import MemoryCreate, MemoryUpdate
from persona_memory.core.persona_file_service import RuntimeMemoryCreate
from persona_memory.core.procedures import ProcedurePut
from persona_memory.core.relationships import RelationshipUpdate
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.core.tokens import TokenCreate
from persona_memory.core.transfer import (
    ImportConflict,
    TransferFileInvalid,
    UnknownFormatVersion,
)
from persona_memory.core.users import UserCreate
from persona_memory.demo import load_demo
from persona_memory.storage.schema import memories, memory_tags, metadata
from persona_memory.storage.sql.transfer import exported_columns, exported_tables
from tests.conftest import TEMPLATE
from tests.dbstate import contents, counts
from tests.pgserver import PgServer

_names = itertools.count()
SHARED = "qsr_real_estate_service_experience"


def open_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Memory:
    if backend == "sqlite":
        url = str(tmp_path / f"store{next(_names)}.db")
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        name = f"transfer_{next(_names)}"
        url = server.create_database(name, template=TEMPLATE)
        request.addfinalizer(lambda: server.drop_database(name))
    memory = Memory(settings=Settings(database_url=url, embedder="hash", transcripts_dir=tmp_path))
    request.addfinalizer(memory.close)
    return memory


def fill(memory: Memory) -> None:
    """Some of every kind of data, with a value in every column (a column the
    round trip lost would otherwise go unseen)."""
    load_demo(memory)
    memory.personas.create(PersonaCreate(id="zed", name="Zed", metadata={"tier": "beta"}))
    memory.users.create(UserCreate(id="dana", name="Dana", metadata={"plan": "pro"}))
    memory.relationships.put(
        "zed",
        "dana",
        RelationshipUpdate(custom_system_prompt="Be brief.", metadata={"channel": "sms"}),
    )
    started = SessionCreate(persona_id="bjorn", user_id="alice", metadata={"channel": "web"})
    session = memory.sessions.start(started)
    lines = ["I am allergic to peanuts.", "We decided to meet on Friday.", "I will send the notes."]
    memory.sessions.add_entries(session.id, [EntryCreate(content=line) for line in lines])
    memory.sessions.end(session.id)
    memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))  # still live
    memory.blocks.append("pi", "sarah", SHARED, "Ask about parking before anything else.")
    memory.blocks.append("pi", "sarah", SHARED, "Mail leads to jo.smith@example.com.")  # redacted
    memory.blocks.append("brad", "alice", "human", "Alice likes short answers.")
    memory.persona_memories.add("sage", RuntimeMemoryCreate(text="I tried oolong today."))
    fact = MemoryCreate(
        text="Alice worked at a bakery.",
        persona_id="brad",
        user_id="alice",
        context="said while talking about bread",
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
        valid_to=datetime(2022, 1, 1, tzinfo=UTC),
    )
    [record] = memory.memories.add_many([fact])
    memory.memories.update(record.id, MemoryUpdate(text="Alice worked at a bakery for years."))
    # A superseded fact, and one re-mentioned (reinforced).
    for line in ["I live in Boston.", "I just moved to Denver.", "I just moved to Denver."]:
        message = Message(role="user", content=line)
        memory.learning.ingest(
            IngestRequest(persona_id="brad", user_id="alice", messages=[message])
        )
    memory.profiles.update("bjorn", "alice", "personal_info", {"goal": "order tapas"}, "merge")
    memory.tokens.issue("alice", TokenCreate(name="phone", expires_in_seconds=3600))
    memory.procedures.put("brad", "greeting", ProcedurePut(template="Yo {name}", description="hi"))
    memory.procedures.put("brad", "greeting", ProcedurePut(template="Hey Alice"), user_id="alice")
    request = ContinuationRequest(conversation_id="c1", user_message="I love pizza", stage="burst")
    memory.continuation.decide("sage", request)


# Columns the fill leaves empty on purpose: set, they would be refused or mean
# something else (a live session's end, an episode's own duplicate, ...).
UNSET: set[str] = set()


def unset_columns(lines: list[str]) -> set[str]:
    """Exported columns that no row of the file gives a value."""
    given: dict[str, bool] = {}
    for line in lines[1:-1]:
        data = json.loads(line)
        for name, value in data["row"].items():
            column = f"{data['kind']}.{name}"
            given[column] = given.get(column, False) or value not in (None, [], {}, "")
    columns = {
        f"{table.name}.{column.name}"
        for table in exported_tables()
        for column in exported_columns(table)
    }
    return {c for c in columns if not given.get(c)}


def stored_rows(memory: Memory, vectors: bool) -> dict[str, list[str]]:
    engine = memory.store.engine  # type: ignore[attr-defined]
    found = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "jobs":
                continue
            columns = [c for c in table.columns if not _counter(c)]
            if table is memory_tags:
                columns = [memories.c.id, memory_tags.c.tag]
            if not vectors:
                columns = [c for c in columns if c.name != "embedding"]
            statement = select(*columns)
            if table is memory_tags:
                statement = statement.join_from(memory_tags, memories)
            rows = connection.execute(statement).all()
            found[table.name] = sorted(repr(tuple(_plain(v) for v in row)) for row in rows)
    return found


def _counter(column: Any) -> bool:
    return bool(column.primary_key and column.autoincrement is True and column.name in ("id", "pk"))


def _plain(value: Any) -> Any:
    """Key order is not data in a JSON object; a vector compares as its floats."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value.tolist() if hasattr(value, "tolist") else value


def export(memory: Memory, **only: str) -> list[str]:
    return list(memory.transfer.export(**only))


def body(lines: list[str]) -> list[str]:
    """All but the header, which carries the export's time."""
    return lines[1:]


BACKEND_PAIRS = [
    ("sqlite", "sqlite"),
    ("postgres", "postgres"),
    ("sqlite", "postgres"),
    ("postgres", "sqlite"),
]


@pytest.mark.parametrize(
    ("source", "target"), BACKEND_PAIRS, ids=["-".join(p) for p in BACKEND_PAIRS]
)
def test_export_import_export_gives_the_same_file(
    source: str, target: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if "postgres" in (source, target):
        request.applymarker(pytest.mark.postgres)
    first = open_store(source, tmp_path, request)
    fill(first)
    lines = export(first)
    assert unset_columns(lines) == UNSET
    kinds = {json.loads(line).get("kind") for line in lines}
    for kind in [
        "personas",
        "users",
        "relationships",
        "memories",
        "memory_history",
        "blocks",
        "block_attachments",
        "profiles",
        "profile_history",
        "sessions",
        "session_entries",
        "episodes",
        "user_personas",
        "user_persona_members",
        "user_tokens",
        "persona_memory_syncs",
    ]:
        assert kind in kinds, kind
    second = open_store(target, tmp_path, request)
    report = second.transfer.import_lines(lines)
    assert report.added["memories"] == sum(1 for line in lines if '"kind": "memories"' in line)
    assert report.embedded == report.added["memories"]
    assert body(export(second)) == body(lines)
    # Every row of every table, read straight from the tables (not through the
    # export): equal but for counters, the job queue and, across backends, how
    # a vector's floats come back.
    vectors = source == target
    assert stored_rows(second, vectors) == stored_rows(first, vectors)
    # What the second store answers is the first's.
    query = {"query": "where does alice live", "persona_id": "brad", "user_id": "alice"}
    assert [h.id for h in first.search(**query).results] == [
        h.id for h in second.search(**query).results
    ]


def test_a_second_import_changes_nothing(memory: Memory, tmp_path: Path) -> None:
    fill(memory)
    lines = export(memory)
    before = contents(memory)
    report = memory.transfer.import_lines(lines)
    assert report.added == {}
    assert sum(report.unchanged.values()) == len(lines) - 2
    assert contents(memory) == before


def test_a_truncated_file_is_refused_and_nothing_written(memory: Memory, tmp_path: Path) -> None:
    fill(memory)
    lines = export(memory)
    target = Memory(settings=Settings(database_url=str(tmp_path / "t.db"), embedder="hash"))
    with target:
        empty = counts(target)
        with pytest.raises(TransferFileInvalid, match="truncated"):
            target.transfer.import_lines(lines[:-1])
        with pytest.raises(TransferFileInvalid, match="counts do not match"):
            target.transfer.import_lines(lines[:-2] + lines[-1:])
        assert counts(target) == empty


def test_a_format_version_it_does_not_know_is_refused(memory: Memory) -> None:
    header = json.loads(export(memory)[0]) | {"version": 2}
    with pytest.raises(UnknownFormatVersion, match="format version 2"):
        memory.transfer.import_lines([json.dumps(header), '{"end": true, "counts": {}}'])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: not JSON"),
        ('{"kind": "secrets", "row": {}}', "line 2: unknown kind 'secrets'"),
        ('{"kind": "users", "row": {"id": "x", "shoe_size": 9}}', "no column 'shoe_size'"),
        (
            '{"kind": "users", "row": {"id": "x", "created_at": "soon", "metadata": {}}}',
            "not a time",
        ),
        ('{"kind": "users", "row": {"name": "x"}}', "needs 'id'"),
    ],
)
def test_a_bad_line_is_named_and_nothing_written(memory: Memory, line: str, message: str) -> None:
    header = export(memory)[0]
    kind = json.loads(line)["kind"] if line.startswith("{") else None
    end = json.dumps({"end": True, "counts": {kind: 1} if kind else {}})
    before = contents(memory)
    with pytest.raises(TransferFileInvalid, match=message):
        memory.transfer.import_lines([header, line, end])
    assert contents(memory) == before


def test_a_row_that_differs_from_the_stores_is_a_conflict(memory: Memory) -> None:
    fill(memory)
    lines = export(memory)
    changed = []
    for line in lines:
        data = json.loads(line)
        if (
            data.get("kind") == "memories"
            and data["row"]["text"] == "Alice is allergic to peanuts."
        ):
            data["row"]["text"] = "Alice is allergic to pollen."
            line = json.dumps(data)
        changed.append(line)
    before = contents(memory)
    with pytest.raises(ImportConflict, match="1 rows of the file differ") as raised:
        memory.transfer.import_lines(changed)
    assert raised.value.conflicts[0].endswith(
        next(
            f"memories {m.id}"
            for m in memory.memories.all(persona_id="brad", user_id="alice")
            if m.text == "Alice is allergic to peanuts."
        )
    )
    assert contents(memory) == before


def test_a_dry_run_reports_and_writes_nothing(memory: Memory, tmp_path: Path) -> None:
    fill(memory)
    lines = export(memory)
    target = Memory(settings=Settings(database_url=str(tmp_path / "t.db"), embedder="hash"))
    with target:
        before = contents(target)
        report = target.transfer.import_lines(lines, dry_run=True)
        assert report.dry_run and report.added["users"] == len(memory.users.all())
        assert contents(target) == before


def test_an_export_for_one_user_imports_on_its_own(memory: Memory, tmp_path: Path) -> None:
    fill(memory)
    lines = export(memory, user_id="alice")
    users = [json.loads(line)["row"]["id"] for line in lines if '"kind": "users"' in line]
    assert users == ["alice"]
    target = Memory(settings=Settings(database_url=str(tmp_path / "t.db"), embedder="hash"))
    with target:
        target.transfer.import_lines(lines)
        assert [u.id for u in target.users.all()] == ["alice"]
        assert _comparable(target, "alice") == _comparable(memory, "alice")
        assert body(export(target, user_id="alice")) == body(lines)


def _comparable(memory: Memory, user_id: str) -> dict[str, Any]:
    """The user's export without what an import renumbers or does not carry
    (counters, the job queue) and the time of the export."""
    data = memory.users.export(user_id).model_dump(exclude={"jobs", "exported_at"})
    for kind in ("history", "profile_history", "session_entries"):
        data[kind] = [{k: v for k, v in row.items() if k != "id"} for row in data[kind]]
    return data


def test_an_export_for_one_persona_carries_its_relationships(
    memory: Memory, tmp_path: Path
) -> None:
    fill(memory)
    lines = export(memory, persona_id="brad")
    rows = [json.loads(line) for line in lines[1:-1]]
    assert {r["row"]["id"] for r in rows if r["kind"] == "personas"} == {"brad"}
    assert {r["row"]["persona_id"] for r in rows if r["kind"] == "relationships"} == {"brad"}
    assert all(r["row"]["persona_id"] == "brad" for r in rows if r["kind"] == "memories")
    target = Memory(settings=Settings(database_url=str(tmp_path / "t.db"), embedder="hash"))
    with target:
        target.transfer.import_lines(lines)
        assert body(export(target, persona_id="brad")) == body(lines)


def _edited(lines: list[str], kind: str, match: Any, change: dict[str, Any]) -> list[str]:
    edited = []
    for line in lines:
        data = json.loads(line)
        if data.get("kind") == kind and match(data["row"]):
            data["row"] |= change
            line = json.dumps(data)
        edited.append(line)
    return edited


def test_an_import_passes_the_pii_firewall(memory: Memory, tmp_path: Path) -> None:
    fill(memory)
    lines = export(memory)
    email = "Jonathan Smith (jo.smith@example.com) asked me for oolong tips."
    lines = _edited(
        lines, "memories", lambda r: r["text"] == "I tried oolong today.", {"text": email}
    )
    phone = "Call the broker on +1 415 555 0134 for sites."
    lines = _edited(lines, "blocks", lambda r: r["label"] == SHARED, {"value": phone})
    private = "Alice's email is alice@example.com."
    lines = _edited(
        lines, "memories", lambda r: r["text"] == "Alice is allergic to peanuts.", {"text": private}
    )
    target = Memory(settings=Settings(database_url=str(tmp_path / "t.db"), embedder="hash"))
    with target:
        report = target.transfer.import_lines(lines)
        assert report.redacted == 2
        own = {m.text for m in target.persona_memories.all("sage")}
        assert "jo.smith@example.com" not in " ".join(own)
        assert "Jonathan" not in " ".join(own) and "Smith" not in " ".join(own)
        assert any("oolong tips" in text for text in own)
        shared = target.user_personas.get("qsr_real_estate").shared_block.value
        assert "555" not in shared and "broker" in shared
        # A relationship's own memory is private: stored as given.
        facts = target.memories.all(persona_id="brad", user_id="alice")
        assert private in {m.text for m in facts}
        # The source's own redaction (fill's) came along; the import's two are added.
        stats = target.privacy.stats()
        assert stats.by_source == {"admin": 1, "import": 2}
        assert stats.by_type == {"EMAIL": 2, "PERSON": 1, "PHONE": 1}
        redacted = next(m for m in target.persona_memories.all("sage") if "oolong tips" in m.text)
        events = [h.event for h in target.memories.history(redacted.id)]
        assert "REDACT" in events
        # Imported again, nothing more is redacted or written.
        again = target.transfer.import_lines(lines)
        assert again.added == {} and target.privacy.stats().redactions == 3


def test_the_export_and_import_commands(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from persona_memory.interfaces.cli import app

    source, target, file = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "all.jsonl"
    env = {"PERSONA_MEMORY_EMBEDDER": "hash", "PERSONA_MEMORY_TRANSCRIPTS_DIR": str(tmp_path)}
    with Memory(settings=Settings(database_url=str(source), embedder="hash")) as memory:
        fill(memory)
    runner = CliRunner()
    done = runner.invoke(app, ["export", str(file), "-d", str(source)], env=env)
    assert done.exit_code == 0, done.output
    rows = len(file.read_text().splitlines()) - 2
    assert f"exported {rows} rows" in done.output

    dry = runner.invoke(app, ["import", str(file), "-d", str(target), "--dry-run"], env=env)
    assert dry.exit_code == 0 and f"would import {rows} rows" in dry.output
    done = runner.invoke(app, ["import", str(file), "-d", str(target)], env=env)
    assert done.exit_code == 0 and f"imported {rows} rows" in done.output
    assert "embedded" in done.output
    again = runner.invoke(app, ["import", str(file), "-d", str(target)], env=env)
    assert "imported nothing" in again.output
    assert f"already there, unchanged: {rows} rows" in again.output

    file.write_text(file.read_text().replace('"version": 1', '"version": 9'))
    refused = runner.invoke(app, ["import", str(file), "-d", str(target)], env=env)
    assert refused.exit_code == 1 and "format version 9" in refused.output


def test_the_format_doc_lists_every_kind_and_column() -> None:
    documented = (Path(__file__).resolve().parents[1] / "docs" / "transfer.md").read_text()
    for table in exported_tables():
        [row] = [line for line in documented.splitlines() if line.startswith(f"| `{table.name}` |")]
        columns = [c.strip(" `") for c in row.split("|")[3].split(",")]
        assert columns == [c.name for c in exported_columns(table)], table.name
