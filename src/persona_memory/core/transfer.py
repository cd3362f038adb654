"""The export format: one JSON document per line, versioned, covering every kind
of data a store holds (docs/transfer.md).

    {"format": "persona-memory", "version": 1, "exported_at": ..., "user_id": ...}
    {"kind": "personas", "row": {...}}
    ...
    {"end": true, "counts": {"personas": 4, ...}}

The first line says what the file is; the last one counts what came before it,
so a truncated file is refused instead of half-imported. Kinds are the store's
tables; a row holds their columns, minus what the importing store rebuilds
itself (integer keys, tag index, embeddings; see ``Row``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import Field, ValidationError

from persona_memory.core.base import Model
from persona_memory.core.errors import ConflictError, InvalidInput

FORMAT = "persona-memory"
VERSION = 1

Row = dict[str, Any]
M = TypeVar("M", bound=Model)


class Header(Model):
    format: Literal["persona-memory"] = "persona-memory"
    version: int = VERSION
    exported_at: datetime
    persona_id: str | None = Field(default=None, description="exported for this persona only")
    user_id: str | None = Field(default=None, description="exported for this user only")


class Trailer(Model):
    end: Literal[True] = True
    counts: dict[str, int]


class Record(Model):
    kind: str
    row: Row


class TransferFileInvalid(InvalidInput):
    code = "transfer_file_invalid"

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}", field="file")


class UnknownFormatVersion(InvalidInput):
    code = "unknown_format_version"

    def __init__(self, version: object) -> None:
        super().__init__(
            f"this file is format version {version!r}; this persona-memory reads version "
            f"{VERSION} (upgrade persona-memory to import it)",
            field="version",
        )


class ImportConflict(ConflictError):
    """A row of the file exists in the store with other values: nothing is written."""

    code = "import_conflict"

    def __init__(self, conflicts: list[str]) -> None:
        shown = "; ".join(conflicts[:5])
        more = f" (and {len(conflicts) - 5} more)" if len(conflicts) > 5 else ""
        super().__init__(
            f"{len(conflicts)} rows of the file differ from the store's: {shown}{more}. "
            "Nothing was imported: import into an empty store, or remove those rows first",
            field="file",
        )
        self.conflicts = conflicts


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What a store did with an import's rows."""

    added: Counter[str]  # rows written, per kind
    unchanged: Counter[str]  # rows it held already, equal, per kind
    lines: frozenset[int]  # the lines of the rows written


class ImportReport(Model):
    added: dict[str, int] = Field(description="rows written, per kind")
    unchanged: dict[str, int] = Field(description="rows already in the store, equal, per kind")
    redacted: int = Field(default=0, description="shared-scope rows the PII firewall anonymised")
    embedded: int = Field(default=0, description="memories embedded after the import")
    dry_run: bool = False


def encode(value: object) -> str:
    """One line: sorted keys, so that the same data always writes the same bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_default)


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to an export")


def lines_of(header: Header, records: Iterable[tuple[str, Row]]) -> Iterator[str]:
    """The file's lines, header to trailer."""
    counts: Counter[str] = Counter()
    yield encode(header.model_dump(mode="json"))
    for kind, row in records:
        counts[kind] += 1
        yield encode({"kind": kind, "row": row})
    yield encode(Trailer(counts=dict(counts)).model_dump(mode="json"))


def read_records(lines: Iterable[str], kinds: Iterable[str]) -> tuple[Header, list[Record]]:
    """Every record of a file, checked: its header and version, each line's shape
    and kind, and the trailer's counts. Raises on the first problem."""
    known = set(kinds)
    numbered = ((n, text) for n, text in enumerate(lines, start=1) if text.strip())
    header = _header(next(numbered, (1, "")))
    records: list[Record] = []
    trailer: Trailer | None = None
    for number, text in numbered:
        if trailer is not None:
            raise TransferFileInvalid(number, "data after the end line")
        data = _json(number, text)
        if data.get("end") is True:
            trailer = _model(Trailer, number, data)
            continue
        record = _model(Record, number, data)
        if record.kind not in known:
            raise TransferFileInvalid(number, f"unknown kind {record.kind!r}")
        records.append(record)
    if trailer is None:
        raise TransferFileInvalid(len(records) + 2, "no end line: the file is truncated")
    counted = dict(Counter(r.kind for r in records))
    if counted != {k: v for k, v in trailer.counts.items() if v}:
        raise TransferFileInvalid(len(records) + 2, "the end line's counts do not match")
    return header, records


def _header(numbered: tuple[int, str]) -> Header:
    number, text = numbered
    if not text.strip():
        raise TransferFileInvalid(number, "empty file")
    data = _json(number, text)
    if data.get("format") != FORMAT:
        raise TransferFileInvalid(number, "not a persona-memory export (no format header)")
    if data.get("version") != VERSION:
        raise UnknownFormatVersion(data.get("version"))
    return _model(Header, number, data)


def _json(number: int, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TransferFileInvalid(number, f"not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise TransferFileInvalid(number, "not a JSON object")
    return data


def _model(model: type[M], number: int, data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise TransferFileInvalid(number, f"{where}: {problem['msg']}") from None
