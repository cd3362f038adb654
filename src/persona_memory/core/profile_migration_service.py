"""Migrating flat profile folders (core/profile_migration.py) into relationships.

Each file is one transaction: the persona (created if missing), the user, the
relationship, the facts as memories and the rest as profile data go in
together or not at all, so a migration killed midway leaves every user fully
imported or untouched, and a rerun finishes the job. Memory ids come from the
file's content: what is already there is skipped, never doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field

from persona_memory.core.base import Model, utcnow
from persona_memory.core.errors import PersonaMemoryError
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.personas import Persona
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.profile_migration import (
    PROFILE_CATEGORY,
    Migrated,
    content_hash,
    migrated,
    parse_profile,
)
from persona_memory.core.profile_service import Schema, change_profile
from persona_memory.core.profiles import Categories, apply
from persona_memory.core.relationship_service import open_relationship
from persona_memory.core.users import User

Status = Literal["imported", "unchanged", "would import", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class ProfileFile:
    """A file as the folder reader found it."""

    name: str  # as reports show it, e.g. "dagoth_ur/user_42.json"
    persona_id: str
    text: str
    modified_at: datetime


class FileOutcome(Model):
    file: str
    persona_id: str
    user_id: str | None = None
    status: Status
    facts_added: int = 0
    reason: str | None = Field(default=None, description="why a file was skipped or failed")


class MigrationReport(Model):
    dry_run: bool
    outcomes: list[FileOutcome]
    personas_created: list[str]
    verified: int = Field(default=0, description="users whose stored content hash matches")
    mismatches: list[str] = Field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def facts_added(self) -> int:
        return sum(o.facts_added for o in self.outcomes)


Progress = Callable[[FileOutcome], None]


class ProfileMigrationService:
    """Flat ``user_*.json`` profile folders from older bots, moved into
    relationships; reached as ``memory.profile_migrations``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def migrate(
        self,
        files: Iterable[ProfileFile],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> MigrationReport:
        """Import each file into its persona's relationship with its user, one
        transaction per file, then check that what is stored matches the files.
        ``dry_run`` writes nothing and reports what would change."""
        outcomes: list[FileOutcome] = []
        created: list[str] = []
        done: list[Migrated] = []
        for file in files:
            outcome, result = self._one(file, dry_run, created)
            outcomes.append(outcome)
            if result is not None and outcome.status in ("imported", "unchanged"):
                done.append(result)
            if progress is not None:
                progress(outcome)
        report = MigrationReport(dry_run=dry_run, outcomes=outcomes, personas_created=created)
        return report if dry_run else self._verified(report, done)

    def _one(
        self, file: ProfileFile, dry_run: bool, created: list[str]
    ) -> tuple[FileOutcome, Migrated | None]:
        outcome = FileOutcome(file=file.name, persona_id=file.persona_id, status="skipped")
        try:
            profile = parse_profile(file.text)
            result = migrated(profile, file.persona_id, file.name, file.modified_at)
            outcome.user_id = result.user_id
            if dry_run:
                added, changed = self._would_add(result), self._profile_changes(result)
            else:
                added, changed = self._write(result, created)
        except PersonaMemoryError as error:
            # A file that does not parse is skipped; one that parses but cannot be
            # written (its persona's schema refuses the data, say) failed.
            outcome.reason = error.message
            outcome.status = "skipped" if outcome.user_id is None else "failed"
            return outcome, None
        outcome.facts_added = added
        if not (added or changed):
            outcome.status = "unchanged"
        else:
            outcome.status = "would import" if dry_run else "imported"
        return outcome, result

    def _write(self, result: Migrated, created: list[str]) -> tuple[int, bool]:
        """One transaction: everything of this file, or nothing of it. Returns the
        facts added and whether the profile changed."""
        with self._store.transaction() as tx:
            now = utcnow()
            if tx.insert_persona(_new_persona(result.persona_id, now)):
                created.append(result.persona_id)
            tx.insert_user(User(id=result.user_id, name=result.username, created_at=now))
            open_relationship(tx, result.persona_id, result.user_id, now)
            fresh = _fresh(tx, result)
            tx.insert_memories([(memory, None) for memory in fresh])
            before = tx.get_profile(result.persona_id, result.user_id)

            def merge(schema: Schema, current: Categories) -> Categories:
                return apply(schema, current, PROFILE_CATEGORY, result.profile_data, "merge")

            after = change_profile(tx, result.persona_id, result.user_id, merge, "MIGRATE")
        return len(fresh), before is None or before.version != after.version

    def _would_add(self, result: Migrated) -> int:
        with self._store.read() as tx:
            return len(_fresh(tx, result))

    def _profile_changes(self, result: Migrated) -> bool:
        with self._store.read() as tx:
            stored = tx.get_profile(result.persona_id, result.user_id)
        current = (stored.categories if stored else {}).get(PROFILE_CATEGORY, {})
        return any(current.get(k) != v for k, v in result.profile_data.items())

    def _verified(self, report: MigrationReport, done: list[Migrated]) -> MigrationReport:
        """The seed's check (parse, then content match), against the store: each
        user's facts and profile data hash as their file does."""
        mismatches = []
        with self._store.read() as tx:
            for result in done:
                stored = {m.id: m.text for m in tx.get_memories([m.id for m in result.memories])}
                texts = [stored.get(m.id, "") for m in result.memories]
                profile = tx.get_profile(result.persona_id, result.user_id)
                kept = (profile.categories if profile else {}).get(PROFILE_CATEGORY, {})
                data = {k: kept.get(k) for k in result.profile_data}
                if content_hash(texts, data) != result.content_hash:
                    mismatches.append(f"{result.source}: stored content differs from the file")
        return report.model_copy(
            update={"verified": len(done) - len(mismatches), "mismatches": mismatches}
        )


def _fresh(tx: Transaction, result: Migrated) -> list[MemoryRecord]:
    there = {m.id for m in tx.get_memories([m.id for m in result.memories])}
    return [m for m in result.memories if m.id not in there]


def _new_persona(persona_id: str, now: datetime) -> Persona:
    name = persona_id.replace("_", " ").title()
    return Persona(id=persona_id, name=name, created_at=now, updated_at=now)
