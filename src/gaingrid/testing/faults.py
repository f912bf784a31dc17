"""Faults injected into the real `gaingrid migrate` command while the app keeps writing.

A trial: a fresh copy of a database, the loads started, the command started
(`up` from phase 1, or `down --to 4` from phase 6), a fault at a point of its
run, then one plain rerun of the same command, and the end state checked:
the target phase, no drift, nothing in flight, `verify` passing, no INVALID
index and no NOT VALID constraint, and no WorkoutLog row lost, divergent or
brought back (the harness's own SQL, online.audit).

Faults: `sigkill` (the migrator process), `terminate` (pg_terminate_backend
of every migrator session), `crash` (`pg_ctl stop -m immediate`, then a
restart). Points are named: on PostgreSQL a point is reached when a migrator
session is seen running a statement that matches it; on SQLite, which has no
such view, at a random moment inside the step, as timed by a first run.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import sqlalchemy as sa

from gaingrid.phases import GAINGRID
from phased.dialects import engines
from phased.lifecycle.commands import Migrator

from . import online, pg_server
from .loads import NewApp, PrismaLegacyApp, SqliteLegacyApp, libpq_url

# PostgreSQL: a point is a pattern of the statement a migrator session is running.
PG_POINTS_UP = {
    "phase 2 DDL": r'ALTER TABLE "User" ADD COLUMN',
    "phase 3 DDL": r'CREATE TABLE "(TrainingPlan|Reminder)"',
    "phase 4 key validation": r'VALIDATE CONSTRAINT "Exercise_',
    "sync index build": r'CREATE INDEX CONCURRENTLY IF NOT EXISTS "gaingrid_migrate_',
    "phase 5 transaction": r'CREATE TABLE "WorkoutLog"|CREATE (OR REPLACE FUNCTION|TRIGGER)',
    "backfill batch": r"DO \$gg\$ DECLARE lo text",
    "foreign key add": r'ADD CONSTRAINT "WorkoutLog_',
    "foreign key validation": r'VALIDATE CONSTRAINT "WorkoutLog_',
    "phase 6 index build": r'CREATE INDEX CONCURRENTLY IF NOT EXISTS "(WorkoutLog|TrainingPlan|Reminder|Exercise)_',
    "verify": r"IS DISTINCT FROM|hash_record_extended",
}
PG_POINTS_DOWN = {
    "phase 6 index drop": r'DROP INDEX CONCURRENTLY IF EXISTS "(WorkoutLog|TrainingPlan|Reminder|Exercise)_',
    "phase 5 archive and drop": r'archive_5_WorkoutLog|DROP TABLE "WorkoutLog"|DROP TRIGGER',
    "sync index drop": r'DROP INDEX CONCURRENTLY IF EXISTS "gaingrid_migrate_',
    "verify": r"hash_record_extended|pg_export_snapshot",
}
TARGET = {"up": 6, "down": 4}
MIGRATOR = f"{GAINGRID.name}-migrate"  # the migrator's sessions' application_name (dialect.application_name)
# SQLite: a point is a window of the step, as a first run timed it (see `timeline`).
SQLITE_POINTS = ["phase 2 up", "phase 3 up", "phase 4 table rebuild", "phase 4 up: its verification", "phase 5 up",
                 "backfill", "phase 5 up: its verification", "phase 6 up", "phase 6 up: its verification",
                 "phase 6 down", "phase 5 down", "phase 5 down: its verification"]


@dataclass(frozen=True)
class Trial:
    command: str  # "up" | "down"
    fault: str  # "sigkill" | "terminate" | "crash"
    point: str
    delay: float = 0.0  # seconds after the point is reached


@dataclass
class Outcome:
    trial: Trial
    reached: bool = False
    resumed: bool = False
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Timeline:
    """SQLite: where each step fell in a first run, in seconds from the command's start."""

    windows: dict[str, tuple[float, float]] = field(default_factory=dict)

    def moment(self, point: str, rng: random.Random) -> float:
        lo, hi = self.windows[point]
        return rng.uniform(lo, hi)


def _args(command: str, extra: tuple[str, ...] = ()) -> list[str]:
    base = ["migrate", "up", "--no-backup"] if command == "up" else ["migrate", "down", "--to", "4", "--yes"]
    return base + list(extra if command == "up" else ())


