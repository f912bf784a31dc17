"""Rehearse the whole migration on a throwaway clone, never writing to the source.

The clone runs: up to the default target (each phase verified), a strict
verify, down to phase 1, a comparison with the source's legacy fingerprint,
up again and a final verify. Then it is dropped.
"""
from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from . import dialect, fingerprint
from .backfill import q
from .errors import MigrateError
from .phase import Project


@dataclass
class RehearsalStep:
    label: str
    seconds: float
    rows_moved: int = 0
    ok: bool = True
    detail: str = ""


@dataclass
class Rehearsal:
    clone: str
    steps: list[RehearsalStep] = field(default_factory=list)
    longest_lock_wait: float | None = None  # seconds; None where it cannot be observed (SQLite)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None and all(s.ok for s in self.steps)


def _legacy_fingerprint(project: Project, url: sa.URL) -> fingerprint.Fingerprint:
    columns = fingerprint.columns_at_phase(project, 1)
    with dialect.connection(url) as conn:
        present = fingerprint.live_columns(conn, list(columns))
        return fingerprint.take(conn, {t: columns[t] for t in present})


@contextmanager
def _clone(project: Project, url: sa.URL) -> Iterator[sa.URL]:
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{project.name}-rehearsal-") as tmp:
            target = Path(tmp) / "clone.db"
            # The online backup API: a consistent copy even while the app writes.
            source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
            try:
                with sqlite3.connect(target) as dest:
                    source.backup(dest)
            finally:
                source.close()
            yield url.set(database=str(target))
        return
    name = f"{url.database}_rehearsal_{uuid.uuid4().hex[:8]}"
    admin = dialect.create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            try:
                conn.exec_driver_sql(f"CREATE DATABASE {q(name)} TEMPLATE {q(url.database)}")
            except DBAPIError as exc:
                if "being accessed by other users" not in str(exc.orig):
                    raise MigrateError(f"cannot clone {url.database}: {str(exc.orig).splitlines()[0]}") from None
                _clone_from_backup(project, url, conn, name)
        try:
            yield url.set(database=name)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {q(name)} WITH (FORCE)")
    finally:
        admin.dispose()


def _require_clone_privilege(url: sa.URL) -> None:
    if url.get_backend_name() != "postgresql":
        return
    with dialect.connection(url) as conn:
        can = conn.exec_driver_sql("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
        user = conn.exec_driver_sql("SELECT current_user").scalar()
    if not can:
        raise MigrateError(f"rehearse needs a scratch database: role {user!r} lacks the CREATEDB privilege "
                           f"(grant it with ALTER ROLE {q(user)} CREATEDB, or rehearse as another role)")


def _clone_from_backup(project: Project, url: sa.URL, conn: sa.Connection, name: str) -> None:
    """The source is in use (CREATE DATABASE … TEMPLATE needs it idle): back it up, restore into the clone."""
    from .backup import create_backup, restore_backup

    conn.exec_driver_sql(f"CREATE DATABASE {q(name)}")
    with tempfile.TemporaryDirectory(prefix=f"{project.name}-rehearsal-") as tmp:
        path, _ = create_backup(project, url, Path(tmp) / "backup")
        restore_backup(project, url.set(database=name), path, force=True)  # into the clone, on purpose


class _LockWatch:
    """Samples the clone's sessions for lock waits while the rehearsal runs (PostgreSQL)."""

    def __init__(self, url: sa.URL) -> None:
        self.url, self.longest, self._stop = url, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        engine = dialect.create_engine(self.url)
        try:
            with engine.connect() as conn:
                while not self._stop.wait(0.05):
                    waited = conn.exec_driver_sql(
                        "SELECT coalesce(max(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'").scalar()
                    conn.rollback()
                    self.longest = max(self.longest, float(waited))
        finally:
            engine.dispose()

    def __enter__(self) -> "_LockWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def rehearse(project: Project, url: sa.URL, on_step: Callable[[RehearsalStep], None] | None = None) -> Rehearsal:
    from .runner import Migrator  # the runner drives the clone exactly as it would production

    _require_clone_privilege(url)
    original = _legacy_fingerprint(project, url)
    with _clone(project, url) as clone_url:
        result = Rehearsal(dialect.redact(clone_url))
        migrator = Migrator(project, clone_url)

        def step(label: str, run: Callable[[], tuple[int, bool, str]]) -> bool:
            started = time.perf_counter()
            try:
                rows, ok, detail = run()
            except MigrateError as exc:
                rows, ok, detail = 0, False, str(exc)
            result.steps.append(RehearsalStep(label, time.perf_counter() - started, rows, ok, detail))
            if on_step:
                on_step(result.steps[-1])
            if not ok:
                result.failure = f"{label}: {detail}"
            return ok

        def up() -> tuple[int, bool, str]:
            results = migrator.up()
            return sum(r.rows_moved for r in results), True, f"{len(results)} phase(s), each verified"

        def verify() -> tuple[int, bool, str]:
            v = migrator.verify(strict=True)
            failed = [f"{c.name}: {c.detail}" for c in v.checks if not c.ok]
            return 0, v.ok, "; ".join(failed) or f"{len(v.checks)} checks passed"

        def down() -> tuple[int, bool, str]:
            results = migrator.down(to=1)
            return 0, True, f"{len(results)} phase(s) reversed"

        def compare() -> tuple[int, bool, str]:
            diff = fingerprint.differences(original, _legacy_fingerprint(project, clone_url))
            return 0, not diff, "; ".join(diff) or "the legacy data equals the source's, row for row"

        watch = _LockWatch(clone_url) if clone_url.get_backend_name() == "postgresql" else None
        if watch:
            watch.__enter__()
        try:
            for label, run in (("up", up), ("verify", verify), ("down to phase 1", down),
                               ("compare with the source", compare), ("up again", up), ("verify again", verify)):
                if not step(label, run):
                    break
        finally:
            if watch:
                watch.__exit__(None, None, None)
                result.longest_lock_wait = watch.longest
        return result
