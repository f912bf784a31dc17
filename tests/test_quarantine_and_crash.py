"""Rows that cannot be migrated are quarantined, never dropped; a backfill
killed with SIGKILL resumes to the exact result."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from gaingrid.cli import app
from gaingrid.data.demo_data import DemoDataOptions
from tests.harness import engine_for, legacy_database, scalar
from tests.test_backfill import assert_logs_mirror_legacy

GAINGRID = str(Path(sys.executable).with_name("gaingrid"))


def plant_orphans(path: str) -> None:
    """What a legacy SQLite app without foreign-key enforcement can leave behind."""
    conn = sqlite3.connect(path)  # foreign_keys is OFF by default in SQLite
    workout = conn.execute('SELECT id FROM "Workout" ORDER BY id LIMIT 1').fetchone()[0]
    exercise = conn.execute('SELECT id FROM "Exercise" ORDER BY id LIMIT 1').fetchone()[0]
    row = "INSERT INTO \"WorkoutExercise\" VALUES (?, ?, ?, 3, 10, 50.0, NULL, 'orphan', '2026-05-01 10:00:00.000000', '2026-05-01 10:00:00.000000')"
    conn.execute(row, ("q-no-workout", "workout-gone", exercise))
    conn.execute(row, ("q-no-exercise", workout, "exercise-gone"))
    conn.execute("INSERT INTO \"Workout\" VALUES ('w-no-user', 'user-gone', 'Ghost', '2026-05-01 09:00:00.000000', "
                 "NULL, '2026-05-01 09:00:00.000000', '2026-05-01 09:00:00.000000')")
    conn.execute(row, ("q-no-user", "w-no-user", exercise))
    conn.commit()
    conn.close()


def test_unmigratable_rows_are_quarantined_with_the_reason_and_counts_reconcile(sqlite_url: str) -> None:
    migrator = legacy_database(sqlite_url)
    plant_orphans(migrator.url.database)
    migrator.up()
    engine = engine_for(migrator)
    try:
        quarantined = {r["source_key"]: r["reason"] for r in migrator.quarantine()}
        assert quarantined == {"q-no-workout": "no Workout workout-gone", "q-no-exercise": "no Exercise exercise-gone",
                               "q-no-user": "no User user-gone"}
        source = scalar(engine, 'SELECT count(*) FROM "WorkoutExercise"')
        migrated = scalar(engine, 'SELECT count(*) FROM "WorkoutLog" WHERE id IN (SELECT id FROM "WorkoutExercise")')
        assert source == migrated + len(quarantined)
        (progress,) = migrator.backfills()
        assert progress.quarantined == 3 and progress.done == source

        result = CliRunner().invoke(app, ["migrate", "status", "--database-url", sqlite_url])
        assert result.exit_code == 0 and "3 rows quarantined" in result.output
        listing = CliRunner().invoke(app, ["migrate", "quarantine", "--database-url", sqlite_url])
        assert "no Exercise exercise-gone" in listing.output and "q-no-user" in listing.output

        # The sync keeps the quarantine true: a deleted orphan leaves it, a repaired one is migrated.
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM \"WorkoutExercise\" WHERE id = 'q-no-workout'")
            exercise = conn.exec_driver_sql('SELECT id FROM "Exercise" ORDER BY id LIMIT 1').scalar_one()
            conn.exec_driver_sql(f"UPDATE \"WorkoutExercise\" SET \"exerciseId\" = '{exercise}' WHERE id = 'q-no-exercise'")
        assert {r["source_key"] for r in migrator.quarantine()} == {"q-no-user"}
        assert scalar(engine, "SELECT count(*) FROM \"WorkoutLog\" WHERE id = 'q-no-exercise'") == 1
    finally:
        engine.dispose()


def _rows_done(engine: sa.Engine) -> int:
    table = '"gaingrid_migrate"."backfill"' if engine.dialect.name == "postgresql" else '"gaingrid_migrate_backfill"'
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(f"SELECT rows_done FROM {table}").scalar() or 0
    except sa.exc.DBAPIError:
        return 0


def test_a_backfill_killed_with_sigkill_resumes_to_the_exact_result(db_url: str) -> None:
    migrator = legacy_database(db_url, DemoDataOptions(seed=9, users=8, workouts_per_user=20, exercises_per_workout=5,
                                                       months=4, exercises=50))
    migrator.up(to=4)
    engine = engine_for(migrator)
    total = scalar(engine, 'SELECT count(*) FROM "WorkoutExercise"')
    url = migrator.url.render_as_string(hide_password=False)
    try:
        child = subprocess.Popen([GAINGRID, "migrate", "up", "--to", "5", "--batch-size", "3", "--database-url", url],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _rows_done(engine) < total // 4 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        killed_at = _rows_done(engine)
        assert 0 < killed_at < total, f"the kill should land mid-backfill (at {killed_at} of {total})"

        resumed = subprocess.run([GAINGRID, "migrate", "backfill", "--batch-size", "50", "--database-url", url],
                                 capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr
        assert_logs_mirror_legacy(engine)
        assert migrator.status().differences == []
        assert _rows_done(engine) == total
    finally:
        engine.dispose()
