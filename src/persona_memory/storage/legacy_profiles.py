"""Reading a flat profile folder (seed 001): ``user_*.json`` at its top, which
go to one persona, and ``{persona}/user_*.json`` already split per persona. The
folder is only read, never written."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from persona_memory.core.ids import PERSONA_ID_PATTERN
from persona_memory.core.profile_migration_service import ProfileFile

PATTERN = "user_*.json"
_PERSONA_FOLDER = re.compile(PERSONA_ID_PATTERN)


def profile_files(folder: Path, flat_persona: str) -> list[ProfileFile]:
    """Every profile file under ``folder``, in a stable order: the flat ones (for
    ``flat_persona``) first, then each persona folder's."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    found = [_read(path, folder, flat_persona) for path in sorted(folder.glob(PATTERN))]
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        # A seed-style backup folder holds copies, not profiles to import.
        if _PERSONA_FOLDER.match(sub.name) and not sub.name.startswith("profiles_backup_"):
            found += [_read(path, folder, sub.name) for path in sorted(sub.glob(PATTERN))]
    return found


def _read(path: Path, root: Path, persona_id: str) -> ProfileFile:
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    # Undecodable bytes become U+FFFD: the file then fails to parse, with a reason.
    text = path.read_bytes().decode("utf-8", errors="replace")
    return ProfileFile(str(path.relative_to(root)), persona_id, text, modified)
