"""Transcripts in a local folder: one JSON file per call."""

from __future__ import annotations

import builtins
import contextlib
import json
import logging
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from persona_memory.core.errors import InvalidInput
from persona_memory.core.ids import check_persona_id, check_session_id, check_user_id
from persona_memory.core.transcripts import Transcript, as_utc, ended_at_of

logger = logging.getLogger("persona_memory.transcripts")

_TEMP_SUFFIX = ".tmp"


class FolderTranscriptStore:
    """A :class:`persona_memory.core.transcripts.TranscriptStore` on a local folder.

    Files are laid out ``{root}/transcripts/{user_id}/{persona_id}/{call_id}.json``
    (UTF-8, indented JSON). ``root`` is the caller's choice (configuration); it is
    created on the first write.

    Each file is written atomically: to a temporary file in the same folder,
    synced, then renamed over the old one, so a reader or a crash sees the old
    transcript or the new one, never half of one. Files are readable by their
    owner only (0o600), folders likewise (0o700): transcripts are personal data.

    Erasure (``delete_user``, ``delete_persona``) removes whole folders, including
    files that no longer parse and temporary files a crash left behind. Retention
    (``purge``) deletes the calls that ended before a cutoff; a file whose end it
    cannot read stays, with a warning, for someone to look at. Both remove the
    folders they leave empty below ``transcripts/``.

    Writes and erasure of the same user are not serialised: a put that races a
    delete_user may survive it. Callers erase a user once their sessions are over.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._dir = Path(root) / "transcripts"

    def put(self, transcript: Transcript) -> None:
        path = self._path(transcript.user_id, transcript.persona_id, transcript.call_id)
        document = json.dumps(transcript.model_dump(mode="json"), indent=2, ensure_ascii=False)
        for attempt in range(2):
            self._make_dirs(path.parent)
            try:
                _write_atomically(path, document + "\n")
                return
            except FileNotFoundError:
                # A concurrent purge may prune the new folder while it is still empty.
                if attempt:
                    raise

    def get(self, user_id: str, persona_id: str, call_id: str) -> Transcript | None:
        """Raises ValueError if the stored file is not a transcript of these ids."""
        path = self._path(user_id, persona_id, call_id)
        try:
            return _load(path)
        except FileNotFoundError:
            return None

    def list(self, user_id: str, persona_id: str | None = None) -> builtins.list[Transcript]:
        user_dir = self._user_dir(user_id)
        pattern = "*/*.json" if persona_id is None else f"{check_persona_id(persona_id)}/*.json"
        found = [t for path in user_dir.glob(pattern) if (t := _load_or_warn(path)) is not None]
        return sorted(found, key=lambda t: (t.call_metadata.started_at, t.persona_id, t.call_id))

    def delete_user(self, user_id: str) -> int:
        user_dir = self._user_dir(user_id)
        if not user_dir.is_dir():
            return 0
        count = _count_files(user_dir, "*/*.json")
        shutil.rmtree(user_dir)
        return count

    def delete_persona(self, persona_id: str) -> int:
        check_persona_id(persona_id)
        count = 0
        for persona_dir in self._dir.glob(f"*/{persona_id}/"):
            self._inside(persona_dir)
            count += _count_files(persona_dir, "*.json")
            shutil.rmtree(persona_dir)
            _remove_if_empty(persona_dir.parent)
        return count

    def purge(self, ended_before: datetime) -> int:
        cutoff = as_utc(ended_before)
        count = 0
        for path in self._dir.glob("*/*/*.json"):
            ended_at = _ended_at_or_warn(path)
            if ended_at is not None and ended_at < cutoff:
                path.unlink(missing_ok=True)
                count += 1
        self._remove_leftovers(cutoff)
        self._prune()
        return count

    def _path(self, user_id: str, persona_id: str, call_id: str) -> Path:
        check_user_id(user_id)
        check_persona_id(persona_id)
        check_session_id(call_id, field="call_id")
        return self._inside(self._dir / user_id / persona_id / f"{call_id}.json")

    def _user_dir(self, user_id: str) -> Path:
        return self._inside(self._dir / check_user_id(user_id))

    def _inside(self, path: Path) -> Path:
        # The id rules already keep out '..' and '/'; this second lock also stops a
        # symlinked folder from leading a write or an rmtree outside the root.
        if not path.resolve().is_relative_to(self._dir.resolve()):
            raise InvalidInput(f"{path} is outside the transcript folder {self._dir}")
        return path

    def _make_dirs(self, persona_dir: Path) -> None:
        for folder in (self._dir, persona_dir.parent, persona_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _remove_leftovers(self, cutoff: datetime) -> None:
        """Temporary files a crash left behind hold transcripts too; a transcript is
        written once its call has ended, so one last written before the cutoff is
        past retention."""
        for path in self._dir.glob(f"*/*/.*{_TEMP_SUFFIX}"):
            if _written_before(path, cutoff):
                logger.warning("removing %s, left over from an interrupted write", path)
                path.unlink(missing_ok=True)

    def _prune(self) -> None:
        for persona_dir in self._dir.glob("*/*"):
            if persona_dir.is_dir():
                _remove_if_empty(persona_dir)
        for user_dir in self._dir.glob("*"):
            if user_dir.is_dir():
                _remove_if_empty(user_dir)


def _write_atomically(path: Path, text: str) -> None:
    # Same folder as the target, so the rename is atomic (same filesystem); the
    # leading '.' and the suffix keep it out of every '*.json' listing.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=_TEMP_SUFFIX)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable; only POSIX can open a folder to sync it."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load(path: Path) -> Transcript:
    transcript = Transcript.model_validate_json(path.read_bytes())
    # A file moved by hand must not be returned as another user's transcript.
    where = (transcript.user_id, transcript.persona_id, f"{transcript.call_id}.json")
    if where != (path.parent.parent.name, path.parent.name, path.name):
        raise ValueError(f"{path} holds the transcript of another user, persona or call")
    return transcript


def _load_or_warn(path: Path) -> Transcript | None:
    try:
        return _load(path)
    except (OSError, ValueError) as exc:
        logger.warning("skipping unreadable transcript %s: %s", path, exc)
        return None


def _ended_at_or_warn(path: Path) -> datetime | None:
    try:
        return ended_at_of(path.read_bytes())
    except (OSError, ValueError) as exc:
        logger.warning("retention skips %s, whose end it cannot read: %s", path, exc)
        return None


def _written_before(path: Path, cutoff: datetime) -> bool:
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:  # a write in progress just renamed it into place
        return False
    return datetime.fromtimestamp(mtime, tz=cutoff.tzinfo) < cutoff


def _count_files(folder: Path, pattern: str) -> int:
    return sum(1 for path in folder.glob(pattern) if path.is_file())


def _remove_if_empty(folder: Path) -> None:
    # rmdir refuses a folder that is not empty, so a concurrent put never loses a file.
    with contextlib.suppress(OSError):
        folder.rmdir()
