"""Online: the legacy app keeps writing through the whole migration.

The app that writes to a gain_grid database is a Prisma app, so on
PostgreSQL the writer is the real Prisma client generated from
legacy.prisma (gaingrid/testing/legacy_app). The latency targets are the
benchmark's (bench/online.py); here every non-timing target must hold.
"""
from __future__ import annotations

import os
import subprocess
import threading
import time

import psycopg
import pytest
import sqlalchemy as sa

from gaingrid.data.demo_data import DemoDataOptions
from gaingrid.phases import GAINGRID, WORKOUT_LOG
from gaingrid.testing import online
from gaingrid.testing.loads import LEGACY_APP, RACE, RETIRED, NewApp, libpq_url, prepare_legacy_app
from phased.dialects.postgresql import PostgreSQL
from phased.dialects.postgresql_reverse import engine_writes
from phased.lifecycle.commands import Migrator
from phased.movement.throttle import Throttle
from tests.harness import legacy_database

pytestmark = pytest.mark.slow  # the real Prisma app under load, or faults injected into real runs

LOAD = DemoDataOptions(seed=5, users=40, workouts_per_user=25, exercises_per_workout=5, months=6, exercises=80)


def _failures(report: online.Report) -> str:
    return online.to_json(report)


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_the_app_keeps_writing_through_up_with_no_failed_write_and_no_lost_row(db, request, tmp_path):
    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    legacy_database(url, LOAD)
    report = online.run(url, before=3, after=3, workers=6, warm_up=1, migrate_args=("--batch-size", "2000"),
                        backup_dir=str(tmp_path / "backups"))
    assert report.migrate_exit == 0, report.migrate_output
    assert report.failed_writes == 0, _failures(report)
    assert (report.lost, report.divergent, report.resurrected) == (0, 0, 0), _failures(report)
    writes = sum(n for (app, outcome), n in report.outcomes.items() if app == "legacy")
    assert report.legacy["during"].ops > 0 and writes > 100, "the app was not writing during the migration"
    assert Migrator(GAINGRID, url).status().phase_number == 6


ROUND_TRIP = [("up", "--no-backup", "--batch-size", "2000"), ("down", "--to", "4", "--yes"), ("up", "--no-backup"),
              ("up", "--to", "7", "--no-backup"), ("down", "--to", "6", "--yes")]


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_both_apps_keep_writing_through_a_round_trip_down_and_up_with_no_lost_or_returned_row(db, request):
    """Both apps write the same users' workouts (the new app logs in as the demo accounts the legacy
    load also writes for, and edits and deletes their logs) while the database goes up to 6, down to 4,
    up to 6, up to 7 and down to 6: every command completes on its first invocation, no write fails
    but the legacy app's at phase 7 (its table is gone by design), and every log has its entry."""
    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    legacy_database(url, LOAD)
    report = online.run(url, before=2, after=3, workers=6, warm_up=1, commands=ROUND_TRIP, shared=True)
    assert [(command, code) for command, code, _ in report.steps] == [(" ".join(c), 0) for c in ROUND_TRIP], \
        report.migrate_output
    # A rollback under load has a price the README states: a step that lost its lock race four times
    # waits past deadlock_timeout, so a cycle may cost an app transaction (rolled back whole, nothing
    # written), and a new-app request in flight when a step drops WorkoutLog gets 503 "try again".
    # Both are transient and told to the client; anything else, or more than 1% of writes, fails.
    transient = {"deadlock", "HTTP 503"}
    failed = {outcome: n for (app, outcome), n in report.outcomes.items()
              if outcome not in ("ok", RACE, RETIRED, NewApp.UNAVAILABLE)}
    assert set(failed) <= transient, _failures(report)
    assert sum(failed.values()) <= 0.01 * sum(report.outcomes.values()), _failures(report)
    assert (report.lost, report.divergent, report.resurrected) == (0, 0, 0), _failures(report)
    new_app_writes = sum(n for (app, outcome), n in report.outcomes.items() if app == "new" and outcome == "ok")
    assert new_app_writes > 20, "the new app was not writing"
    migrator = Migrator(GAINGRID, url)
    assert migrator.status().phase_number == 6
    failed = [f"{c.name}: {c.detail}" for c in migrator.verify(strict=False).checks if not (c.ok or c.warning)]
    assert failed == []