def _gaingrid(url: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).with_name("gaingrid")), *args],
                            env={**os.environ, "GAINGRID_DATABASE_URL": url}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@contextmanager
def app_load(url: str, *, workers: int, seed: int, on: bool = True) -> Iterator[set[str]]:
    """The legacy app (Prisma on PostgreSQL) and the new app, writing while the block runs. Yields the
    ids of the logs the new app wrote (they have no legacy source: not "brought back")."""
    parsed = engines.parse_url(url)
    loads: list = []
    if on:
        pg = parsed.get_backend_name() == "postgresql"
        loads = [PrismaLegacyApp(url, workers=workers, seed=seed) if pg
                 else SqliteLegacyApp(parsed.database, workers=workers, seed=seed),
                 NewApp(url, online._exercises(parsed), workers=1, seed=seed + 1)]
    try:
        for app in loads:
            app.start()
        time.sleep(1.0 if loads else 0)
        yield loads[1].created if loads else set()
    finally:
        for app in loads:
            try:
                app.stop()
            except Exception:  # a load that lost its server in a crash trial still stops
                pass


def timeline(url: str, command: str, *, load: bool = True, workers: int = 4) -> Timeline:
    """Run the command once, under the same load, and read its steps' windows from the ledger (SQLite points)."""
    with app_load(url, workers=workers, seed=0, on=load):
        started = time.time()
        proc = _gaingrid(url, *_args(command))
        out, err = proc.communicate(timeout=600)
    if proc.returncode:
        raise RuntimeError(f"the timing run failed: {err.strip()[-500:]}")
    epoch = lambda d: d.replace(tzinfo=timezone.utc).timestamp() - started  # noqa: E731
    found = Timeline()
    for e in Migrator(GAINGRID, url).history(limit=20):
        if e.outcome != "ok" or e.direction not in ("up", "down"):
            continue
        lo, hi = epoch(e.started_at), epoch(e.finished_at)
        verify = e.details.get("verification", {}).get("seconds", 0.0)
        name = f"phase {e.phase if e.direction == 'up' else e.phase + 1} {e.direction}"
        found.windows[name] = (lo, hi)
        found.windows[f"{name}: its verification"] = (max(lo, hi - verify), hi)
        if e.phase == 4 and e.direction == "up":
            found.windows["phase 4 table rebuild"] = (lo, lo + 0.7 * (hi - verify - lo))
        if e.phase == 5 and e.direction == "up":
            found.windows["backfill"] = (lo, hi - verify)
    return found


class _Watch:
    """Waits for a point of the migrator's run, then injects the fault."""

    def __init__(self, url: str, proc: subprocess.Popen, server: pg_server.Server | None) -> None:
        self.url, self.proc, self.server = url, proc, server

    def wait_for_pattern(self, pattern: str, deadline: float) -> bool:
        regex = re.compile(pattern)
        with psycopg.connect(libpq_url(self.url), autocommit=True) as conn:
            while time.monotonic() < deadline and self.proc.poll() is None:
                for (query,) in conn.execute(
                        "SELECT query FROM pg_stat_activity WHERE application_name = %s AND state = 'active' "
                        "AND datname = current_database()", (MIGRATOR,)):
                    if regex.search(query or ""):
                        return True
                time.sleep(0.002)
        return False

    def inject(self, fault: str) -> None:
        if fault == "sigkill":
            os.kill(self.proc.pid, signal.SIGKILL)
        elif fault == "terminate":
            with psycopg.connect(libpq_url(self.url), autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                             (MIGRATOR,))
        elif fault == "crash":
            assert self.server is not None
            self.server.crash()
        else:
            raise ValueError(f"unknown fault {fault!r}")


def end_state(url: str, target: int) -> list[str]:
    """What is wrong with the database after the rerun (empty: it is whole)."""
    problems = []
    migrator = Migrator(GAINGRID, url)
    state = migrator.status()
    if state.phase_number != target or state.differences or state.in_flight:
        problems.append(f"at phase {state.phase_number}, {len(state.differences)} differences, "
                        f"in flight: {state.in_flight}")
    check = migrator.verify(strict=False)
    problems += [f"verify: {c.name}: {c.detail}" for c in check.checks if not (c.ok or c.warning)]
    if url.startswith("postgresql"):
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            invalid = conn.exec_driver_sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid").scalar_one()
            unvalidated = conn.exec_driver_sql("SELECT count(*) FROM pg_constraint WHERE NOT convalidated").scalar_one()
        engine.dispose()
        if invalid or unvalidated:
            problems.append(f"{invalid} INVALID indexes, {unvalidated} NOT VALID constraints")
    return problems


