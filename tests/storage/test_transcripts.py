"""FolderTranscriptStore on real files: layout, path safety, atomic writes, erasure
and retention."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import resource
import signal
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from persona_memory.core.errors import InvalidInput
from persona_memory.core.transcripts import Transcript, TranscriptStore
from persona_memory.storage.transcripts import FolderTranscriptStore

SEED: dict[str, Any] = {
    "call_id": "sess-2025-01-07-001",
    "user_id": "alice@example.com",
    "persona_id": "brad",
    "call_metadata": {
        "started_at": "2025-01-07T10:00:00Z",
        "ended_at": "2025-01-07T10:12:34Z",
        "duration_seconds": 754,
    },
    "full_transcript": [
        {
            "speaker": "user",
            "text": "Hey Brad, got a minute?",
            "timestamp": "2025-01-07T10:00:03Z",
            "timeline": "main",
        },
        {
            "speaker": "persona",
            "text": "Ça va — always, Zoë. 🙂",
            "timestamp": "2025-01-07T10:00:05Z",
            "timeline": "main",
        },
    ],
    "extracted_entities": {
        "people_mentioned": ["Zoë"],
        "topics": ["promotion"],
        "emotions": ["anxious"],
        "decisions_made": ["ask for feedback"],
    },
    "tags": ["work"],
}

BAD_IDS = ["../x", "a/b", "..", "", "a\x00b", "/etc", ".hidden"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "root"


@pytest.fixture
def store(root: Path) -> FolderTranscriptStore:
    return FolderTranscriptStore(root)


def make(
    call_id: str = "c1",
    user_id: str = "alice",
    persona_id: str = "brad",
    started: str = "2025-01-07T10:00:00Z",
    ended: str = "2025-01-07T10:10:00Z",
    **changes: Any,
) -> Transcript:
    meta = {"started_at": started, "ended_at": ended, "duration_seconds": 600}
    data = {**SEED, "call_id": call_id, "user_id": user_id, "persona_id": persona_id}
    return Transcript.model_validate({**data, "call_metadata": meta, **changes})


def file_of(root: Path, t: Transcript) -> Path:
    return root / "transcripts" / t.user_id / t.persona_id / f"{t.call_id}.json"


def all_files(top: Path) -> set[Path]:
    return {p for p in top.rglob("*") if p.is_file()}


def empty_dirs(root: Path) -> list[Path]:
    return [p for p in (root / "transcripts").rglob("*") if p.is_dir() and not any(p.iterdir())]


# --- round trip ------------------------------------------------------------------


def test_the_store_satisfies_the_protocol(store: FolderTranscriptStore) -> None:
    assert isinstance(store, TranscriptStore)


def test_put_then_get_round_trips_the_seed_format(store: FolderTranscriptStore, root: Path) -> None:
    transcript = Transcript.model_validate(SEED)
    store.put(transcript)

    assert store.get("alice@example.com", "brad", "sess-2025-01-07-001") == transcript
    path = root / "transcripts" / "alice@example.com" / "brad" / "sess-2025-01-07-001.json"
    assert all_files(root) == {path}
    raw = path.read_bytes()
    assert json.loads(raw) == SEED  # same keys, same values, timestamps written with 'Z'
    assert "Ça va — always, Zoë. 🙂".encode() in raw  # UTF-8, not \\u escapes
    assert raw.startswith(b'{\n  "call_id"')  # indented by 2


def test_put_overwrites_the_same_call(store: FolderTranscriptStore, root: Path) -> None:
    store.put(make(tags=["first"]))
    store.put(make(tags=["second"]))

    stored = store.get("alice", "brad", "c1")
    assert stored is not None
    assert stored.tags == ["second"]
    assert all_files(root) == {file_of(root, make())}


def test_list_orders_by_start_and_filters_by_persona(store: FolderTranscriptStore) -> None:
    store.put(make("late", started="2025-03-01T09:00:00Z", ended="2025-03-01T09:30:00Z"))
    store.put(make("early", persona_id="sage"))
    store.put(make("middle", started="2025-02-01T09:00:00Z", ended="2025-02-01T09:30:00Z"))
    store.put(make("other-user", user_id="bob"))

    assert [t.call_id for t in store.list("alice")] == ["early", "middle", "late"]
    assert [t.call_id for t in store.list("alice", "brad")] == ["middle", "late"]
    assert [t.call_id for t in store.list("alice", "sage")] == ["early"]


def test_unknown_ids_give_none_and_empty_lists(store: FolderTranscriptStore) -> None:
    assert store.get("alice", "brad", "c1") is None
    assert store.list("alice") == []
    store.put(make())
    assert store.get("alice", "brad", "nope") is None
    assert store.get("alice", "sage", "c1") is None
    assert store.list("alice", "sage") == []
    assert store.list("bob") == []


def test_the_model_refuses_an_end_before_the_start() -> None:
    with pytest.raises(ValidationError, match="ended_at is before started_at"):
        make(started="2025-01-07T10:00:00Z", ended="2025-01-07T09:00:00Z")


# --- path safety -----------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_IDS)
def test_every_method_refuses_an_id_that_could_leave_its_folder(
    store: FolderTranscriptStore, root: Path, bad: str
) -> None:
    store.put(make())
    before = all_files(root.parent)
    calls: list[Callable[[], object]] = [
        lambda: store.get(bad, "brad", "c1"),
        lambda: store.get("alice", bad, "c1"),
        lambda: store.get("alice", "brad", bad),
        lambda: store.list(bad),
        lambda: store.list("alice", bad),
        lambda: store.delete_user(bad),
        lambda: store.delete_persona(bad),
    ]
    for call in calls:
        with pytest.raises(InvalidInput):
            call()
    assert all_files(root.parent) == before


@pytest.mark.parametrize("field", ["call_id", "user_id", "persona_id"])
@pytest.mark.parametrize("bad", BAD_IDS)
def test_put_refuses_bad_ids_even_in_an_unvalidated_transcript(
    store: FolderTranscriptStore, root: Path, field: str, bad: str
) -> None:
    with pytest.raises(ValidationError):
        make(**{field: bad})
    # model_construct skips validation: the store must check on its own.
    sneaky = Transcript.model_construct(**{**dict(make()), field: bad})
    with pytest.raises(InvalidInput):
        store.put(sneaky)
    assert all_files(root.parent) == set()


def test_a_symlinked_folder_cannot_lead_outside_the_root(
    store: FolderTranscriptStore, root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    (outside / "brad").mkdir(parents=True)
    victim = outside / "brad" / "keep.json"
    victim.write_text("{}")
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "mallory").symlink_to(outside, target_is_directory=True)

    with pytest.raises(InvalidInput):
        store.put(make(user_id="mallory"))
    with pytest.raises(InvalidInput):
        store.delete_user("mallory")
    with pytest.raises(InvalidInput):
        store.get("mallory", "brad", "keep")
    assert all_files(outside) == {victim}


def test_a_file_moved_to_another_users_folder_is_not_theirs(
    store: FolderTranscriptStore, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store.put(make())
    moved = root / "transcripts" / "bob" / "brad" / "c1.json"
    moved.parent.mkdir(parents=True)
    moved.write_bytes(file_of(root, make()).read_bytes())

    with caplog.at_level(logging.WARNING, logger="persona_memory.transcripts"):
        assert store.list("bob") == []
    assert "another user" in caplog.text
    with pytest.raises(ValueError, match="another user"):
        store.get("bob", "brad", "c1")


# --- atomic writes ---------------------------------------------------------------


@contextlib.contextmanager
def file_size_limit(max_bytes: int) -> Iterator[None]:
    """Writes past ``max_bytes`` fail with EFBIG, as on a full quota; works as root."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills us
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def test_a_put_failing_half_way_keeps_the_previous_file(
    store: FolderTranscriptStore, root: Path
) -> None:
    store.put(make())
    path = file_of(root, make())
    before = path.read_bytes()
    line = {"speaker": "user", "text": "x" * 100_000, "timestamp": "2025-01-07T10:01:00Z"}
    bigger = make(full_transcript=[line])

    with file_size_limit(len(before) + 1000), pytest.raises(OSError) as failure:
        store.put(bigger)

    assert failure.value.errno == errno.EFBIG
    assert path.read_bytes() == before
    assert all_files(root) == {path}  # the half-written temporary file is gone


