"""Benchmark the legacy demo-data generator on PostgreSQL and SQLite.

    python bench/demo_data.py --rows 1000000 [--db postgresql|sqlite|both] [--breakdown]

Starts a throwaway PostgreSQL server (tests/pg_server.py), creates the
legacy schema, generates about --rows WorkoutExercise rows and prints the
time, rows/s and the process's peak RSS. --breakdown also times generation
alone (no database), to tell Python time from database time.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from gaingrid.data.catalog import load_catalog  # noqa: E402
from gaingrid.data.demo_data import DemoDataOptions, generate_demo_data  # noqa: E402
from gaingrid.data.demo_rows import DemoRows  # noqa: E402
from gaingrid.phases import GAINGRID  # noqa: E402
from gaingrid.testing import pg_server  # noqa: E402
from phased.lifecycle.commands import Migrator

WORKOUTS_PER_USER = 150  # about three a week for a year
EXERCISES_PER_WORKOUT = 5


def options_for(rows: int, seed: int) -> DemoDataOptions:
    users = max(1, round(rows / (WORKOUTS_PER_USER * EXERCISES_PER_WORKOUT)))
    return DemoDataOptions(seed=seed, users=users, workouts_per_user=WORKOUTS_PER_USER,
                           exercises_per_workout=EXERCISES_PER_WORKOUT, months=12)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(label: str, url: str, options: DemoDataOptions) -> None:
    Migrator(GAINGRID, url).up(to=1)
    engine = sa.create_engine(url)
    started = time.perf_counter()
    counts = generate_demo_data(engine, options)
    seconds = time.perf_counter() - started
    engine.dispose()
    total = counts.users + counts.workouts + counts.exercises + counts.workout_exercises
    print(f"{label:<11} {counts.workout_exercises:>9,} WorkoutExercise rows ({total:,} rows in all) "
          f"in {seconds:6.1f} s = {counts.workout_exercises / seconds:>9,.0f} WorkoutExercise rows/s, "
          f"{total / seconds:>9,.0f} rows/s; peak RSS so far {peak_rss_mb():.0f} MB", flush=True)


def generation_only(options: DemoDataOptions) -> None:
    started = time.perf_counter()
    gen = DemoRows(options, load_catalog())
    gen.totals()
    rows = sum(len(batch) for _table, batch in gen.batches())
    seconds = time.perf_counter() - started
    print(f"{'generation':<11} {rows:>9,} rows (no database) in {seconds:6.1f} s = {rows / seconds:,.0f} rows/s",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="target WorkoutExercise rows")
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--breakdown", action="store_true", help="also time generation without a database")
    args = parser.parse_args()
    options = options_for(args.rows, args.seed)
    print(f"options: {options}")
    if args.breakdown:
        generation_only(options)
    if args.db in ("postgresql", "both"):
        with pg_server.temporary_server(durable=True) as admin_url:
            run("PostgreSQL", pg_server.create_database(admin_url, prefix="bench"), options)
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="gaingrid-bench-") as tmp:
            run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", options)


if __name__ == "__main__":
    main()