def run_trial(url: str, trial: Trial, *, server: pg_server.Server | None = None, timing: Timeline | None = None,
              load: bool = True, workers: int = 4, seed: int = 1, patience: float = 300,
              up_args: tuple[str, ...] = ()) -> Outcome:
    """One trial on `url` (a fresh copy at the command's starting phase); `up_args` go to every `up`."""
    outcome = Outcome(trial)
    started = time.monotonic()
    parsed = engines.parse_url(url)
    try:
        with app_load(url, workers=workers, seed=seed, on=load):
            begun = time.monotonic()
            proc = _gaingrid(url, *_args(trial.command, up_args))
            watch = _Watch(url, proc, server)
            if parsed.get_backend_name() == "postgresql":
                points = PG_POINTS_UP if trial.command == "up" else PG_POINTS_DOWN
                outcome.reached = watch.wait_for_pattern(points[trial.point], time.monotonic() + patience)
                time.sleep(trial.delay)
            else:
                try:
                    proc.wait(max(0.0, timing.moment(trial.point, random.Random(seed)) - (time.monotonic() - begun)))
                except subprocess.TimeoutExpired:
                    outcome.reached = True
            if outcome.reached and proc.poll() is None:
                watch.inject(trial.fault)
            else:
                outcome.reached = False  # it ended before the point
            _, err = proc.communicate(timeout=patience)
            if trial.fault == "crash" and outcome.reached:
                server.start()
            if not outcome.reached:
                outcome.detail = ("not reached: the point's statement was not seen, or the run ended first"
                                  + (f": {err.strip()[-200:]}" if proc.returncode else ""))
                return outcome
            rerun = _gaingrid(url, *_args(trial.command, up_args))
            out, err = rerun.communicate(timeout=patience)
            if rerun.returncode:
                outcome.detail = f"the rerun failed: {err.strip().splitlines()[-1] if err.strip() else out[-200:]}"
                return outcome
            problems = end_state(url, TARGET[trial.command])
        if TARGET[trial.command] >= 5:
            lost, divergent, back = online.audit(parsed)
            if lost or divergent or back:
                problems.append(f"{lost} lost, {divergent} divergent, {back} brought back")
        outcome.resumed = not problems
        outcome.detail = "; ".join(problems) or "resumed by one rerun"
        return outcome
    finally:
        outcome.seconds = time.monotonic() - started


def sqlite_copy(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


# Points whose statement runs long enough to be hit part way: the fault comes a random moment in.
LONG = {"backfill batch", "phase 6 index build", "foreign key validation", "sync index build", "verify",
        "phase 6 index drop"}


def plan(pg: bool, rng: random.Random, *, kills: int, terminates: int = 0, crashes: int = 0,
         downs: int = 0) -> list[Trial]:
    """Trials spread over every point: each fault cycles through the points; on a long statement
    the fault comes a random moment in, on a short one as soon as it is seen."""
    trials: list[Trial] = []

    def spread(command: str, fault: str, count: int, points: list[str]) -> None:
        for n in range(count):
            point = points[n % len(points)]
            trials.append(Trial(command, fault, point, round(rng.uniform(0, 0.3), 3) if point in LONG else 0.0))

    if pg:
        spread("up", "sigkill", kills, list(PG_POINTS_UP))
        spread("up", "terminate", terminates, list(PG_POINTS_UP))
        spread("up", "crash", crashes, [p for p in PG_POINTS_UP if p != "verify"])
        spread("down", "sigkill", downs, list(PG_POINTS_DOWN))
    else:
        spread("up", "sigkill", kills, [p for p in SQLITE_POINTS if "down" not in p])
        spread("down", "sigkill", downs, [p for p in SQLITE_POINTS if "down" in p])
    return trials


Report = Callable[[Outcome], None]