def test_a_rename_that_fails_leaves_no_temporary_file(
    store: FolderTranscriptStore, root: Path
) -> None:
    store.put(make())
    path = file_of(root, make())
    path.unlink()
    path.mkdir()  # the destination is now a folder: the final rename fails

    with pytest.raises(IsADirectoryError):
        store.put(make())
    assert all_files(root) == set()
    assert path.is_dir()


def test_files_and_folders_are_private(store: FolderTranscriptStore, root: Path) -> None:
    store.put(make())
    path = file_of(root, make())
    assert path.stat().st_mode & 0o777 == 0o600
    for folder in (path.parent, path.parent.parent, root / "transcripts"):
        assert folder.stat().st_mode & 0o777 == 0o700


# --- erasure ---------------------------------------------------------------------


def put_family(store: FolderTranscriptStore) -> None:
    store.put(make("a1"))
    store.put(make("a2"))
    store.put(make("a3", persona_id="sage"))
    store.put(make("b1", user_id="bob"))
    store.put(make("b2", user_id="bob", persona_id="sage"))


def test_delete_user_removes_only_that_user(store: FolderTranscriptStore, root: Path) -> None:
    put_family(store)
    (root / "transcripts" / "alice" / "brad" / ".a1.leftover.tmp").write_text("half")

    assert store.delete_user("alice") == 3
    assert not (root / "transcripts" / "alice").exists()
    assert store.list("alice") == []
    assert [t.call_id for t in store.list("bob")] == ["b1", "b2"]
    assert len(all_files(root)) == 2
    assert empty_dirs(root) == []
    assert store.delete_user("alice") == 0


