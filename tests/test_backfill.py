"""Phase 5's data migration: exact, online (legacy writes mirrored while it
runs), resumable after a crash, and never dropping a row silently."""
from __future__ import annotations

import random
import threading
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

import phased
from gaingrid.data.demo_data import DemoDataOptions
from gaingrid.phases import GAINGRID, WORKOUT_LOG
from phased import dialects
from phased.dialects import engines
from phased.dialects.backfill_sql import BackfillSQL
from phased.dialects.sqlite_reverse import insert_trigger
from tests.harness import engine_for, legacy_database, scalar

# The mapping, written out independently of the engine's SQL.
EXPECTED = (
    'SELECT s.id, w."userId", s."exerciseId", w.date, s.sets, s.reps, s.weight, s.time AS "durationMinutes", '
    'NULL AS rating, NULL AS mood, s.notes, s."createdAt", s."updatedAt" '
    'FROM "WorkoutExercise" s JOIN "Workout" w ON w.id = s."workoutId"'
)
ACTUAL = ('SELECT id, "userId", "exerciseId", date, sets, reps, weight, "durationMinutes", rating, mood, notes, '
          '"createdAt", "updatedAt" FROM "WorkoutLog"')


def rows(conn: sa.Connection, query: str) -> dict[str, tuple]:
    return {r[0]: tuple(r) for r in conn.exec_driver_sql(query)}


def assert_logs_mirror_legacy(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        expected, actual = rows(conn, EXPECTED), rows(conn, ACTUAL)
    missing = expected.keys() - actual.keys()
    extra = actual.keys() - expected.keys()
    wrong = [k for k in expected.keys() & actual.keys() if expected[k] != actual[k]]
    assert not missing and not extra and not wrong, (
        f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} differing; "
        f"first differing: {[(expected[k], actual[k]) for k in wrong[:2]]}")


def test_backfill_maps_every_row_exactly(db_url: str) -> None:
    migrator = legacy_database(db_url)
    results = migrator.up(to=5, batch_size=37)
    engine = engine_for(migrator)
    try:
        assert_logs_mirror_legacy(engine)
        with engine.connect() as conn:
            count = conn.exec_driver_sql('SELECT count(*) FROM "WorkoutExercise"').scalar_one()
        assert results[-1].rows_moved == count
        assert migrator.status().differences == []
    finally:
        engine.dispose()


def test_the_target_has_planner_statistics_once_its_backfill_is_done_on_postgresql(pg_url: str) -> None:
    """The verification and the keys that follow are planned for the rows the table now has,
    not for the empty table it was (autovacuum may take a minute to get to it)."""
    migrator = legacy_database(pg_url)
    migrator.up(to=5)
    engine = engine_for(migrator)
    with engine.connect() as conn:
        analyzed, tuples = conn.exec_driver_sql(
            "SELECT s.last_analyze IS NOT NULL, c.reltuples FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relname = 'WorkoutLog'").one()
        rows = conn.exec_driver_sql('SELECT count(*) FROM "WorkoutLog"').scalar_one()
    engine.dispose()
    assert analyzed and tuples == rows > 0


class LegacyApp:
    """The old app, still writing through its own connections while the migration runs."""

    def __init__(self, url: sa.URL, seed: int) -> None:
        self.engine = engines.create_engine(url)
        self.rng = random.Random(seed)
        self.applied = 0

    def _ids(self, conn: sa.Connection, table: str) -> list[str]:
        return [r[0] for r in conn.exec_driver_sql(f'SELECT id FROM "{table}" ORDER BY id')]

    def one_write(self) -> None:
        now = datetime(2026, 8, 1) + timedelta(seconds=self.rng.randint(0, 10**6))
        op = self.rng.choice(["insert"] * 3 + ["update"] * 3 + ["delete", "move_workout", "redate_workout", "drop_workout"])
        with self.engine.begin() as conn:
            workouts = self._ids(conn, "Workout")
            exercises = self._ids(conn, "WorkoutExercise")
            if op == "insert" or not exercises:
                exercise = conn.exec_driver_sql('SELECT id FROM "Exercise" ORDER BY id LIMIT 1').scalar_one()
                conn.execute(sa.text(
                    'INSERT INTO "WorkoutExercise" (id, "workoutId", "exerciseId", sets, reps, weight, time, notes, '
                    '"createdAt", "updatedAt") VALUES (:id, :w, :e, 3, 8, 60.5, NULL, :n, :t, :t)'),
                    dict(id="c" + uuid.UUID(int=self.rng.getrandbits(128)).hex[:24], w=self.rng.choice(workouts),
                         e=exercise, n="während ✓", t=now))
            elif op == "update":
                conn.execute(sa.text('UPDATE "WorkoutExercise" SET reps = reps + 1, weight = :wt, notes = :n, '
                                     '"updatedAt" = :t WHERE id = :id'),
                             dict(wt=self.rng.choice([None, 42.25]), n="edited", t=now, id=self.rng.choice(exercises)))
            elif op == "delete":
                conn.execute(sa.text('DELETE FROM "WorkoutExercise" WHERE id = :id'), dict(id=self.rng.choice(exercises)))
            elif op == "move_workout":
                user = self.rng.choice(self._ids(conn, "User"))
                conn.execute(sa.text('UPDATE "Workout" SET "userId" = :u WHERE id = :id'),
                             dict(u=user, id=self.rng.choice(workouts)))
            elif op == "redate_workout":
                conn.execute(sa.text('UPDATE "Workout" SET date = :d WHERE id = :id'),
                             dict(d=now, id=self.rng.choice(workouts)))
            elif op == "drop_workout" and len(workouts) > 5:
                conn.execute(sa.text('DELETE FROM "Workout" WHERE id = :id'), dict(id=self.rng.choice(workouts)))
        self.applied += 1

    def run(self, stop: threading.Event, minimum: int) -> None:
        while not stop.is_set() or self.applied < minimum:
            try:
                self.one_write()
            except IntegrityError:  # it raced the other app's delete of that workout: the write failed whole
                pass
            except DBAPIError as exc:  # a deadlock victim or busy database: the app's write failed whole
                if "deadlock" not in str(exc) and "locked" not in str(exc):
                    raise


