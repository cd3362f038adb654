"""migrate-profiles (issue 16, seed 001): a flat folder of user_*.json moves into
per-persona relationships, one transaction per user, with a backup first, a
verification after, a dry run that writes nothing and a rollback that restores
the database's prior content exactly."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from persona_memory import Memory, Settings
from persona_memory.interfaces.cli import app
from persona_memory.storage.legacy_profiles import profile_files
from tests.dbstate import contents

ENV = {"PERSONA_MEMORY_EMBEDDER": "hash"}
BROKEN = {
    "user_broken1.json": '{"user_id": "b1", "facts": [',  # cut short
    "user_broken2.json": '{"username": "no id", "facts": []}',  # no user_id
    "user_broken3.json": '{"user_id": "b3", "facts": [{"timestamp": "2025-01-01"}]}',  # no fact
}


def write_profile(path: Path, user_id: str, facts: list[str], **extra: Any) -> None:
    data = {
        "user_id": user_id,
        "username": f"name-{user_id}",
        "facts": [
            {"fact": f, "timestamp": f"2025-01-{i + 1:02d}T10:00:00"} for i, f in enumerate(facts)
        ],
        "interests": ["chess", "tea"],
        **extra,
    }
    path.write_text(json.dumps(data))


def flat_folder(root: Path, users: int) -> Path:
    folder = root / "profiles"
    folder.mkdir()
    for n in range(users):
        write_profile(
            folder / f"user_{n}.json", str(n), [f"fact {j} of user {n}" for j in range(3)]
        )
    for name, text in BROKEN.items():
        (folder / name).write_text(text)
    return folder


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["migrate-profiles", *args], env=ENV)


def test_the_seeds_example_keeps_each_persona_apart(memory: Memory, tmp_path: Path) -> None:
    """Nerevar under Dagoth Ur and under Scav: two profiles, two fact lists; the
    flat file goes to `default`, created for it."""
    folder = tmp_path / "profiles"
    (folder / "dagoth_ur").mkdir(parents=True)
    (folder / "scav").mkdir()
    write_profile(folder / "user_1.json", "1", ["Likes netch leather"], favourite_colour="red")
    write_profile(folder / "dagoth_ur" / "user_1.json", "1", ["Swore to return to Red Mountain"])
    write_profile(folder / "scav" / "user_1.json", "1", ["Hoards tushonka", "Trusts no one"])
    report = memory.profile_migrations.migrate(profile_files(folder, "default"))
    assert report.count("imported") == 3 and report.verified == 3 and not report.mismatches
    assert sorted(report.personas_created) == ["dagoth_ur", "default", "scav"]

    def facts(persona: str) -> set[str]:
        return {m.text for m in memory.memories.all(persona_id=persona, user_id="1")}

    assert facts("default") == {"Likes netch leather"}
    assert facts("dagoth_ur") == {"Swore to return to Red Mountain"}
    assert facts("scav") == {"Hoards tushonka", "Trusts no one"}
    default = memory.profiles.get("default", "1").categories["personal_info"]
    assert default == {
        "username": "name-1",
        "interests": ["chess", "tea"],
        "favourite_colour": "red",
    }
    assert "favourite_colour" not in memory.profiles.get("scav", "1").categories["personal_info"]
    hits = memory.search("what does the user hoard", persona_id="dagoth_ur", user_id="1")
    assert all(h.text != "Hoards tushonka" for h in hits.results)
    again = memory.profile_migrations.migrate(profile_files(folder, "default"))
    assert again.count("unchanged") == 3 and again.facts_added == 0


@pytest.mark.slow
def test_a_thousand_profiles_dry_run_migrate_verify_rollback_rerun(tmp_path: Path) -> None:
    folder = flat_folder(tmp_path, 1000)
    source = tree_digest(folder)
    database = tmp_path / "memory.db"
    with Memory(settings=Settings(database_url=str(database), embedder="hash")) as memory:
        memory.add("A memory from before the migration.", persona_id=None)
        before = contents(memory)

    files = sorted(tmp_path.glob("memory.db*"))
    bytes_before = {f.name: digest(f) for f in files}
    dry = run(str(folder), "-d", str(database), "--dry-run")
    assert dry.exit_code == 0, dry.output
    # Byte for byte: a dry run only reads.
    assert {f.name: digest(f) for f in sorted(tmp_path.glob("memory.db*"))} == bytes_before
    assert not list(tmp_path.glob("profiles_backup_*"))
    assert "would import: 1000 files" in dry.output and "skipped: 3 files" in dry.output
    assert "facts to add: 3000" in dry.output
    with Memory(settings=Settings(database_url=str(database), embedder="hash")) as memory:
        assert contents(memory) == before

    done = run(str(folder), "-d", str(database), "--backup-dir", str(tmp_path / "backups"))
    assert done.exit_code == 0, done.output
    assert "imported: 1000 files" in done.output and "facts added: 3000" in done.output
    for name in BROKEN:
        assert f"skipped      {name}" in done.output
    assert "verified: 1000 users, 0 mismatches" in done.output
    [backup] = (tmp_path / "backups").glob("profiles_backup_*")
    assert len(backup.name) == len("profiles_backup_YYYYMMDD_HHMMSS")
    with Memory(settings=Settings(database_url=str(database), embedder="hash")) as memory:
        assert len(memory.users.all()) == 1000
        assert memory.memories.count_to_reindex() == 0  # embedded after the import

    again = run(str(folder), "-d", str(database), "--backup-dir", str(tmp_path / "backups"))
    assert "unchanged: 1000 files" in again.output and "facts added: 0" in again.output

    back = run(
        str(folder), "-d", str(database), "--rollback", "--backup-dir", str(tmp_path / "backups")
    )
    assert back.exit_code == 0 and "integrity check ok" in back.output
    with Memory(settings=Settings(database_url=str(database), embedder="hash")) as memory:
        restored = contents(memory)
    # The most recent backup is the second run's: taken after the first import.
    assert restored != before and len(restored["users"]) == 1000
    older = sorted(
        (tmp_path / "backups").glob("profiles_backup_*"), key=lambda p: p.stat().st_mtime_ns
    )
    older[-1].rename(tmp_path / "spent")  # roll back once more, to before everything
    back = run(
        str(folder), "-d", str(database), "--rollback", "--backup-dir", str(tmp_path / "backups")
    )
    with Memory(settings=Settings(database_url=str(database), embedder="hash")) as memory:
        assert contents(memory) == before
    assert tree_digest(folder) == source  # the source folder is never modified


@pytest.mark.slow
def test_a_killed_migration_leaves_each_user_whole_or_absent(tmp_path: Path) -> None:
    folder = flat_folder(tmp_path, 1000)
    database = tmp_path / "memory.db"
    Memory(settings=Settings(database_url=str(database), embedder="hash")).close()
    command = [sys.executable, "-m", "persona_memory", "migrate-profiles", str(folder)]
    command += ["-d", str(database)]
    process = subprocess.Popen(
        command, env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while _users(database) < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with Memory(settings=Settings(database_url=str(database), embedder="hash")) as memory:
        users = memory.users.all()
        assert 0 < len(users) < 1000, "killed too late to show anything"
        for user in users:
            facts = memory.memories.all(persona_id="default", user_id=user.id)
            profile = memory.profiles.get("default", user.id).categories["personal_info"]
            assert len(facts) == 3 and profile["username"] == f"name-{user.id}", user.id
    done = run(str(folder), "-d", str(database))
    assert done.exit_code == 0, done.output
    assert "verified: 1000 users, 0 mismatches" in done.output


def _users(database: Path) -> int:
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(database, timeout=0.1)) as connection:
            return int(connection.execute("SELECT count(*) FROM users").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.postgres
def test_on_postgresql_a_rollback_restores_every_row(
    pg_server: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL's backup is a logical export: a rollback brings back every row
    (counters renumbered; vectors re-embedded by the same model, so equal)."""
    from persona_memory.storage.backup import latest_backup, restore_backup, take_backup
    from tests.conftest import TEMPLATE
    from tests.test_transfer import fill, stored_rows

    url = pg_server.create_database("migration_rollback", template=TEMPLATE)
    request.addfinalizer(lambda: pg_server.drop_database("migration_rollback"))
    with Memory(
        settings=Settings(database_url=url, embedder="hash", transcripts_dir=tmp_path)
    ) as memory:
        fill(memory)
        before = stored_rows(memory, vectors=True)
        take_backup(memory.store, tmp_path, datetime.now(), memory.transfer.export)
        folder = flat_folder(tmp_path, 20)
        report = memory.profile_migrations.migrate(profile_files(folder, "default"))
        assert report.count("imported") == 20
        assert stored_rows(memory, vectors=True) != before
        found = latest_backup(tmp_path)
        assert found is not None and (found / "database.jsonl").exists()
        restore_backup(memory.store, found, memory.transfer.import_lines)
        assert stored_rows(memory, vectors=True) == before
