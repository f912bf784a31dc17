"""Rehearse the whole migration on a throwaway clone, never writing to the source.

The clone runs: up to the default target (each phase verified), a strict
verify, down to phase 1, a comparison with the source's legacy fingerprint,
up again and a final verify. Then it is dropped.
"""
from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from phased import dialects
from phased.declare.errors import MigrateError
from phased.declare.phase import Project
from phased.dialects import engines
from phased.state import fingerprint


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
    columns = fingerprint.legacy_columns(project)
    with engines.connection(url) as conn:
        present = fingerprint.live_columns(conn, list(columns))
        return fingerprint.take(conn, {t: columns[t] for t in present})


def _clone(project: Project, url: sa.URL):
    def copy_in_use(clone_url: sa.URL) -> None:
        """The source's own backup and restore, into the empty clone: a consistent copy while the app writes."""
        from phased.safety.backup import create_backup, restore_backup

        with tempfile.TemporaryDirectory(prefix=f"{project.name}-rehearsal-") as tmp:
            path, _ = create_backup(project, url, Path(tmp) / "backup")
            restore_backup(project, clone_url, path, force=True)  # into the clone, on purpose

    return dialects.of(url).clone(url, f"{project.name}-rehearsal-", copy_in_use)


def _require_clone_privilege(url: sa.URL) -> None:
    with engines.connection(url) as conn:
        dialects.of(url).check_clone_privilege(conn)


class _LockWatch:
    """Samples the clone's sessions for lock waits while the rehearsal runs, where the database shows them."""

    def __init__(self, url: sa.URL) -> None:
        self.url, self._stop = url, threading.Event()
        self.longest: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        engine = engines.create_engine(self.url)
        try:
            with engine.connect() as conn:
                while True:  # one sample at least, however short the rehearsal
                    waited = dialects.of(conn).longest_lock_wait(conn)
                    if waited is None:
                        return
                    self.longest = max(self.longest or 0.0, waited)
                    if self._stop.wait(0.05):
                        return
        finally:
            engine.dispose()

    def __enter__(self) -> "_LockWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def rehearse(project: Project, url: sa.URL, on_step: Callable[[RehearsalStep], None] | None = None) -> Rehearsal:
    from phased.lifecycle.commands import Migrator

    _require_clone_privilege(url)
    original = _legacy_fingerprint(project, url)
    with _clone(project, url) as clone_url:
        result = Rehearsal(engines.redact(clone_url))
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

        with _LockWatch(clone_url) as watch:
            for label, run in (("up", up), ("verify", verify), ("down to phase 1", down),
                               ("compare with the source", compare), ("up again", up), ("verify again", verify)):
                if not step(label, run):
                    break
        result.longest_lock_wait = watch.longest
        return result
