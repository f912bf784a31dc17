"""Every phase goes up, down and up again, on both databases, with data in
every table, and no row is lost or changed on the way (pgroll's harness)."""
from __future__ import annotations

import pytest

from gaingrid.phases import GAINGRID
from phased.declare.errors import MigrateError
from phased.state.state import read_state
from tests.harness import (
    engine_for,
    legacy_database,
    restricted,
    scalar,
    snapshot,
    unenforced,
    write_new_app_data,
)


def test_every_phase_up_down_up_keeps_every_row(db_url: str) -> None:
    migrator = legacy_database(db_url)
    engine = engine_for(migrator)
    try:
        legacy = snapshot(engine)
        assert legacy["WorkoutExercise"], "the harness needs data"
        for n in range(2, 8):
            before = snapshot(engine)
            migrator.up(to=n)
            after_up = snapshot(engine)
            # Every row present before is present and unchanged (WorkoutExercise leaves only at 7, archived).
            expected = {t: rows for t, rows in before.items() if not (n == 7 and t == "WorkoutExercise")}
            assert restricted(after_up, expected) == expected, f"phase {n} up changed existing rows"

            write_new_app_data(engine, n)
            written = snapshot(engine)
            migrator.down(to=n - 1)
            # Down keeps every row the lower phase can hold, as it is now: at 5, the logs the new app
            # wrote stay visible to the legacy app (the two-way sync put them in WorkoutExercise).
            expected = before if n == 7 else restricted(written, before)
            assert snapshot(engine) == expected, f"phase {n} down did not keep what phase {n - 1} can hold"
            if n == 5:
                assert {f"log-{i}" for i in range(3)} <= set(expected["WorkoutExercise"])
            migrator.up(to=n)
            assert snapshot(engine) == written, f"phase {n} up again lost what phase {n} held"
            if n == 6:
                at_six = written

        migrator.down(to=1)
        assert snapshot(engine) == restricted(at_six, legacy)
        migrator.up()
        with engine.connect() as conn:
            assert read_state(GAINGRID, conn).recorded.number == 6
        assert snapshot(engine) == at_six, "down to 1 and up again lost or changed a row of phase 6"
    finally:
        engine.dispose()


def test_a_phase_that_fails_is_rolled_back_whole(db_url: str) -> None:
    """Phase 7 down rebuilds WorkoutExercise from WorkoutLog; a log whose exercise is gone (planted
    behind the keys' back) cannot go back, and the database stays at phase 7 with the archive intact."""
    migrator = legacy_database(db_url)
    engine = engine_for(migrator)
    try:
        migrator.up(to=7)
        unenforced(migrator, """UPDATE "WorkoutLog" SET "exerciseId" = 'no-such-exercise'
                                WHERE id = (SELECT min(id) FROM "WorkoutLog")""")
        at_seven = snapshot(engine)
        with pytest.raises(MigrateError, match="phase 7"):
            migrator.down(to=6)
        with engine.connect() as conn:
            assert read_state(GAINGRID, conn).recorded.number == 7
            archive = '"gaingrid_migrate"."archive_7_WorkoutExercise"' if conn.dialect.name == "postgresql" \
                else '"gaingrid_migrate_archive_7_WorkoutExercise"'
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {archive}").scalar_one() > 0
        assert snapshot(engine) == at_seven
    finally:
        engine.dispose()


def test_up_refuses_a_database_that_drifted_from_its_phase(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=3)
    engine = engine_for(migrator)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql('ALTER TABLE "User" ADD COLUMN "nickname" TEXT')
        with pytest.raises(MigrateError, match="drift"):
            migrator.up()
        with engine.connect() as conn:
            state = read_state(GAINGRID, conn)
        assert state.recorded.number == 3
        assert any("nickname" in d for d in state.differences)
    finally:
        engine.dispose()


def test_migration_never_cascades_into_workout_exercise_on_sqlite(sqlite_url: str) -> None:
    """SQLite rebuilds Exercise in phase 4 (copy, drop, rename): with foreign keys
    enforced, dropping the old table would fail or cascade. The engine turns
    enforcement off for the rebuild and checks every key before it commits."""
    migrator = legacy_database(sqlite_url)
    engine = engine_for(migrator)
    try:
        count = lambda: scalar(engine, 'SELECT count(*) FROM "WorkoutExercise"')  # noqa: E731
        before = count()
        migrator.up(to=4)
        migrator.down(to=3)
        migrator.up(to=4)
        assert count() == before
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1, "the app's connections keep enforcement"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()