# -- the two-transaction deadlock, with the real Prisma client ----------------------------

REPRO = """
const { PrismaClient } = require('@prisma/client')
const { PrismaPg } = require('@prisma/adapter-pg')
const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL }) })
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function main() {
  const w = await prisma.workout.findFirst({ where: { id: process.env.WORKOUT }, include: { exercises: true } })
  const [a, b] = w.exercises
  const edit = (we, d) => prisma.$transaction(async (t) => {
    await t.workoutExercise.update({ where: { id: we.id }, data: { sets: { increment: 1 } } })
    await sleep(300)
    await t.workout.update({ where: { id: w.id }, data: { date: d } })
  })
  const r = await Promise.allSettled([edit(a, new Date('2026-01-01')), edit(b, new Date('2026-02-02'))])
  console.log(JSON.stringify(r.map((x) => x.status === 'fulfilled' ? 'ok' : x.reason.message.trim().split('\\n').pop())))
  await prisma.$disconnect()
}
main()
"""


def test_two_app_transactions_on_one_workout_both_commit_at_phase_6(pg_url):
    """Each updates a different exercise of the same workout, then the workout's date. At phase 1
    they commit one after the other; the first sync deadlocked them at phase 6."""
    prepare_legacy_app()
    legacy_database(pg_url).up()
    with psycopg.connect(libpq_url(pg_url)) as conn:
        workout = conn.execute('SELECT "workoutId" FROM "WorkoutExercise" GROUP BY 1 HAVING count(*) >= 2 '
                               'ORDER BY 1 LIMIT 1').fetchone()[0]
    script = LEGACY_APP / "repro_deadlock.js"
    script.write_text(REPRO)
    try:
        done = subprocess.run(["node", str(script)], cwd=LEGACY_APP, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "DATABASE_URL": libpq_url(pg_url), "WORKOUT": workout})
    finally:
        script.unlink()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '["ok","ok"]'
    with psycopg.connect(libpq_url(pg_url)) as conn:
        date, = conn.execute('SELECT date FROM "Workout" WHERE id = %s', (workout,)).fetchone()
        logs = conn.execute('SELECT l.date, l.sets, s.sets FROM "WorkoutLog" l JOIN "WorkoutExercise" s ON s.id = l.id '
                            'WHERE s."workoutId" = %s', (workout,)).fetchall()
    assert logs and all(log_date == date and log_sets == sets for log_date, log_sets, sets in logs)


# -- the sync's write skew: a new exercise and a moved date, committed in either order ----

def _two_sessions(url: str):
    return psycopg.connect(libpq_url(url)), psycopg.connect(libpq_url(url))


@pytest.mark.parametrize("first", ["insert", "move"])
def test_an_exercise_added_while_its_workout_moves_gets_the_final_date(pg_url, first):
    """Two transactions that cannot see each other: one adds an exercise to a workout, the other
    moves the workout. Whichever commits first, the new log ends with the workout's final date."""
    legacy_database(pg_url).up(to=5)
    adder, mover = _two_sessions(pg_url)
    with adder, mover:
        workout, exercise = adder.execute('SELECT "workoutId", "exerciseId" FROM "WorkoutExercise" LIMIT 1').fetchone()
        adder.commit()
        adder.execute('INSERT INTO "WorkoutExercise" (id, "workoutId", "exerciseId", sets, reps, "updatedAt") '
                      "VALUES ('c-new', %s, %s, 3, 5, now())", (workout, exercise))
        mover.execute("UPDATE \"Workout\" SET date = '2030-05-05' WHERE id = %s", (workout,))
        for session in ((adder, mover) if first == "insert" else (mover, adder)):
            session.commit()
        date, = adder.execute("SELECT date FROM \"WorkoutLog\" WHERE id = 'c-new'").fetchone()
    assert str(date) == "2030-05-05 00:00:00"


