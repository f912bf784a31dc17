"""The demo: a fresh SQLite legacy database with realistic data, taken through every phase."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from rich.console import Console

from gaingrid.cli import reporting
from gaingrid.data.demo_data import DemoDataCounts, DemoDataOptions, generate_demo_data
from gaingrid.phases import GAINGRID
from phased.declare.errors import MigrateError
from phased.dialects import engines
from phased.lifecycle.commands import Migrator
from phased.safety.backup import hook as backup_hook

APPLICATION_TABLES = ("User", "Workout", "Exercise", "WorkoutExercise", "TrainingPlan", "Reminder", "WorkoutLog")


def fill_legacy(migrator: Migrator, options: DemoDataOptions, console: Console) -> DemoDataCounts:
    """Fill a phase-1 database (an empty one is first brought to phase 1)."""
    state = migrator.status()
    if state.empty:
        migrator.up(to=1)
    elif state.phase_number != 1 or state.differences:
        raise MigrateError(f"demo-data fills a legacy (phase 1) database; this one is at phase {state.phase_number}")
    engine = engines.create_engine(migrator.url)
    try:
        with reporting.progress_bars(console) as update:
            return generate_demo_data(engine, options, update)
    finally:
        engine.dispose()


def row_counts(url: sa.URL) -> dict[str, int]:
    engine = engines.create_engine(url)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
            return {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one()
                    for t in APPLICATION_TABLES if t in present}
    finally:
        engine.dispose()


def run_demo(path: Path, *, seed: int, users: int, console: Console) -> None:
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    migrator = Migrator(GAINGRID, f"sqlite:///{path}")
    console.rule("1. a legacy database, as Prisma made it, with realistic data")
    fill_legacy(migrator, DemoDataOptions(seed=seed, users=users), console)
    before = row_counts(migrator.url)
    reporting.print_counts(console, before)
    console.rule("2. the phased migration: a backup first, then each phase applied and verified")
    backups = path.parent / f"{path.stem}-backups"
    with reporting.progress_bars(console) as update:
        migrator.up(on_step=lambda r: reporting.print_step(console, r),
                    on_backfill=lambda p: update(p.name, p.done, p.total), backup=backup_hook(migrator.project, migrator.url, backups))
    console.rule("3. where the database stands")
    reporting.print_status(console, GAINGRID, migrator.url, migrator.status())
    reporting.print_backfills(console, migrator.backfills())
    after = row_counts(migrator.url)
    kept = all(after.get(t) == n for t, n in before.items())
    reporting.print_counts(console, after)
    console.print(f"legacy rows kept: {'yes, every table' if kept else 'NO'}")
    console.rule("4. verification: every phase's checks, the backfill row by row")
    result = migrator.verify()
    reporting.print_verification(console, result)
    report = path.with_suffix(".report.html")
    report.write_text(migrator.report_html(), encoding="utf-8")
    console.print(f"database: {path}   backup: {backups}/   report: {report}", markup=False, soft_wrap=True)
    if not kept or not result.ok:
        raise MigrateError("the demo migration did not verify")