def test_concurrent_legacy_writes_during_the_backfill_are_mirrored(db_url: str) -> None:
    migrator = legacy_database(db_url, DemoDataOptions(seed=5, users=6, workouts_per_user=12, exercises_per_workout=5,
                                                       months=3, exercises=40))
    migrator.up(to=4)
    apps = [LegacyApp(migrator.url, seed) for seed in (1, 2)]
    stop = threading.Event()
    threads = [threading.Thread(target=app.run, args=(stop, 40)) for app in apps]
    seen_batches: list[int] = []
    for t in threads:
        t.start()
    try:
        migrator.up(to=5, batch_size=10, on_backfill=lambda p: seen_batches.append(p.done))
    finally:
        stop.set()
        for t in threads:
            t.join()
    engine = engine_for(migrator)
    try:
        assert_logs_mirror_legacy(engine)
        assert len(seen_batches) > 5, "the backfill ran in several batches"
        assert all(app.applied >= 40 for app in apps)
        # The transition continues: writes after the backfill are mirrored too.
        for _ in range(30):
            apps[0].one_write()
        assert_logs_mirror_legacy(engine)
    finally:
        engine.dispose()
        for app in apps:
            app.engine.dispose()


class Crash(Exception):
    pass


@pytest.mark.parametrize("seed", [3, 8])
def test_a_backfill_interrupted_at_random_batches_resumes_to_the_same_result(db_url: str, seed: int) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=4)
    rng = random.Random(seed)
    crashes = 0

    def crash_sometimes(progress) -> None:
        if not progress.finished and rng.random() < 0.3:
            raise Crash

    while True:
        try:
            if crashes == 0:
                migrator.up(to=5, batch_size=17, on_backfill=crash_sometimes)
            else:
                migrator.backfill(batch_size=rng.choice([5, 17, 40]), on_backfill=crash_sometimes)
            break
        except Crash:
            crashes += 1
    assert crashes >= 1
    engine = engine_for(migrator)
    try:
        assert_logs_mirror_legacy(engine)
        assert migrator.status().differences == []
    finally:
        engine.dispose()


def test_phase_5_down_removes_the_sync_and_phase_7_retires_it(db_url: str) -> None:
    migrator = legacy_database(db_url)
    engine = engine_for(migrator)
    count_triggers = {
        "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal",
    }[engine.dialect.name]
    triggers = lambda: scalar(engine, count_triggers)  # noqa: E731
    try:
        migrator.up(to=5)
        assert triggers() > 0
        migrator.down(to=4)
        assert triggers() == 0
        migrator.up(to=7)
        assert triggers() == 0
        migrator.down(to=6)
        assert triggers() > 0
        assert_logs_mirror_legacy(engine)
    finally:
        engine.dispose()


def test_a_sqlite_batch_reads_only_its_own_key_range(sqlite_url: str) -> None:
    """Each batch must drive from the source's key range. With no statistics, SQLite once drove from
    Workout through the two-way sync's index on ("userId", "date"): every batch read every workout,
    and phase 5 took 36 s instead of 3 on a million rows."""
    migrator = legacy_database(sqlite_url)
    migrator.up(to=5)
    sql = BackfillSQL(WORKOUT_LOG, dialects.of("sqlite"), phased.namespace(GAINGRID.namespace, "sqlite"))
    engine = engine_for(migrator)
    try:
        with engine.connect() as conn:
            plan = [r[3] for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql.insert_missing(sql.range_where(True, True)).replace(":lo", "'a'")
                .replace(":hi", "'b'")).all()]
    finally:
        engine.dispose()
    assert plan[0].startswith("SEARCH s USING INDEX") and "id>? AND id<?" in plan[0], plan
    assert any(p.startswith("SEARCH w USING INDEX sqlite_autoindex_Workout_1 (id=?)") for p in plan), plan


def test_a_sqlite_batch_inserts_without_the_reverse_insert_trigger_and_puts_it_back(sqlite_url: str) -> None:
    """Each row a batch copies has its source, so the reverse sync's insert trigger would do nothing
    for it; merely firing it cost SQLite about 40% of the insert. The batch sets it aside for its
    insert, in its own transaction, and puts back exactly what was installed."""
    migrator = legacy_database(sqlite_url)
    ns = phased.namespace(GAINGRID.namespace, "sqlite")
    name = insert_trigger(WORKOUT_LOG, ns)
    seen: list[int] = []

    def trigger_present(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith('INSERT INTO "WorkoutLog"'):
            seen.append(cursor.connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)).fetchone()[0])

    sa.event.listen(sa.Engine, "before_cursor_execute", trigger_present)
    try:
        migrator.up(to=5)
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", trigger_present)
    assert seen and set(seen) == {0}, seen
    rendered = next(o.create for o in dialects.of("sqlite").sync_objects(WORKOUT_LOG, ns) if o.name == name)
    engine = engine_for(migrator)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar() == rendered
    finally:
        engine.dispose()
    assert migrator.verify().ok
