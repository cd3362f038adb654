"""Syncing persona memory files into the store, and writing them back.

A sync reads and validates every file it was given before it writes anything,
embeds what changed before a transaction opens, then writes each persona (its
passport, its memories, its sync status) in one transaction: a broken file
changes nothing, and a crash leaves each persona either synced or as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field, StrictBool, StrictInt, field_validator

from persona_memory.core.base import Model, Tags, utcnow
from persona_memory.core.errors import InvalidInput, NotFoundError
from persona_memory.core.memories import (
    MemoryCreate,
    MemoryQuery,
    MemoryRecord,
    MemoryUpdate,
    SearchHit,
    changed,
    new_record,
    text_not_blank,
)
from persona_memory.core.persona_files import (
    FILE_ID,
    FILE_NAME,
    FILE_SOURCE,
    RUNTIME_SOURCE,
    Passport,
    PersonaFileInvalid,
    PersonaMemoryCategory,
    PersonaMemoryFile,
    SyncCounts,
    SyncPlan,
    SyncStatus,
    export_file,
    file_hash,
    plan_sync,
    read_memory_file,
    read_passport,
    stored_fields,
)
from persona_memory.core.persona_service import require_persona
from persona_memory.core.personas import Persona, updated
from persona_memory.core.ports import Embedder, Embedding, Searcher, Store, Transaction
from persona_memory.core.privacy import Redaction, Screened
from persona_memory.core.privacy_service import PrivacyFirewall, ScreenedMemory
from persona_memory.core.scope import Scope

Progress = Callable[[int], None]
EVERYTHING = 1_000_000  # a persona's own memories are read whole


@dataclass(frozen=True)
class PersonaFiles:
    """What one persona has in a persona directory."""

    persona_id: str
    memories: Path | None
    passport: Path | None


class SyncReport(Model):
    persona_id: str
    file: str | None = Field(description="the memory file synced; null: passport only")
    counts: SyncCounts
    passport: str | None = Field(default=None, description="created, updated or unchanged")
    wrote: bool = Field(description="false: nothing had changed, nothing was written")


class RuntimeMemoryCreate(Model):
    """A memory of the persona's own, added through the API or the admin UI."""

    text: str = Field(min_length=1)
    category: PersonaMemoryCategory = PersonaMemoryCategory.EXPERIENCE
    tags: Tags = Field(default_factory=list)
    emotional_tone: str | None = Field(default=None, max_length=100)
    importance: StrictInt = Field(default=5, ge=1, le=10)
    can_reference: StrictBool = True

    _not_blank = field_validator("text")(text_not_blank)


class PersonaMemoryStats(Model):
    persona_id: str
    total: int
    by_category: dict[str, int]
    by_source: dict[str, int]
    importance: dict[int, int] = Field(description="memories per importance, 1-10")
    over_time: dict[str, int] = Field(
        default_factory=dict,
        description="memories per day they were stored (YYYY-MM-DD), oldest first",
    )
    last_sync: SyncStatus | None


class PersonaOverview(Model):
    id: str
    name: str
    description: str
    memories: int
    by_source: dict[str, int]
    last_sync: datetime | None


@dataclass(frozen=True)
class _Loaded:
    files: PersonaFiles
    passport: Passport | None
    memory_file: PersonaMemoryFile | None
    data: bytes


def persona_directory(directory: Path, persona_id: str | None = None) -> list[PersonaFiles]:
    """The layout: ``memories/{id}/persona_memories.json`` and ``passports/{id}.json``."""
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory", field="directory")
    memory_files = {p.parent.name: p for p in directory.glob(f"memories/*/{FILE_NAME}")}
    passports = {p.stem: p for p in directory.glob("passports/*.json")}
    ids = sorted(set(memory_files) | set(passports))
    if persona_id is not None:
        if persona_id not in ids:
            raise NotFoundError(
                f"{directory} has no memories/{persona_id}/{FILE_NAME} and no "
                f"passports/{persona_id}.json",
                field="persona_id",
            )
        ids = [persona_id]
    return [PersonaFiles(i, memory_files.get(i), passports.get(i)) for i in ids]


