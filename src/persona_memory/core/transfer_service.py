"""Export and import of everything a store holds, in the format of
core/transfer.py.

An import is checked whole before anything is written (header, version, every
line, the end line's counts), screened by the PII firewall where a row lands in
a shared scope, and written in one transaction: all of it, or nothing. Rows the
store already holds, equal, are skipped, so importing a file twice changes
nothing. Memories arrive without vectors and are embedded afterwards by the
store's own embedder (the reindex path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from persona_memory.core.base import utcnow
from persona_memory.core.blocks import Block, BlockOwner
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.ports import Store
from persona_memory.core.privacy import Redaction
from persona_memory.core.privacy_service import PrivacyFirewall
from persona_memory.core.transfer import Header, ImportReport, Record, Row, lines_of, read_records

IMPORT_SOURCE = "import"  # what the firewall's stats count an import's redactions as
MEMORY_FIELDS = set(MemoryRecord.model_fields)


class TransferService:
    """Export and import of everything, as versioned JSON Lines; reached as
    ``memory.transfer``."""

    def __init__(
        self,
        store: Store,
        firewall: PrivacyFirewall,
        kinds: Iterable[str],
        reindex: Callable[[], int],
    ) -> None:
        """``kinds``: what the store exports (its tables); ``reindex``: embeds
        memories that have no vector yet."""
        self._store = store
        self._firewall = firewall
        self._kinds = tuple(kinds)
        self._reindex = reindex

    def export(self, *, persona_id: str | None = None, user_id: str | None = None) -> Iterator[str]:
        """The export's lines, read in one snapshot."""
        header = Header(exported_at=utcnow(), persona_id=persona_id, user_id=user_id)
        with self._store.read() as tx:
            yield from lines_of(header, tx.export_rows(persona_id, user_id))

    def import_lines(self, lines: Iterable[str], *, dry_run: bool = False) -> ImportReport:
        """Import a file's lines: all of them or, on any error, none.
        ``dry_run``: everything but the commit, reported the same way."""
        _, records = read_records(lines, self._kinds)
        redactions: dict[int, list[Redaction]] = {}
        numbered = [
            (line, record.kind, self._screen(record, redactions.setdefault(line, [])))
            for line, record in enumerate(records, start=2)
        ]
        try:
            with self._store.transaction() as tx:
                result = tx.import_rows(numbered)
                written = [r for line in result.lines for r in redactions.get(line, [])]
                tx.record_redactions(written)
                report = ImportReport(
                    added=dict(result.added),
                    unchanged=dict(result.unchanged),
                    redacted=len({r.target_id for r in written}),
                    dry_run=dry_run,
                )
                if dry_run:
                    raise _RollBack(report)
        except _RollBack as rolled_back:
            return rolled_back.report
        embedded = self._reindex() if result.added.get("memories") else 0
        return report.model_copy(update={"embedded": embedded})

    def _screen(self, record: Record, redactions: list[Redaction]) -> Row:
        """The row as a shared scope stores it: through the same firewall as
        every other write (an import is no way around it)."""
        if record.kind == "memories":
            return self._screen_memory(record.row, redactions)
        if record.kind == "blocks" and record.row.get("owner") == BlockOwner.USER_PERSONA:
            return self._screen_block(record.row, redactions)
        return record.row

    def _screen_memory(self, row: Row, redactions: list[Redaction]) -> Row:
        record = MemoryRecord.model_validate({k: v for k, v in row.items() if k in MEMORY_FIELDS})
        screened = self._firewall.memory(record, utcnow())
        if not screened.redactions:
            return row
        redactions += [r.model_copy(update={"source": IMPORT_SOURCE}) for r in screened.redactions]
        changed = screened.record
        return {**row, "text": changed.text, "context": changed.context, "tags": changed.tags}

    def _screen_block(self, row: Row, redactions: list[Redaction]) -> Row:
        fields = {k: v for k, v in row.items() if k != "char_limit"}
        block = Block.model_validate({**fields, "limit": row.get("char_limit")})
        value, found = self._firewall.block_text(block, block.value, "value", IMPORT_SOURCE)
        redactions += found
        return {**row, "value": value} if found else row


class _RollBack(Exception):  # not an error: ends a dry run's transaction
    def __init__(self, report: ImportReport) -> None:
        self.report = report
