"""Realistic, deterministic demo data for a legacy (phase 1) GainGrid database.

``generate_demo_data`` fills the four legacy tables of an empty database
(schema created beforehand) in one transaction: rows come from
``demo_rows.DemoRows`` in chunks, and go in through COPY on PostgreSQL or
executemany on SQLite (``demo_sinks``). The same options give the same rows,
ids included, on both databases.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa

from gaingrid.data.catalog import load_catalog
from gaingrid.data.demo_rows import ANCHOR, COLUMNS, TABLES, DemoRows
from gaingrid.data.demo_sinks import open_writer

__all__ = ["ANCHOR", "COLUMNS", "TABLES", "DemoDataCounts", "DemoDataOptions", "ProgressCallback",
           "generate_demo_data"]

ProgressCallback = Callable[[str, int, int], None]  # (table, rows done so far, rows total)
MAX_MONTHS = 600  # keeps every timestamp after 1970, as cuids need


@dataclass(frozen=True)
class DemoDataOptions:
    seed: int = 42
    users: int = 50
    workouts_per_user: int = 40  # average; varies per user
    exercises_per_workout: int = 5  # average; varies per workout
    months: int = 12  # workouts spread over this many months before ANCHOR
    exercises: int | None = None  # None = whole catalog


@dataclass(frozen=True)
class DemoDataCounts:
    users: int
    workouts: int
    exercises: int
    workout_exercises: int


def generate_demo_data(
    engine: sa.Engine, options: DemoDataOptions, progress: ProgressCallback | None = None
) -> DemoDataCounts:
    """Fill an empty legacy database; raises ValueError (changing nothing) on
    invalid options or if any of the four tables already holds rows."""
    catalog = load_catalog()
    _validate(options, len(catalog))
    report = progress or (lambda table, done, total: None)
    rows = DemoRows(options, catalog)
    with open_writer(engine, TABLES) as writer:
        nonempty = writer.nonempty_tables(TABLES)
        if nonempty:
            raise ValueError(f"refusing to add demo data: table(s) {', '.join(nonempty)} already hold rows")
        totals = rows.totals()
        done = dict.fromkeys(TABLES, 0)
        for table, chunk in rows.batches():
            writer.write(table, COLUMNS[table], chunk)
            done[table] += len(chunk)
            report(table, done[table], totals[table])
    return DemoDataCounts(users=totals["User"], workouts=totals["Workout"], exercises=totals["Exercise"],
                          workout_exercises=totals["WorkoutExercise"])


def _validate(o: DemoDataOptions, catalog_size: int) -> None:
    for name in ("seed", "users", "workouts_per_user", "exercises_per_workout", "months"):
        value = getattr(o, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"demo data option {name} must be an integer, got {value!r}")
        if name != "seed" and value < 1:
            raise ValueError(f"demo data option {name} must be positive, got {value}")
    if o.months > MAX_MONTHS:
        raise ValueError(f"demo data option months must be at most {MAX_MONTHS}, got {o.months}")
    if o.exercises is not None and (
        not isinstance(o.exercises, int) or isinstance(o.exercises, bool)
        or not 1 <= o.exercises <= catalog_size
    ):
        raise ValueError(f"demo data option exercises must be 1..{catalog_size} or None, got {o.exercises!r}")
