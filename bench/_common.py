"""Shared helpers for the benchmarks: demo-data sizing, phase-4 databases
prepared once and cloned per run, and Prisma's DDL for WorkoutLog."""
from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from psycopg import sql  # noqa: E402

from gaingrid.data.demo_data import DemoDataOptions, generate_demo_data  # noqa: E402
from gaingrid.phases import GAINGRID  # noqa: E402
from gaingrid.testing import pg_server  # noqa: E402
from phased.dialects import engines
from phased.lifecycle.commands import Migrator

WORKOUTS_PER_USER = 150  # about three a week for a year
EXERCISES_PER_WORKOUT = 5
SPEC = ROOT / "tests" / "spec" / "5_add_workout_log.sql"

LOG_COLUMNS = ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes",
               "notes", "createdAt", "updatedAt")
# The mapping written out by hand, independently of the engine's SQL.
INSERT_SELECT = (
    'INSERT INTO "WorkoutLog" (' + ", ".join(f'"{c}"' for c in LOG_COLUMNS) + ") "
    'SELECT s.id, w."userId", s."exerciseId", w.date, s.sets, s.reps, s.weight, s.time, s.notes, '
    's."createdAt", s."updatedAt" FROM "WorkoutExercise" s JOIN "Workout" w ON w.id = s."workoutId"'
)


def options_for(rows: int, seed: int = 42) -> DemoDataOptions:
    users = max(1, round(rows / (WORKOUTS_PER_USER * EXERCISES_PER_WORKOUT)))
    return DemoDataOptions(seed=seed, users=users, workouts_per_user=WORKOUTS_PER_USER,
                           exercises_per_workout=EXERCISES_PER_WORKOUT, months=12)


def engine(url: str) -> sa.Engine:
    """gaingrid's engine: on SQLite, PRAGMA foreign_keys=ON and real transactions."""
    return engines.create_engine(engines.parse_url(url))


# -- Prisma's DDL for WorkoutLog --------------------------------------------

def _spec_statements() -> tuple[str, list[str]]:
    text = re.sub(r"--[^\n]*", "", SPEC.read_text())
    statements = [s.strip() for s in text.split(";") if s.strip()]
    return statements[0], statements[1:]


def workout_log_ddl(backend: str, *, foreign_keys: bool) -> list[str]:
    """CREATE TABLE "WorkoutLog" as tests/spec/5_add_workout_log.sql has it.

    PostgreSQL: the spec's statements verbatim (the ALTERs only if
    foreign_keys). SQLite cannot ALTER in a foreign key, so the same
    constraints go inline into the CREATE TABLE.
    """
    create, alters = _spec_statements()
    if backend == "postgresql":
        return [create, *(alters if foreign_keys else [])]
    if not foreign_keys:
        return [create]
    inline = [re.sub(r'^ALTER TABLE "WorkoutLog" ADD ', "", a) for a in alters]
    head, tail = create.rsplit(")", 1)
    return [head.rstrip() + ",\n    " + ",\n    ".join(inline) + "\n)" + tail]


def fk_not_valid_then_validate() -> list[list[str]]:
    """PostgreSQL: the spec's foreign keys as ADD … NOT VALID, then VALIDATE (one list per transaction)."""
    _create, alters = _spec_statements()
    adds = [a + " NOT VALID" for a in alters]
    names = [re.search(r'ADD CONSTRAINT "([^"]+)"', a).group(1) for a in alters]
    return [adds, *([f'ALTER TABLE "WorkoutLog" VALIDATE CONSTRAINT "{n}"'] for n in names)]


# -- databases prepared once at phase 4, cloned per approach ----------------

def prepare_phase4(url: str, rows: int, seed: int) -> int:
    """A legacy database with demo data, migrated to phase 4; returns its WorkoutExercise count."""
    migrator = Migrator(GAINGRID, url)
    migrator.up(to=1)
    eng = engine(url)
    try:
        counts = generate_demo_data(eng, options_for(rows, seed))
    finally:
        eng.dispose()
    migrator.up(to=4)
    return counts.workout_exercises


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class PostgresHost:
    """Templates and their clones on one (throwaway) server."""

    backend = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def _admin(self, statement: sql.Composable | str) -> None:
        with psycopg.connect(_libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(statement)

    def _url(self, name: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def template(self, rows: int, seed: int) -> tuple[str, int]:
        url = pg_server.create_database(self.admin_url, prefix="bench_tpl")
        count = prepare_phase4(url, rows, seed)
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # what autovacuum would have done on a live database
        return url, count

    def clone(self, template_url: str) -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        self._admin(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template_url.rsplit("/", 1)[1])))
        try:
            self._admin("CHECKPOINT")  # so the clone's writes do not land inside a timing
        except psycopg.Error:
            pass  # not a superuser on an external server
        return self._url(name)

    def drop(self, url: str) -> None:
        pg_server.drop_database(self.admin_url, url)


class SqliteHost:
    backend = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def template(self, rows: int, seed: int) -> tuple[str, int]:
        url = f"sqlite:///{self.directory / f'template_{uuid.uuid4().hex[:6]}.db'}"
        return url, prepare_phase4(url, rows, seed)

    def clone(self, template_url: str) -> str:
        target = self.directory / f"bench_{uuid.uuid4().hex[:10]}.db"
        shutil.copyfile(template_url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for p in (path, Path(f"{path}.migrate-lock"), Path(f"{path}-journal")):
            p.unlink(missing_ok=True)


@contextmanager
def host(backend: str) -> Iterator[PostgresHost | SqliteHost]:
    if backend == "postgresql":
        with pg_server.temporary_server(durable=True) as admin_url:
            yield PostgresHost(admin_url)
    else:
        with tempfile.TemporaryDirectory(prefix="gaingrid-bench-") as tmp:
            yield SqliteHost(Path(tmp))


@contextmanager
def clone_of(h: PostgresHost | SqliteHost, template_url: str) -> Iterator[str]:
    url = h.clone(template_url)
    try:
        warm(url)
        yield url
    finally:
        h.drop(url)


def warm(url: str) -> None:
    """Read the source tables once, so every approach starts from a warm cache."""
    eng = engine(url)
    try:
        with eng.connect() as conn:
            for table in ("WorkoutExercise", "Workout", "User", "Exercise"):
                conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
    finally:
        eng.dispose()


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - started, out
