"""The PII firewall at work: every shared-scope write passes :class:`PrivacyFirewall`
before it is embedded and stored, and :class:`PrivacyService` reports what it
did and audits data written before it existed.

The services that write shared scopes (memories, blocks, persona files) hold
the one firewall ``Memory`` builds, so no surface (SDK, HTTP, tools, sync,
learning) writes around it. Detection runs outside the transaction: it is the
slow part, and a lock should not wait on a model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from persona_memory.core.base import utcnow
from persona_memory.core.blocks import Block, BlockOwner
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.persona_files import FILE_SOURCE, RUNTIME_SOURCE
from persona_memory.core.ports import Embedder, Embedding, Store
from persona_memory.core.privacy import (
    PiiDetector,
    PiiType,
    PrivacyMode,
    PrivacyStats,
    Redaction,
    ScanFinding,
    ScanReport,
    Screened,
    screen,
)
from persona_memory.core.privacy_patterns import structured_spans
from persona_memory.core.scope import ScopeKind

SHARED_MEMORY_SCOPES = frozenset({ScopeKind.PERSONA, ScopeKind.GLOBAL})
# Sources whose text the persona's author wrote (core/persona_files.py), and the
# entity types kept in it: the persona's own places and workplaces.
AUTHORED_SOURCES = frozenset({FILE_SOURCE, RUNTIME_SOURCE})
AUTHORED_KEEPS = frozenset({PiiType.LOCATION, PiiType.ORG})
USER_PERSONA_SCOPE = "user_persona"


@dataclass(frozen=True, slots=True)
class ScreenedMemory:
    record: MemoryRecord
    redactions: list[Redaction]


class PrivacyFirewall:
    """Finds PII in text bound for a shared scope and redacts or refuses it."""

    def __init__(self, detector: Callable[[], PiiDetector], mode: PrivacyMode) -> None:
        self._make_detector = detector
        self._detector: PiiDetector | None = None
        self.mode = mode

    @property
    def detector(self) -> PiiDetector:
        # Loaded on first use: a spaCy model takes a second, and many processes
        # (a CLI command, a private-scope API) never write a shared scope.
        if self._detector is None:
            self._detector = self._make_detector()
        return self._detector

    def screen(self, text: str, field: str = "text", *, authored: bool = False) -> Screened:
        """``authored``: written by the persona's author (its memory file, the admin),
        about the persona's own life. Names and contact details still go; its
        places and workplaces stay ("I went hiking at Muir Woods", "I went to
        Venice", but not "... with John")."""
        spans = self.detector.detect(text)
        if authored:
            spans = [s for s in spans if s.type not in AUTHORED_KEEPS]
        return screen(text, spans, self.mode, field)

    def memory(
        self, record: MemoryRecord, now: datetime, known: Mapping[str, Screened] | None = None
    ) -> ScreenedMemory:
        """The record as a shared scope stores it: text and context through the
        full detector; tags through the patterns (a tag is a word or two).
        ``known`` holds texts screened earlier (outside a transaction)."""
        if record.scope not in SHARED_MEMORY_SCOPES:
            return ScreenedMemory(record, [])
        changes: dict[str, object] = {}
        redactions = []
        for field in ("text", "context"):
            value = getattr(record, field)
            if value is None:
                continue
            authored = record.source in AUTHORED_SOURCES
            screened = (known or {}).get(value) or self.screen(value, field, authored=authored)
            if screened.changed:
                changes[field] = screened.text
                redactions.append(_memory_redaction(record, field, screened, now))
        flagged = {tag: structured_spans(tag) for tag in record.tags}
        spans = [span for found in flagged.values() for span in found]
        if spans:
            screened = screen(" ".join(record.tags), spans, self.mode, "tags")
            changes["tags"] = [tag for tag in record.tags if not flagged[tag]]
            redactions.append(_memory_redaction(record, "tags", screened, now))
        return ScreenedMemory(record.model_copy(update=changes), redactions)

    def block_text(
        self, block: Block, text: str, field: str, source: str
    ) -> tuple[str, list[Redaction]]:
        """Text bound for ``block``: screened when the block is shared."""
        if block.owner is not BlockOwner.USER_PERSONA:
            return text, []
        screened = self.screen(text, field)
        if not screened.changed:
            return text, []
        redaction = Redaction(
            target="block",
            target_id=block.id,
            scope=USER_PERSONA_SCOPE,
            owner=block.user_persona_handle,
            field=field,
            found=screened.found,
            source=source,
            created_at=utcnow(),
        )
        return screened.text, [redaction]


def _memory_redaction(
    record: MemoryRecord, field: str, screened: Screened, now: datetime
) -> Redaction:
    return Redaction(
        target="memory",
        target_id=record.id,
        scope=str(record.scope),
        owner=record.persona_id,
        field=field,
        found=screened.found,
        source=record.source,
        created_at=now,
    )


class PrivacyService:
    """The PII firewall's records and repairs; reached as ``memory.privacy``."""

    def __init__(self, store: Store, embedder: Embedder, firewall: PrivacyFirewall) -> None:
        self._store = store
        self._embedder = embedder
        self._firewall = firewall
        # A scan always redacts, whatever the mode: it repairs, it refuses nothing.
        self._redactor = PrivacyFirewall(lambda: firewall.detector, PrivacyMode.REDACT)

    def stats(self) -> PrivacyStats:
        """What the PII firewall has redacted so far, with its mode and detector."""
        with self._store.read() as tx:
            totals = tx.redaction_totals()
        return PrivacyStats(
            **totals.model_dump(),
            mode=self._firewall.mode,
            detector=self._firewall.detector.name,
        )

    def scan(self, *, fix: bool = False, batch_size: int = 200) -> ScanReport:
        """Look for PII in what shared scopes already hold (written before the
        firewall, or under a weaker detector); with ``fix``, redact it in place,
        whatever the configured mode, and record each redaction."""
        findings: list[ScanFinding] = []
        scanned = self._scan_memories(findings, fix, batch_size)
        scanned += self._scan_blocks(findings, fix)
        fixed = sum(f.fixed for f in findings)
        return ScanReport(scanned=scanned, with_pii=len(findings), fixed=fixed, findings=findings)

    def _scan_memories(self, findings: list[ScanFinding], fix: bool, batch_size: int) -> int:
        after, scanned = 0, 0
        while True:
            with self._store.read() as tx:
                batch = tx.shared_memories(after, batch_size)
            if not batch:
                return scanned
            after = batch[-1][0]
            scanned += len(batch)
            for _, record in batch:
                # Screened as its own source (authored memories keep their places),
                # recorded as the scan's doing.
                screened = self._redactor.memory(record, utcnow())
                if not screened.redactions:
                    continue
                redactions = [r.model_copy(update={"source": "scan"}) for r in screened.redactions]
                screened = ScreenedMemory(screened.record, redactions)
                found = _merged(screened.redactions)
                if fix:
                    self._fix_memory(record, screened)
                findings.append(
                    _finding("memory", record.id, str(record.scope), record.persona_id, found, fix)
                )

    def _fix_memory(self, record: MemoryRecord, screened: ScreenedMemory) -> None:
        fields = {k: getattr(screened.record, k) for k in ("text", "context", "tags")}
        vector = self._embedder.embed([screened.record.text])[0]
        with self._store.transaction() as tx:
            current = tx.get_memory(record.id, for_update=True)
            if current is None or current.text != record.text:
                return  # changed since the scan read it: the next scan looks again
            updated = current.model_copy(update={**fields, "updated_at": utcnow()})
            tx.update_memory(current, updated, Embedding(self._embedder.model_name, vector))
            tx.record_redactions(screened.redactions)

    def _scan_blocks(self, findings: list[ScanFinding], fix: bool) -> int:
        with self._store.read() as tx:
            blocks = tx.shared_blocks()
        for block in blocks:
            text, redactions = self._redactor.block_text(block, block.value, "value", "scan")
            if not redactions:
                continue
            if fix:
                with self._store.transaction() as tx:
                    current = tx.get_block(block.id, for_update=True)
                    if current is not None and current.value == block.value:
                        tx.update_block(
                            current.model_copy(update={"value": text, "updated_at": utcnow()})
                        )
                        tx.record_redactions(redactions)
            findings.append(
                _finding(
                    "block",
                    block.id,
                    USER_PERSONA_SCOPE,
                    block.user_persona_handle,
                    _merged(redactions),
                    fix,
                )
            )
        return len(blocks)


def _merged(redactions: list[Redaction]) -> dict[str, int]:
    total: dict[str, int] = {}
    for redaction in redactions:
        for kind, count in redaction.found.items():
            total[kind] = total.get(kind, 0) + count
    return dict(sorted(total.items()))


def _finding(
    target: str, target_id: str, scope: str, owner: str | None, found: dict[str, int], fixed: bool
) -> ScanFinding:
    return ScanFinding.model_validate(
        {
            "target": target,
            "target_id": target_id,
            "scope": scope,
            "owner": owner,
            "found": found,
            "fixed": fixed,
        }
    )
