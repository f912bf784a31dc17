"""The online harness: the legacy app (and the new one) keep writing while
`gaingrid migrate up` runs, and the harness says what they went through.

    report = run(url, before=30, after=30)

The loads run `before` seconds, then during `gaingrid migrate up` (the real
command, in a child process), then `after` seconds. The report has the app's
operations by outcome, latency per window, the longest lock wait any app
statement was seen in (PostgreSQL), the migration's retries and wall time,
and, from the harness's own SQL over the mapping (not the engine's), the
rows lost, divergent or brought back.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from phased.dialects import engines

from .loads import APPLICATION_NAME, RACE, RETIRED, NewApp, Op, PrismaLegacyApp, SqliteLegacyApp

WINDOWS = ("before", "during", "after")
DURING_LIMIT = 3.0  # the app's p99 during the migration, at most this many times its p99 before
AFTER_LIMIT = 1.5


@dataclass
class Window:
    ops: int
    p50: float
    p99: float
    max: float

    @staticmethod
    def of(ms: list[float]) -> "Window":
        if not ms:
            return Window(0, 0.0, 0.0, 0.0)
        ms = sorted(ms)
        return Window(len(ms), statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))], ms[-1])


@dataclass
class Report:
    database: str
    legacy: dict[str, Window]
    new: dict[str, Window]
    outcomes: Counter  # (app, outcome) -> count; outcome "ok", a race, or an error kind
    failures: Counter  # (window, app, op, error) -> count, for the failed operations
    shapes: dict[str, dict[str, Window]]  # legacy op -> window -> latency
    errors: dict[str, str]  # an example message per error kind
    lost: int
    divergent: int
    resurrected: int
    longest_lock_wait: float | None  # seconds; None where it cannot be observed (SQLite)
    migrate_seconds: float
    migrate_exit: int
    migrate_output: str
    retries: dict[str, int]
    steps: list[tuple[str, int, float]] = field(default_factory=list)  # (command, exit code, seconds)
    window: tuple[float, float] = (0.0, 0.0)  # time.time() when the first command started and the last ended
    targets: dict[str, bool] = field(default_factory=dict)

    @property
    def failed_writes(self) -> int:
        return sum(n for (app, outcome), n in self.outcomes.items()
                   if outcome not in ("ok", RACE, RETIRED, NewApp.UNAVAILABLE))

    @property
    def passed(self) -> bool:
        return all(self.targets.values())


def _windows(ops: list[Op], marks: tuple[float, float]) -> dict[str, Window]:
    start, end = marks
    split = {w: [] for w in WINDOWS}
    for o in ops:
        split["before" if o.t < start else "during" if o.t < end else "after"].append(o.ms)
    return {w: Window.of(ms) for w, ms in split.items()}


class LockWaitSampler:
    """Polls pg_stat_activity for the legacy app's sessions waiting on a lock; keeps the longest wait seen."""

    def __init__(self, url: sa.URL, every: float = 0.02) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.every, self.longest = every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()
        return self.longest

    def _run(self) -> None:
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.wait(self.every):
                waited = conn.exec_driver_sql(
                    "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - query_start)), 0)::float8 "
                    "FROM pg_stat_activity WHERE application_name = %(app)s AND wait_event_type = 'Lock'",
                    {"app": APPLICATION_NAME}).scalar_one()
                self.longest = max(self.longest, waited)


# The mapping, written out again by hand: the harness must not trust the engine's own SQL.
_MAPPED = ("(l.\"userId\", l.\"exerciseId\", l.date, l.sets, l.reps, l.weight, l.\"durationMinutes\", l.notes, "
           "l.\"createdAt\", l.\"updatedAt\")", "(w.\"userId\", s.\"exerciseId\", w.date, s.sets, s.reps, s.weight, "
           "s.time, s.notes, s.\"createdAt\", s.\"updatedAt\")")


def audit(url: sa.URL) -> tuple[int, int, int]:
    """(lost, divergent, resurrected) WorkoutLog rows against WorkoutExercise, after the run. With the
    two-way sync every log has its entry, the new app's included: a log without one was lost by the
    legacy side or brought back after a delete."""
    distinct = "IS DISTINCT FROM" if url.get_backend_name() == "postgresql" else "IS NOT"
    engine = engines.create_engine(url)
    try:
        with engine.connect() as conn:
            lost = conn.exec_driver_sql(
                'SELECT count(*) FROM "WorkoutExercise" s JOIN "Workout" w ON w.id = s."workoutId" '
                'WHERE NOT EXISTS (SELECT 1 FROM "WorkoutLog" l WHERE l.id = s.id)').scalar_one()
            divergent = conn.exec_driver_sql(
                'SELECT count(*) FROM "WorkoutExercise" s JOIN "Workout" w ON w.id = s."workoutId" '
                f'JOIN "WorkoutLog" l ON l.id = s.id WHERE {_MAPPED[0]} {distinct} {_MAPPED[1]}').scalar_one()
            orphans = [r[0] for r in conn.exec_driver_sql(
                'SELECT l.id FROM "WorkoutLog" l WHERE NOT EXISTS (SELECT 1 FROM "WorkoutExercise" s WHERE s.id = l.id)')]
    finally:
        engine.dispose()
    return lost, divergent, len(orphans)