class PersonaFileService:
    """The persona's own memories; reached as ``memory.persona_memories``:
    synced from ``persona_memories.json`` files a person edits, or added at
    run time."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        searcher: Searcher,
        firewall: PrivacyFirewall,
        max_text_chars: int = 16_000,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._searcher = searcher
        self._firewall = firewall
        self._max_text_chars = max_text_chars

    # --- sync ---------------------------------------------------------------

    def sync(
        self,
        directory: Path,
        *,
        persona_id: str | None = None,
        force: bool = False,
        progress: Progress | None = None,
    ) -> list[SyncReport]:
        """Sync a persona directory (one persona, or all of them); ``progress`` is
        called with 1 after each persona."""
        # Every file is read and validated before anything is written.
        loaded = [_load(files) for files in persona_directory(directory, persona_id)]
        reports = []
        for item in loaded:
            reports.append(self._sync_one(item, force))
            if progress is not None:
                progress(1)
        return reports

    def sync_file(self, path: Path, *, force: bool = False) -> SyncReport:
        """Sync one memory file; its persona must exist."""
        memory_file, data = read_memory_file(path)
        item = _Loaded(PersonaFiles(memory_file.persona_id, path, None), None, memory_file, data)
        return self._sync_one(item, force)

    def _sync_one(self, item: _Loaded, force: bool) -> SyncReport:
        persona_id = item.files.persona_id
        plan = SyncPlan()
        if item.memory_file is not None:
            with self._store.read() as tx:
                plan = plan_sync(item.memory_file, self._own(tx, persona_id), force=force)
        screened = self._screened(plan, force)
        vectors = self._embeddings(screened)
        now = utcnow()
        with self._store.transaction() as tx:
            passport = _put_passport(tx, persona_id, item.passport, now)
            require_persona(tx, persona_id)
            if item.memory_file is not None:
                # Planned again under the write lock: a concurrent change wins nothing.
                plan = plan_sync(item.memory_file, self._own(tx, persona_id), force=force)
                redactions = _write(
                    tx,
                    persona_id,
                    plan,
                    vectors,
                    lambda record: self._firewall.memory(record, now, screened),
                    now,
                    self._max_text_chars,
                )
                tx.record_redactions(redactions)
                status = tx.get_sync_status(persona_id)
                digest = file_hash(item.data)
                # A file only reordered or reformatted writes its status, not memories.
                if plan.writes or status is None or status.file_hash != digest:
                    tx.put_sync_status(_status(item, plan, digest, now))
        return SyncReport(
            persona_id=persona_id,
            file=str(item.files.memories) if item.files.memories else None,
            counts=plan.counts(),
            passport=passport,
            wrote=plan.writes or passport in ("created", "updated"),
        )

    def _screened(self, plan: SyncPlan, force: bool) -> dict[str, Screened]:
        """Each text the sync will write, through the PII firewall (a persona's
        memories are read by every user's agent)."""
        texts = [entry.text for entry in plan.add]
        texts += [e.text for e, record in plan.update if force or e.text != record.text]
        return {text: self._firewall.screen(text, authored=True) for text in dict.fromkeys(texts)}

    def _embeddings(self, screened: dict[str, Screened]) -> dict[str, Embedding]:
        """Vectors of the texts as stored, keyed by the text as written in the file."""
        vectors: dict[str, Embedding] = {}
        originals = list(screened)
        for start in range(0, len(originals), 64):
            batch = originals[start : start + 64]
            stored = [screened[text].text for text in batch]
            for text, vector in zip(batch, self._embedder.embed(stored), strict=True):
                vectors[text] = Embedding(self._embedder.model_name, vector)
        return vectors

    # --- reads ----------------------------------------------------------------

    def status(self, persona_id: str) -> SyncStatus | None:
        """The persona's last sync of its memory file; None before the first.
        Also callable as ``get_sync_status``."""
        with self._store.read() as tx:
            require_persona(tx, persona_id)
            return tx.get_sync_status(persona_id)

    get_sync_status = status  # seed 003's name

    def search(self, persona_id: str, query: str, limit: int = 3) -> list[SearchHit]:
        """The persona's own memories that may be referenced, best first."""
        with self._store.read() as tx:
            require_persona(tx, persona_id)
        scope = MemoryQuery(
            scopes=(Scope.persona(persona_id),), current_at=utcnow(), referenceable_only=True
        )
        return self._searcher.search(query, scope, limit=limit)

    search_persona_memories = search  # seed 003's name

    def all(
        self,
        persona_id: str,
        *,
        category: str | None = None,
        source: str | None = None,
        query: str | None = None,
    ) -> list[MemoryRecord]:
        """Every memory of the persona's own, for admins: unreferenceable ones too.
        ``source``: ``json`` (from the file) or ``runtime``; ``query``: best first."""
        if query:
            scope = MemoryQuery(scopes=(Scope.persona(persona_id),), category=category)
            with self._store.read() as tx:
                require_persona(tx, persona_id)
            found: list[MemoryRecord] = [
                hit.record() for hit in self._searcher.search(query, scope, limit=200)
            ]
        else:
            with self._store.read() as tx:
                require_persona(tx, persona_id)
                found = self._own(tx, persona_id, category=category)
        return [m for m in found if source is None or source_of(m) == source]

    def overview(self) -> list[PersonaOverview]:
        """Every persona with its own memories counted, for the admin."""
        with self._store.read() as tx:
            rows = []
            for persona in tx.list_personas():
                own = self._own(tx, persona.id)
                status = tx.get_sync_status(persona.id)
                rows.append(
                    PersonaOverview(
                        id=persona.id,
                        name=persona.name,
                        description=persona.description,
                        memories=len(own),
                        by_source=dict(Counter(source_of(m) for m in own)),
                        last_sync=status.synced_at if status else None,
                    )
                )
        return rows

    def passport(self, persona_id: str) -> Passport:
        """The persona's definition, as its ``passports/{id}.json`` file holds it."""
        with self._store.read() as tx:
            return Passport.of(require_persona(tx, persona_id))

    def stats(self, persona_id: str) -> PersonaMemoryStats:
        """The persona's own memories counted by category, source, importance and
        day, with its last sync."""
        with self._store.read() as tx:
            require_persona(tx, persona_id)
            own = self._own(tx, persona_id)
            status = tx.get_sync_status(persona_id)
        importance = Counter(m.importance for m in own)
        return PersonaMemoryStats(
            persona_id=persona_id,
            total=len(own),
            by_category=dict(Counter(m.category or "none" for m in own)),
            by_source=dict(Counter(source_of(m) for m in own)),
            importance={level: importance.get(level, 0) for level in range(1, 11)},
            over_time=dict(sorted(Counter(m.created_at.date().isoformat() for m in own).items())),
            last_sync=status,
        )

    def export(self, persona_id: str, *, runtime_only: bool = False) -> dict[str, Any]:
        """The persona's own memories as ``persona_memories.json`` data."""
        with self._store.read() as tx:
            require_persona(tx, persona_id)
            own = self._own(tx, persona_id)
            status = tx.get_sync_status(persona_id)
        return export_file(
            persona_id,
            own,
            utcnow().date(),
            file_metadata=status.file_metadata if status else None,
            order=status.order if status else (),
            synced_at=status.synced_at if status else None,
            runtime_only=runtime_only,
        )

    # --- runtime memories ---------------------------------------------------------

    def add(
        self,
        persona_id: str,
        body: RuntimeMemoryCreate,
        *,
        source: str = RUNTIME_SOURCE,
        metadata: dict[str, Any] | None = None,
    ) -> MemoryRecord:
        """A memory of the persona's own; ``source`` and ``metadata`` say where
        it came from (persona learning: ``learned`` and the session's id)."""
        now = utcnow()
        tone = {"emotional_tone": body.emotional_tone} if body.emotional_tone else {}
        metadata = {**(metadata or {}), **tone}
        record = new_record(
            MemoryCreate(
                text=body.text,
                persona_id=persona_id,
                category=body.category.value,
                tags=body.tags,
                importance=body.importance,
                can_reference=body.can_reference,
                metadata=metadata,
                source=source,
            ),
            now,
            self._max_text_chars,
        )
        screened = self._firewall.memory(record, now)
        record = screened.record
        vector = self._embedder.embed([record.text])[0]
        with self._store.transaction() as tx:
            require_persona(tx, persona_id)
            tx.insert_memories([(record, Embedding(self._embedder.model_name, vector))])
            tx.record_redactions(screened.redactions)
        return record

    def delete(self, persona_id: str, memory_id: str) -> MemoryRecord:
        """Delete one of the persona's own memories, by its id or its file id."""
        with self._store.transaction() as tx:
            require_persona(tx, persona_id)
            for record in self._own(tx, persona_id):
                if memory_id in (record.id, record.metadata.get(FILE_ID)):
                    tx.delete_memory(record)
                    return record
        raise NotFoundError(
            f"persona {persona_id!r} has no memory {memory_id!r}", field="memory_id"
        )

    @staticmethod
    def _own(
        tx: Transaction, persona_id: str, *, category: str | None = None
    ) -> list[MemoryRecord]:
        query = MemoryQuery(scopes=(Scope.persona(persona_id),), category=category)
        return tx.list_memories(query, limit=EVERYTHING)


def source_of(memory: MemoryRecord) -> str:
    """``json`` for a memory from the persona's file, ``runtime`` for any other."""
    return FILE_SOURCE if memory.source == FILE_SOURCE else RUNTIME_SOURCE


def _load(files: PersonaFiles) -> _Loaded:
    passport = read_passport(files.passport) if files.passport else None
    if passport is not None and passport.persona_id != files.persona_id:
        raise PersonaFileInvalid(
            f"{files.passport}: persona_id is {passport.persona_id!r}, but the file is "
            f"{files.persona_id}.json"
        )
    memory_file, data = (None, b"")
    if files.memories is not None:
        memory_file, data = read_memory_file(files.memories)
        if memory_file.persona_id != files.persona_id:
            raise PersonaFileInvalid(
                f"{files.memories}: persona_id is {memory_file.persona_id!r}, but the file "
                f"is in memories/{files.persona_id}/"
            )
    return _Loaded(files, passport, memory_file, data)


def _put_passport(
    tx: Transaction, persona_id: str, passport: Passport | None, now: datetime
) -> str | None:
    if passport is None:
        return None
    current = tx.get_persona(persona_id, for_update=True)
    if current is None:
        fields = passport.model_dump(exclude={"persona_id"})
        tx.insert_persona(Persona(id=persona_id, **fields, created_at=now, updated_at=now))
        return "created"
    new = updated(current, passport.as_update(), now)
    if new.model_dump(exclude={"updated_at"}) == current.model_dump(exclude={"updated_at"}):
        return "unchanged"
    tx.update_persona(new)
    return "updated"


def _write(
    tx: Transaction,
    persona_id: str,
    plan: SyncPlan,
    vectors: dict[str, Embedding],
    screen: Callable[[MemoryRecord], ScreenedMemory],
    now: datetime,
    max_chars: int,
) -> list[Redaction]:
    """Write the plan; returns what the firewall redacted. Content hashes are of
    the file's entries, so a redacted memory is not re-synced every time."""
    added, redactions = [], []
    for entry in plan.add:
        fields = stored_fields(entry)
        screened = screen(new_record(MemoryCreate(persona_id=persona_id, **fields), now, max_chars))
        redactions += screened.redactions
        # A text planned only under the lock (a concurrent change) has no vector
        # yet: it is stored without one, for `persona-memory reindex`.
        added.append((screened.record, vectors.get(entry.text)))
    if added:
        tx.insert_memories(added)
    for entry, current in plan.update:
        fields = stored_fields(entry)
        source = fields.pop("source")
        new = changed(current, MemoryUpdate(**fields), now, max_chars)
        screened = screen(new.model_copy(update={"source": source}))
        redactions += screened.redactions
        tx.update_memory(current, screened.record, vectors.get(entry.text))
    for record in plan.remove:
        tx.delete_memory(record)
    return redactions


def _status(item: _Loaded, plan: SyncPlan, digest: str, now: datetime) -> SyncStatus:
    assert item.memory_file is not None
    return SyncStatus(
        persona_id=item.files.persona_id,
        synced_at=now,
        file=str(item.files.memories),
        file_hash=digest,
        counts=plan.counts(),
        file_metadata=item.memory_file.metadata.model_dump(mode="json"),
        order=[entry.id for entry in item.memory_file.memories],
    )
