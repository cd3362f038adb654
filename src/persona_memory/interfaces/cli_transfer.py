"""Commands that bring memory in and out: export, import (docs/transfer.md), and
migrate-profiles (docs/migration.md)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from persona_memory.core.errors import PersonaMemoryError
from persona_memory.core.profile_migration import DEFAULT_PERSONA
from persona_memory.core.profile_migration_service import (
    FileOutcome,
    MigrationReport,
    ProfileFile,
)
from persona_memory.interfaces.cli_options import DatabaseOption, settings_for
from persona_memory.storage.backup import (
    PREFIX,
    integrity_ok,
    latest_backup,
    restore_backup,
    sqlite_path,
    take_backup,
)
from persona_memory.storage.legacy_profiles import profile_files

if TYPE_CHECKING:
    from persona_memory.core.ports import Store
    from persona_memory.memory import Memory

FileArgument = Annotated[
    str, typer.Argument(help="A JSON Lines file, or - for standard output / input.")
]


def export(
    file: FileArgument,
    database: DatabaseOption = None,
    persona: Annotated[str | None, typer.Option(help="Only this persona's data.")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's data.")] = None,
) -> None:
    """Write everything (or one persona's, or one user's data) as JSON Lines."""
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory, _opened(file, "w") as out:
        lines = 0
        for line in memory.transfer.export(persona_id=persona, user_id=user):
            out.write(line + "\n")
            lines += 1
    typer.echo(f"exported {lines - 2} rows to {file}", err=True)


def import_(
    file: FileArgument,
    database: DatabaseOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count; write nothing.")
    ] = False,
) -> None:
    """Import an export: all of it or, on any error, nothing; twice changes nothing."""
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory, _opened(file, "r") as source:
        try:
            report = memory.transfer.import_lines(source, dry_run=dry_run)
        except PersonaMemoryError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(code=1) from error
    verb = "would import" if report.dry_run else "imported"
    typer.echo(f"{verb} {_counted(report.added)}")
    typer.echo(f"already there, unchanged: {_counted(report.unchanged)}")
    if report.redacted:
        typer.echo(f"anonymised by the PII firewall: {report.redacted} shared rows")
    if report.embedded:
        typer.echo(f"embedded {report.embedded} memories")


def _counted(counts: dict[str, int]) -> str:
    if not counts:
        return "nothing"
    listed = ", ".join(f"{kind} {n}" for kind, n in counts.items() if n)
    return f"{sum(counts.values())} rows ({listed})"


@contextmanager
def _opened(file: str, mode: str) -> Iterator[IO[str]]:
    if file == "-":
        yield sys.stdout if mode == "w" else sys.stdin
        return
    with Path(file).open(mode, encoding="utf-8") as opened:
        yield opened


def import_mem0(
    file: Annotated[Path, typer.Argument(help="mem0's get_all() or export output (JSON).")],
    database: DatabaseOption = None,
    persona: Annotated[
        str, typer.Option(help="Persona for memories that have a user but no agent.")
    ] = DEFAULT_PERSONA,
) -> None:
    """Import memories from mem0: agent -> persona, user -> user, run -> session;
    mem0's ids kept in each memory's metadata; all of the file or nothing."""
    from persona_memory.core.mem0_import import read_mem0
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory:
        try:
            items = read_mem0(file.read_text(encoding="utf-8"))
            report = memory.mem0.import_memories(items, persona_id=persona)
        except PersonaMemoryError as error:
            typer.secho(f"error: {error.message}", fg="red", err=True)
            raise typer.Exit(code=1) from error
    scopes = ", ".join(f"{scope} {n}" for scope, n in sorted(report.added.items())) or "none"
    typer.echo(f"read {report.memories} mem0 memories")
    typer.echo(
        f"  added: {sum(report.added.values())} ({scopes}); already there: {report.unchanged}"
    )
    created = ", ".join(report.personas_created) or "none"
    typer.echo(f"  agents -> personas created: {created}")
    typer.echo(f"  users: {report.users}; relationships: {report.relationships}")
    typer.echo(f"  runs -> sessions created: {report.sessions_created}")
    if report.redacted:
        typer.echo(f"  anonymised by the PII firewall: {report.redacted} shared memories")


def migrate_profiles(
    folder: Annotated[Path, typer.Argument(help="The flat profile folder (user_*.json).")],
    database: DatabaseOption = None,
    persona: Annotated[
        str, typer.Option(help="Persona for the folder's top-level files.")
    ] = DEFAULT_PERSONA,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would happen; write nothing.")
    ] = False,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Restore the most recent backup, and stop.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="A line per file.")] = False,
    backup_dir: Annotated[
        Path | None,
        typer.Option(help="Where backups go; without it, beside a SQLite file, else here."),
    ] = None,
) -> None:
    """Move a flat folder of user_*.json profiles into per-persona relationships:
    backup first, one transaction per user, verified after; never touches FOLDER."""
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory:
        backups = backup_dir or _default_backup_folder(memory.store)
        if rollback:
            _rollback(memory, backups)
            return
        try:
            files = profile_files(folder, persona)
        except FileNotFoundError as error:
            typer.secho(f"error: {error}", fg="red", err=True)
            raise typer.Exit(code=1) from error
        if not dry_run:
            export = memory.transfer.export
            taken = take_backup(memory.store, backups, datetime.now(), export)
            typer.secho(f"backup: {taken}", fg="cyan")
        report = _migrate(memory, files, dry_run=dry_run, verbose=verbose)
        if not dry_run and report.facts_added:
            memory.memories.reindex()
    _summary(report)
    if report.mismatches or report.count("failed"):
        raise typer.Exit(code=1)


def _default_backup_folder(store: Store) -> Path:
    path = sqlite_path(store)
    return path.parent if path is not None else Path.cwd()


def _migrate(
    memory: Memory, files: list[ProfileFile], *, dry_run: bool, verbose: bool
) -> MigrationReport:
    colours = {"imported": "green", "would import": "green", "unchanged": "white"}

    def show(outcome: FileOutcome) -> None:
        if verbose or outcome.status in ("skipped", "failed"):
            colour = colours.get(outcome.status, "red")
            reason = f": {outcome.reason}" if outcome.reason else ""
            facts = f" ({outcome.facts_added} facts)" if outcome.facts_added else ""
            typer.secho(f"  {outcome.status:<12} {outcome.file}{facts}{reason}", fg=colour)

    with typer.progressbar(length=len(files), label="migrating", file=sys.stderr) as bar:

        def step(outcome: FileOutcome) -> None:
            show(outcome)
            bar.update(1)

        return memory.profile_migrations.migrate(files, dry_run=dry_run, progress=step)


def _summary(report: MigrationReport) -> None:
    title = "dry run: nothing written" if report.dry_run else "migration done"
    typer.secho(title, bold=True)
    for status in ("would import", "imported", "unchanged", "skipped", "failed"):
        if report.count(status):
            typer.echo(f"  {status}: {report.count(status)} files")
    typer.echo(f"  facts {'to add' if report.dry_run else 'added'}: {report.facts_added}")
    if report.personas_created:
        typer.echo(f"  personas created: {', '.join(report.personas_created)}")
    if not report.dry_run:
        colour = "red" if report.mismatches else "green"
        typer.secho(
            f"  verified: {report.verified} users, {len(report.mismatches)} mismatches", fg=colour
        )
        for mismatch in report.mismatches:
            typer.secho(f"    {mismatch}", fg="red")


def _rollback(memory: Memory, backups: Path) -> None:
    found = latest_backup(backups)
    if found is None:
        typer.secho(f"error: no {PREFIX}* folder in {backups}", fg="red", err=True)
        raise typer.Exit(code=1)
    restore_backup(memory.store, found, memory.transfer.import_lines)
    ok = integrity_ok(memory.store)
    typer.secho(
        f"restored {found}; integrity check {'ok' if ok else 'FAILED'}", fg="green" if ok else "red"
    )
    if not ok:
        raise typer.Exit(code=1)