def _exercises(url: sa.URL) -> list[str]:
    engine = engines.create_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql('SELECT id FROM "Exercise" ORDER BY id LIMIT 100')]
    finally:
        engine.dispose()


def _retries(url: sa.URL) -> dict[str, int]:
    from gaingrid.phases import GAINGRID
    from phased.lifecycle.commands import Migrator

    entries = Migrator(GAINGRID, url).history(limit=50)
    last_run = entries[-1].run if entries else None
    total: Counter = Counter()
    for e in entries:
        if e.run == last_run and e.details:
            total.update(e.details.get("retries", {}))
    return dict(total)


def run(url: str, *, before: float = 30, after: float = 30, workers: int = 8, new_app_workers: int = 2,
        migrate_args: tuple[str, ...] = (), seed: int = 1, backup_dir: str | None = None,
        warm_up: float = 3.0, commands: list[tuple[str, ...]] | None = None, shared: bool = False) -> Report:
    """Run the loads around `gaingrid migrate up` on a database at phase 1 with data (or around
    `commands`, each `gaingrid migrate ARGS`, one after the other: a round trip). `shared`: the new
    app's users are ones the legacy app writes for too.

    The first `warm_up` seconds (connections opening, Prisma compiling its
    queries) are not counted in the `before` window.
    """
    parsed = engines.parse_url(url)
    pg = parsed.get_backend_name() == "postgresql"
    legacy = PrismaLegacyApp(url, workers=workers, seed=seed) if pg else SqliteLegacyApp(parsed.database, workers=workers,
                                                                                           seed=seed)
    new = NewApp(url, _exercises(parsed), workers=new_app_workers, seed=seed + 1, shared=shared)
    sampler = LockWaitSampler(parsed) if pg else None
    legacy.start()
    new.start()
    time.sleep(warm_up)
    counted_from = time.time()
    if sampler:
        sampler.start()
    time.sleep(before)
    gaingrid = str(Path(sys.executable).with_name("gaingrid"))
    env = {**os.environ, "GAINGRID_DATABASE_URL": url, "COLUMNS": "200"}
    if backup_dir:
        env["GAINGRID_BACKUP_DIR"] = backup_dir
    started = time.time()
    steps: list[tuple[str, int, float]] = []
    output = ""
    for command in commands or [("up", *migrate_args)]:
        began = time.time()
        done = subprocess.run([gaingrid, "migrate", *command], env=env, capture_output=True, text=True)
        steps.append((" ".join(command), done.returncode, time.time() - began))
        output += done.stdout + done.stderr
        if done.returncode:
            break
    finished = time.time()
    time.sleep(after)
    legacy_ops = [o for o in legacy.stop() if o.t >= counted_from]
    new_ops = [o for o in new.stop() if o.t >= counted_from]
    longest = sampler.stop() if sampler else None
    # A failed command can leave the database below phase 5, with nothing to audit; it fails its own target.
    lost, divergent, resurrected = audit(parsed) if done.returncode == 0 else (0, 0, 0)
    outcomes: Counter = Counter()
    failures: Counter = Counter()
    errors: dict[str, str] = {}
    for o in legacy_ops + new_ops:
        outcomes[(o.app, o.err or "ok")] += 1
        if o.err and o.msg:
            errors.setdefault(o.err, o.msg)
        if o.err and o.err not in (RACE, RETIRED, NewApp.UNAVAILABLE):
            window = "before" if o.t < started else "during" if o.t < finished else "after"
            failures[(window, o.app, o.op, o.err)] += 1
    shapes = {op: _windows([o for o in legacy_ops if o.op == op], (started, finished))
              for op in sorted({o.op for o in legacy_ops})}
    report = Report(
        database=parsed.get_backend_name(),
        legacy=_windows(legacy_ops, (started, finished)), new=_windows(new_ops, (started, finished)),
        outcomes=outcomes, failures=failures, shapes=shapes, errors=errors, lost=lost, divergent=divergent, resurrected=resurrected,
        longest_lock_wait=longest, migrate_seconds=finished - started, migrate_exit=done.returncode,
        migrate_output=output[-4000:], steps=steps, window=(started, finished), retries=_retries(parsed) if done.returncode == 0 else {})
    base = report.legacy["before"].p99 or 1e-9
    report.targets = {
        "0 app writes failed because of the migration": report.failed_writes == 0,
        "0 lost or divergent rows": lost + divergent + resurrected == 0,
        "every `migrate` command completes on its first invocation": done.returncode == 0,
        f"app p99 during ≤ {DURING_LIMIT:g} × before": report.legacy["during"].p99 <= DURING_LIMIT * base,
        f"app p99 after ≤ {AFTER_LIMIT:g} × before": report.legacy["after"].p99 <= AFTER_LIMIT * base,
    }
    return report


def to_json(report: Report) -> str:
    out = {k: v for k, v in report.__dict__.items() if k not in ("outcomes", "failures", "shapes", "legacy", "new")}
    out["outcomes"] = {f"{app}: {outcome}": n for (app, outcome), n in report.outcomes.items()}
    out["failures"] = {" / ".join(k): n for k, n in report.failures.items()}
    out["shapes"] = {op: {w: v.__dict__ for w, v in ws.items()} for op, ws in report.shapes.items()}
    out["legacy"] = {w: v.__dict__ for w, v in report.legacy.items()}
    out["new"] = {w: v.__dict__ for w, v in report.new.items()}
    return json.dumps(out, indent=2)