# -- the batches never wait on the app ------------------------------------------------------

def test_a_backfill_passes_over_rows_a_delete_holds_and_copies_them_when_it_rolls_back(pg_url):
    """An app transaction sits idle after deleting a workout: the batches go past its rows instead
    of waiting, keep them pending, and copy them once the app's rollback lets go of them."""
    legacy_database(pg_url, LOAD).up(to=4)
    app = psycopg.connect(libpq_url(pg_url))
    workout, = app.execute('SELECT "workoutId" FROM "WorkoutExercise" ORDER BY id DESC LIMIT 1').fetchone()
    app.commit()
    children = f"SELECT count(*) FROM \"WorkoutLog\" WHERE id IN (SELECT id FROM \"WorkoutExercise\" WHERE \"workoutId\" = '{workout}')"
    seen: dict[str, int] = {}
    observer = sa.create_engine(pg_url)

    def on_batch(progress) -> None:
        if not seen:  # after the first batch: the app deletes the workout whose rows come last, and waits
            app.execute('DELETE FROM "Workout" WHERE id = %s', (workout,))
            seen["deleting"] = 1
        elif progress.pending and "pending" not in seen:
            seen["pending"] = progress.pending
            with observer.connect() as conn:
                seen["copied while held"] = conn.exec_driver_sql(children).scalar_one()
            app.rollback()

    Migrator(GAINGRID, pg_url).up(to=5, batch_size=500, on_backfill=on_batch)
    app.close()
    with observer.connect() as conn:
        missing = conn.exec_driver_sql('SELECT count(*) FROM "WorkoutExercise" s WHERE NOT EXISTS '
                                       '(SELECT 1 FROM "WorkoutLog" l WHERE l.id = s.id)').scalar_one()
        pending = conn.exec_driver_sql("SELECT count(*) FROM gaingrid_migrate.pending").scalar_one()
        copied = conn.exec_driver_sql(children).scalar_one()
    observer.dispose()
    assert seen.get("pending", 0) > 0 and seen["copied while held"] == 0
    assert (missing, pending) == (0, 0) and copied > 0