def test_delete_persona_removes_it_for_every_user(store: FolderTranscriptStore, root: Path) -> None:
    put_family(store)
    store.put(make("c1", user_id="carol"))

    assert store.delete_persona("brad") == 4
    assert [t.call_id for t in store.list("alice")] == ["a3"]
    assert [t.call_id for t in store.list("bob")] == ["b2"]
    assert not (root / "transcripts" / "carol").exists()
    assert empty_dirs(root) == []
    assert store.delete_persona("brad") == 0


# --- retention -------------------------------------------------------------------


def test_purge_deletes_only_calls_that_ended_before_the_cutoff(
    store: FolderTranscriptStore, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store.put(make("old", ended="2025-01-07T10:10:00Z"))
    store.put(make("at-cutoff", started="2025-03-01T00:00:00Z", ended="2025-03-01T00:00:00Z"))
    store.put(make("new", started="2025-06-01T00:00:00Z", ended="2025-06-01T00:10:00Z"))
    store.put(make("bob-old", user_id="bob"))
    broken = root / "transcripts" / "alice" / "brad" / "broken.json"
    broken.write_text('{"call_metadata": {"ended_at": "not a date"}}')

    with caplog.at_level(logging.WARNING, logger="persona_memory.transcripts"):
        assert store.purge(datetime(2025, 3, 1, tzinfo=UTC)) == 2
        assert [t.call_id for t in store.list("alice")] == ["at-cutoff", "new"]

    assert broken.exists()
    assert "broken.json" in caplog.text
    assert not (root / "transcripts" / "bob").exists()
    assert empty_dirs(root) == []
    assert store.purge(datetime(2025, 3, 1, tzinfo=UTC)) == 0


def test_purge_takes_a_naive_cutoff_as_utc(store: FolderTranscriptStore) -> None:
    store.put(make(started="2025-01-07T08:00:00Z", ended="2025-01-07T10:10:00+02:00"))
    assert store.purge(datetime(2025, 1, 7, 8, 10)) == 0
    assert store.purge(datetime(2025, 1, 7, 8, 11)) == 1


def test_purge_reads_only_the_end_of_a_file_from_another_version(
    store: FolderTranscriptStore, root: Path
) -> None:
    store.put(make())
    path = file_of(root, make())
    path.write_text(json.dumps({**json.loads(path.read_text()), "new_field": 1}))
    assert store.list("alice") == []  # no longer a valid transcript...
    assert store.purge(datetime(2026, 1, 1, tzinfo=UTC)) == 1  # ...but still retained data
    assert not path.exists()


def test_purge_removes_temporary_files_left_before_the_cutoff(
    store: FolderTranscriptStore, root: Path
) -> None:
    store.put(make())
    folder = file_of(root, make()).parent
    stale, fresh = folder / ".c1.stale.tmp", folder / ".c1.fresh.tmp"
    stale.write_text("half")
    fresh.write_text("half")
    long_ago = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    os.utime(stale, (long_ago, long_ago))

    assert store.purge(datetime(2025, 1, 2, tzinfo=UTC)) == 0
    assert not stale.exists()
    assert fresh.exists()
    assert store.list("alice") == [make()]  # temporary files are never listed
