"""The ``persona-memory`` command: a thin layer over :class:`Memory`."""

from __future__ import annotations

import ipaddress
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from persona_memory.__about__ import __version__
from persona_memory.config import DEMO_DATABASE_SHOWN, Settings, demo_database_path
from persona_memory.interfaces import cli_transfer
from persona_memory.interfaces.cli_options import (
    DatabaseOption,
    setting_default,
    setting_envvar,
    setting_option,
    settings_for,
)

app = typer.Typer(
    name="persona-memory",
    help="Self-hosted memory for LLM agents that play personas.",
    no_args_is_help=True,
    add_completion=False,
)
bench_app = typer.Typer(help="Run benchmarks.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
sessions_app = typer.Typer(help="Working memory: live sessions.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")
app.command("export")(cli_transfer.export)
app.command("import")(cli_transfer.import_)
app.command("migrate-profiles")(cli_transfer.migrate_profiles)
app.command("import-mem0")(cli_transfer.import_mem0)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"persona-memory {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Self-hosted memory for LLM agents that play personas."""


@app.command()
def serve(
    ctx: typer.Context,
    database: DatabaseOption = None,
    host: Annotated[str, setting_option("host", help="Address to bind.")] = setting_default("host"),
    port: Annotated[int, setting_option("port", help="Port to listen on.")] = setting_default(
        "port"
    ),
    demo: Annotated[
        bool,
        typer.Option(
            help="Serve the demo personas, users and memories from the demo's own "
            f"database, `{DEMO_DATABASE_SHOWN}`, never yours; only --database (not "
            "PERSONA_MEMORY_DATABASE_URL) puts them elsewhere. `persona-memory "
            "reset-demo` deletes it."
        ),
    ] = False,
) -> None:
    """Run the REST API (docs at /docs)."""
    import uvicorn

    from persona_memory.demo import load_demo
    from persona_memory.interfaces.http import create_app
    from persona_memory.memory import Memory

    settings = settings_for(database, host=host, port=port)
    demo_database = demo and not _given_on_command_line(ctx, "database")
    if demo_database:
        settings = _demo_settings(settings)
    _check_exposure(settings)
    memory = Memory(settings=settings)
    if demo:
        loaded = load_demo(memory)
        typer.echo("loaded the demo data" if loaded else "the demo data is already there")
    if settings.persona_dir is not None and settings.sync_persona_dir_on_start:
        _sync_at_start(memory, settings.persona_dir)
    memory.embedder.embed(["warm up"])  # load the model now, not on the first request
    _warn_of_stale_vectors(memory)
    whose = " (the demo's own, not yours)" if demo_database else ""
    typer.echo(f"database: {settings.database_url}{whose}")
    uvicorn.run(create_app(memory), host=settings.host, port=settings.port, log_level="info")


def _given_on_command_line(ctx: typer.Context, name: str) -> bool:
    # By name: Typer's vendored click has a ParameterSource of its own.
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _demo_settings(settings: Settings) -> Settings:
    """The demo in its own folder: its database, and its transcripts beside it."""
    path = demo_database_path()
    yours = settings.database_url
    if setting_envvar("database_url") in os.environ:
        yours += " (PERSONA_MEMORY_DATABASE_URL; --demo does not use it, --database would)"
    typer.echo(
        f"demo: serving the demo data from the demo's own database, {path}\n"
        f"demo: your database, {yours}, is not touched; "
        "`persona-memory reset-demo` deletes the demo's"
    )
    return settings.model_copy(update={"database_url": str(path), "transcripts_dir": path.parent})


def _warn_of_stale_vectors(memory: Any) -> None:
    """After a change of embedder, old vectors are invisible to dense search."""
    stale = memory.memories.count_to_reindex()
    if stale:
        typer.echo(
            f"warning: {stale} memories have no vector from {memory.embedder.model_name} "
            "(was the embedder changed?); dense search skips them until you run "
            "`persona-memory reindex`.",
            err=True,
        )


def _sync_at_start(memory: Any, directory: Path) -> None:
    """A broken file must not keep the API down: say so, serve what was synced before."""
    from persona_memory.core.errors import PersonaMemoryError

    try:
        for report in memory.persona_memories.sync(directory):
            typer.echo(_sync_line(report))
    except PersonaMemoryError as error:
        typer.echo(f"persona directory not synced: {error.message}", err=True)


def _sync_line(report: Any) -> str:
    c = report.counts
    passport = f", passport {report.passport}" if report.passport else ""
    return (
        f"{report.persona_id}: {c.added} added, {c.updated} updated, {c.removed} removed, "
        f"{c.unchanged} unchanged{passport}"
    )


@app.command("sync-persona-memories")
def sync_persona_memories(
    directory: Annotated[
        Path, typer.Argument(help="Persona directory: passports/ and memories/{persona}/.")
    ],
    persona: Annotated[
        str | None, typer.Option(help="Only this persona; without it, every one.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Re-sync every memory, changed or not.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Sync persona memory files (and passports) into the store: only what changed."""
    from persona_memory.core.errors import PersonaMemoryError
    from persona_memory.core.persona_file_service import persona_directory
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory:
        try:
            count = len(persona_directory(directory, persona))
            with typer.progressbar(length=count, label="syncing") as bar:
                reports = memory.persona_memories.sync(
                    directory, persona_id=persona, force=force, progress=bar.update
                )
        except PersonaMemoryError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(code=1) from error
    for report in reports:
        typer.echo(_sync_line(report))


@app.command("privacy-scan")
def privacy_scan(
    scope: Annotated[
        str, typer.Option(help="What to scan: 'shared' (persona, global, user-persona).")
    ] = "shared",
    fix: Annotated[bool, typer.Option(help="Redact what is found, in place.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Look for personal data in shared scopes written before the PII firewall
    existed; report it by type (never the values), or redact it with --fix."""
    from persona_memory.memory import Memory

    if scope != "shared":
        typer.echo("error: --scope takes 'shared' (private scopes keep what users gave)", err=True)
        raise typer.Exit(code=2)
    with Memory(settings=settings_for(database)) as memory:
        report = memory.privacy.scan(fix=fix)
    for finding in report.findings:
        kinds = ", ".join(f"{kind} {count}" for kind, count in finding.found.items())
        action = "redacted" if finding.fixed else "found"
        owner = f"{finding.scope}:{finding.owner}" if finding.owner else finding.scope
        typer.echo(f"{finding.target} {finding.target_id} ({owner}): {action} {kinds}")
    verb = "redacted" if fix else "hold PII; run with --fix to redact them"
    typer.echo(f"scanned {report.scanned}; {report.with_pii} {verb}")


@app.command("export-persona-memories")
def export_persona_memories(
    file: Annotated[Path, typer.Argument(help="Where to write persona_memories.json.")],
    persona: Annotated[str, typer.Option(help="The persona whose memories to export.")],
    runtime_only: Annotated[
        bool, typer.Option(help="Only memories added at runtime (API, UI, learning).")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Write a persona's own memories in the persona_memories.json format, to review
    and commit."""
    import json

    from persona_memory.core.errors import PersonaMemoryError
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory:
        try:
            data = memory.persona_memories.export(persona, runtime_only=runtime_only)
        except PersonaMemoryError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(code=1) from error
    file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"wrote {len(data['memories'])} memories to {file}")


def _check_exposure(settings: Settings) -> None:
    """No admin key means no authentication: allow that on loopback only."""
    if settings.admin_key is not None:
        return
    if not is_loopback(settings.host):
        typer.echo(
            f"refusing to serve on {settings.host} without an admin key: anyone could read "
            "and erase every memory. Set PERSONA_MEMORY_ADMIN_KEY, or bind to 127.0.0.1.",
            err=True,
        )
        raise typer.Exit(code=2)
    typer.echo(
        "warning: no admin key (PERSONA_MEMORY_ADMIN_KEY) is set; the API is open to anything "
        "on this machine.",
        err=True,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def init(database: DatabaseOption = None) -> None:
    """Create the database (or bring its schema up to date)."""
    from persona_memory.storage import open_store

    settings = settings_for(database)
    open_store(settings.database_url).close()
    typer.echo(f"ready: {settings.database_url}")


@app.command(
    "reset-demo",
    help=f"Delete the demo's own database, `{DEMO_DATABASE_SHOWN}` (what `serve --demo` "
    "serves without --database), and the demo's transcripts beside it; nothing else.",
)
def reset_demo(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    import shutil

    path = demo_database_path()
    folder = path.parent
    configured = os.environ.get(setting_envvar("database_url"))
    if configured and _is_in(_sqlite_file(configured), folder):
        typer.echo(
            f"refusing: PERSONA_MEMORY_DATABASE_URL ({configured}) is in the demo's folder, "
            f"{folder}, so that is your database, not the demo's",
            err=True,
        )
        raise typer.Exit(code=2)
    files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]
    found = [file for file in [*files, folder / "transcripts"] if file.exists()]
    if not found:
        typer.echo(f"no demo database at {path}: nothing to delete")
        return
    typer.echo("the demo's database (not yours), to delete:")
    for file in found:
        typer.echo(f"  {file}")
    if not yes:
        typer.confirm("Delete them?", abort=True)
    for file in found:
        if file.is_dir() and not file.is_symlink():
            shutil.rmtree(file)
        else:
            file.unlink()
    if not any(folder.iterdir()):
        folder.rmdir()
    typer.echo("deleted; the next `persona-memory serve --demo` loads the demo data afresh")


def _sqlite_file(target: str) -> Path | None:
    from sqlalchemy.engine import make_url

    if "://" not in target:
        return None if target == ":memory:" else Path(target).expanduser()
    url = make_url(target)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _is_in(file: Path | None, folder: Path) -> bool:
    return file is not None and file.resolve().is_relative_to(folder.resolve())


@app.command()
def reindex(
    database: DatabaseOption = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Memories embedded per batch.")] = 256,
) -> None:
    """Re-embed memories whose vectors are missing or from another model."""
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory:
        total = memory.memories.count_to_reindex()
        with typer.progressbar(length=total, label="re-embedding") as bar:
            done = memory.memories.reindex(batch_size=batch_size, progress=bar.update)
    typer.echo(f"re-embedded {done} memories with {memory.embedder.model_name}")


@app.command()
def copy(
    source: Annotated[str, typer.Option("--from", help="Database to copy from (path or URL).")],
    target: Annotated[str, typer.Option("--to", help="Empty database to copy into.")],
) -> None:
    """Copy a whole store into an empty one, e.g. SQLite to PostgreSQL."""
    from persona_memory.core.errors import PersonaMemoryError
    from persona_memory.storage import open_store
    from persona_memory.storage.copy import copy_store, total_rows

    source_store, target_store = open_store(source), open_store(target)
    try:
        with typer.progressbar(length=total_rows(source_store), label="copying") as bar:
            copied = copy_store(source_store, target_store, progress=bar.update)
    except PersonaMemoryError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(code=1) from error
    finally:
        source_store.close()
        target_store.close()
    summary = ", ".join(f"{name} {count}" for name, count in copied.items() if count)
    typer.echo(f"copied {sum(copied.values())} rows ({summary}) to {target_store.url}")


@sessions_app.command("end-idle")
def sessions_end_idle(
    database: DatabaseOption = None,
    idle_minutes: Annotated[
        int,
        setting_option(
            "session_idle_minutes",
            "--idle-minutes",
            min=0,
            help="End sessions idle this long; 0 ends every live one.",
        ),
    ] = setting_default("session_idle_minutes"),
) -> None:
    """End (with flush: episode, transcript, stats) live sessions left idle; for cron."""
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory:
        ended = memory.sessions.end_idle(timedelta(minutes=idle_minutes), limit=10_000)
    typer.echo(f"ended {len(ended)} idle sessions")


@app.command()
def worker(
    database: DatabaseOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run the queued jobs, then exit (for cron).")
    ] = False,
) -> None:
    """Learn from ended sessions: run queued jobs until stopped (Ctrl-C)."""
    import signal
    import threading

    from persona_memory.memory import Memory
    from persona_memory.worker import drain, run

    with Memory(settings=settings_for(database)) as memory:
        if once:
            jobs = drain(memory)
            typer.echo(f"ran {len(jobs)} jobs")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            run(memory, stop)
        except KeyboardInterrupt:
            stop.set()


@app.command()
def prompt(
    persona: Annotated[str, typer.Option(help="The persona's id.")],
    user: Annotated[str, typer.Option(help="The user's id.")],
    database: DatabaseOption = None,
    query: Annotated[
        str | None, typer.Option(help="What the user is asking: picks the relevant facts.")
    ] = None,
    budget: Annotated[int, typer.Option(min=1, help="Token budget.")] = 2000,
    manifest: Annotated[
        bool, typer.Option("--json", help="Print the prompt with its manifest, as JSON.")
    ] = False,
) -> None:
    """Print the system prompt a persona gets for a user, within a token budget."""
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database)) as memory:
        built = memory.build_prompt(persona, user, query=query, token_budget=budget)
    if manifest:
        typer.echo(built.model_dump_json(indent=2))
        return
    typer.echo(built.prompt)
    typer.echo(
        f"\n[{built.total_tokens}/{budget} tokens ({built.tokenizer}); "
        f"{len(built.dropped)} items dropped]",
        err=True,
    )


@app.command("purge-transcripts")
def purge_transcripts(
    database: DatabaseOption = None,
    days: Annotated[
        int,
        setting_option(
            "transcript_retention_days",
            "--days",
            min=0,
            help="Delete transcripts of sessions that ended more than this many days ago; "
            "0 keeps them forever.",
        ),
    ] = setting_default("transcript_retention_days"),
) -> None:
    """Delete transcripts older than the retention period."""
    from persona_memory.core.base import utcnow
    from persona_memory.memory import Memory

    with Memory(settings=settings_for(database, transcript_retention_days=days)) as memory:
        keep = memory.settings.transcript_retention_days
        if keep == 0:
            typer.echo("retention is 0 (keep forever): nothing purged")
            return
        removed = memory.transcripts.purge(utcnow() - timedelta(days=keep))
    typer.echo(f"purged {removed} transcripts older than {keep} days")


# Where the team keeps the dev split: beside a checkout of this repository.
LOCOMO_DEV = Path("../shared/bench/locomo_dev.json")


@bench_app.command("retrieval")
def bench_retrieval(
    data: Annotated[
        Path, typer.Option(help="LoCoMo JSON file (see docs/retrieval.md, Benchmark).")
    ] = LOCOMO_DEV,
    out: Annotated[Path, typer.Option(help="Folder for the results.")] = Path("bench/results"),
    conversations: Annotated[
        int | None, typer.Option(min=1, help="Use only the first N conversations.")
    ] = None,
    questions: Annotated[
        int | None,
        typer.Option(min=1, help="Ask only the first N questions of each (a quick run)."),
    ] = None,
    embedder: Annotated[str, setting_option("embedder", help="Embedder name.")] = setting_default(
        "embedder"
    ),
    reranker: Annotated[
        str | None,
        setting_option(
            "reranker", help="Also measure the defaults with this reranker ('cross-encoder')."
        ),
    ] = None,
    reranker_model: Annotated[
        str,
        setting_option("reranker_model", help="The reranker's model: a folder or a hub name."),
    ] = setting_default("reranker_model"),
) -> None:
    """LoCoMo evidence recall and latency: hybrid vs BM25-only vs dense-only."""
    from persona_memory.bench.retrieval import run_and_write

    if not data.is_file():
        typer.echo(
            f"error: no LoCoMo data at {data}. The benchmark reads LoCoMo's conversations "
            "and questions (https://github.com/snap-research/locomo, data/locomo10.json; "
            f"our dev split is its first five, kept at {LOCOMO_DEV} beside a checkout): "
            "download it and pass --data PATH.",
            err=True,
        )
        raise typer.Exit(2)

    settings = settings_for(
        None, embedder=embedder, reranker=reranker, reranker_model=reranker_model
    )
    report = run_and_write(
        data, out, settings=settings, conversations=conversations, questions=questions
    )
    typer.echo(report)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app()