def test_a_target_row_written_while_its_empty_range_is_copied_is_kept_and_the_batch_finishes(pg_url):
    """A batch copies a range the target has no row in without ON CONFLICT. Here a sync write of
    one of its rows is still in flight when the batch reaches that row: the batch waits for it,
    takes the unique violation, copies the range again with the arbiter, and keeps the sync's row."""
    legacy_database(pg_url, LOAD).up(to=4)
    writer = psycopg.connect(libpq_url(pg_url))
    key, = writer.execute('SELECT id FROM "WorkoutExercise" ORDER BY id OFFSET 700 LIMIT 1').fetchone()
    writer.commit()
    setting = engine_writes(WORKOUT_LOG, PostgreSQL().namespace(GAINGRID.namespace))
    seen: dict[str, bool] = {}

    def commit_once_the_batch_waits() -> None:
        deadline = time.monotonic() + 10
        with psycopg.connect(libpq_url(pg_url), autocommit=True) as watcher:
            while time.monotonic() < deadline and not seen.get("batch waited"):
                seen["batch waited"] = watcher.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND query LIKE 'DO $gg$%')").fetchone()[0]
                time.sleep(0.01)
        writer.commit()

    committer = threading.Thread(target=commit_once_the_batch_waits)

    def on_batch(progress) -> None:
        if not seen:  # after the first 500 rows: the sync writes row 701, the next batch's, and has not committed
            writer.execute(f"SET LOCAL {setting} = 'on'")  # as the sync's own writes do: no mirroring back
            writer.execute(
                'INSERT INTO "WorkoutLog" (id, "userId", "exerciseId", date, sets, reps, weight, "durationMinutes", '
                'notes, "createdAt", "updatedAt", mood) SELECT s.id, w."userId", s."exerciseId", w.date, s.sets, '
                's.reps, s.weight, s.time, s.notes, s."createdAt", s."updatedAt", \'written by the sync\' '
                'FROM "WorkoutExercise" s JOIN "Workout" w ON w.id = s."workoutId" WHERE s.id = %s', (key,))
            seen["batch waited"] = False
            committer.start()

    try:
        Migrator(GAINGRID, pg_url).up(to=5, batch_size=500, on_backfill=on_batch)
    finally:
        if committer.is_alive() or not seen:
            committer.join() if committer.is_alive() else writer.rollback()
        writer.close()
    observer = sa.create_engine(pg_url)
    with observer.connect() as conn:
        mood = conn.exec_driver_sql(f"SELECT mood FROM \"WorkoutLog\" WHERE id = '{key}'").scalar_one()
        missing = conn.exec_driver_sql('SELECT count(*) FROM "WorkoutExercise" s WHERE NOT EXISTS '
                                       '(SELECT 1 FROM "WorkoutLog" l WHERE l.id = s.id)').scalar_one()
        left = conn.exec_driver_sql("SELECT count(*) FROM gaingrid_migrate.pending").scalar_one()
    observer.dispose()
    assert seen["batch waited"], "the batch never waited on the sync's uncommitted row"
    assert (mood, missing, left) == ("written by the sync", 0, 0)


# -- pacing ---------------------------------------------------------------------------------

def test_the_backfill_backs_off_while_app_sessions_wait_on_locks_and_says_so(pg_url):
    """From the first batch on, one app session holds a row and another waits for it: the backfill
    backs off and says why. Once they are gone (before the keys are added) it stops backing off."""
    legacy_database(pg_url, LOAD).up(to=4)
    holder, waiter = _two_sessions(pg_url)
    user, = holder.execute('SELECT id FROM "User" LIMIT 1').fetchone()
    holder.commit()
    blocked = threading.Thread(target=lambda: waiter.execute('UPDATE "User" SET name = \'next\' WHERE id = %s', (user,)))
    notes: list[str | None] = []

    def release() -> None:
        if blocked.is_alive() or notes[:1]:
            holder.rollback()
            blocked.join()
            waiter.rollback()

    def on_batch(progress) -> None:
        notes.append(progress.note)
        if len(notes) == 1:
            holder.execute('UPDATE "User" SET name = \'held\' WHERE id = %s', (user,))
            blocked.start()
            time.sleep(0.3)  # until the waiter is queued behind the holder
        elif len(notes) == 4:
            release()

    with holder, waiter:
        try:
            Migrator(GAINGRID, pg_url).up(to=5, batch_size=100, throttle=Throttle(max_lock_waiters=0),
                                          on_backfill=on_batch)
        finally:
            if len(notes) < 4:
                release()
    assert len(notes) > 5
    assert all(n and "backing off" in n and "1 app sessions waiting on locks" in n for n in notes[1:4])
    assert all("1 session blocked on locks, the longest for" in n for n in notes[1:4])  # the progress output shows it
    assert not any(notes[5:])


def test_a_pause_between_batches_is_taken_after_every_batch(sqlite_url):
    legacy_database(sqlite_url, LOAD).up(to=4)
    throttle = Throttle(delay=0.01)
    batches: list[int] = []
    Migrator(GAINGRID, sqlite_url).up(to=5, batch_size=1000, throttle=throttle,
                                      on_backfill=lambda p: batches.append(p.done))
    assert len(set(batches)) >= 4 and throttle.paused == pytest.approx(0.01 * len(set(batches)))  # once a batch
