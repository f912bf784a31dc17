"""A rollback from any phase loses nothing and brings nothing back: archives are reconciled with
what the app did while a phase was down, and phase 7's down starts from WorkoutLog as it is."""
from __future__ import annotations

import re

from tests.harness import engine_for, legacy_database, scalar


def failures(migrator, *, strict: bool = True) -> list[str]:
    result = migrator.verify(strict=strict)  # strict: no --allow-writes
    return [f"{c.name}: {c.detail}" for c in result.checks if not (c.ok or c.warning)]


def reconciled(migrator) -> list[dict]:
    return migrator.history()[-1].details.get("reconciled", [])


def test_a_log_whose_source_was_deleted_while_phase_5_was_down_is_not_brought_back(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=6)
    engine = engine_for(migrator)
    try:
        with engine.begin() as conn:  # the new app rates an entry (what only the new shape holds)
            conn.exec_driver_sql('UPDATE "WorkoutLog" SET rating = 4 WHERE id = (SELECT max(id) FROM "WorkoutLog")')
        rated = scalar(engine, 'SELECT id FROM "WorkoutLog" WHERE rating = 4')
        migrator.down(to=4)
        workout = scalar(engine, 'SELECT "workoutId" FROM "WorkoutExercise" ORDER BY id LIMIT 1')
        entries = scalar(engine, f"SELECT count(*) FROM \"WorkoutExercise\" WHERE \"workoutId\" = '{workout}'")
        with engine.begin() as conn:  # the legacy app deletes a workout and, by cascade, its entries
            conn.exec_driver_sql(f"DELETE FROM \"WorkoutExercise\" WHERE \"workoutId\" = '{workout}'")
            conn.exec_driver_sql(f"DELETE FROM \"Workout\" WHERE id = '{workout}'")
        migrator.up(to=6)
        assert scalar(engine, 'SELECT count(*) FROM "WorkoutLog"') == scalar(engine, 'SELECT count(*) FROM "WorkoutExercise"')
        assert scalar(engine, f"SELECT rating FROM \"WorkoutLog\" WHERE id = '{rated}'") == 4
        assert failures(migrator) == []
        up5 = next(e for e in migrator.history() if e.phase == 5 and e.direction == "up" and "reconciled" in e.details)
        assert up5.details["reconciled"] == [{"archive": "5", "table": "WorkoutLog",
                                              "dropped, id names no WorkoutExercise": entries}]
    finally:
        engine.dispose()


def test_phase_3_goes_up_again_after_a_user_with_a_plan_was_deleted_while_it_was_down(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=3)
    engine = engine_for(migrator)
    try:
        user = scalar(engine, 'SELECT id FROM "User" ORDER BY id LIMIT 1')
        with engine.begin() as conn:
            conn.exec_driver_sql('INSERT INTO "TrainingPlan" (id, "userId", name, status, "createdAt", "updatedAt") '
                                 f"VALUES ('plan-1', '{user}', 'Base', 'ACTIVE', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
            conn.exec_driver_sql('INSERT INTO "Reminder" (id, "userId", "trainingPlanId", time, frequency, active, '
                                 f"\"createdAt\", \"updatedAt\") VALUES ('rem-1', '{user}', 'plan-1', CURRENT_TIMESTAMP, "
                                 "'DAILY', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
        migrator.down(to=2)
        with engine.begin() as conn:  # the legacy app deletes the user and what is theirs
            conn.exec_driver_sql(f"DELETE FROM \"WorkoutExercise\" WHERE \"workoutId\" IN "
                                 f"(SELECT id FROM \"Workout\" WHERE \"userId\" = '{user}')")
            conn.exec_driver_sql(f"DELETE FROM \"Workout\" WHERE \"userId\" = '{user}'")
            conn.exec_driver_sql(f"DELETE FROM \"User\" WHERE id = '{user}'")
        migrator.up(to=3)
        assert scalar(engine, 'SELECT count(*) FROM "TrainingPlan"') == 0
        assert scalar(engine, 'SELECT count(*) FROM "Reminder"') == 0
        assert reconciled(migrator) == [
            {"archive": "3", "table": "TrainingPlan", "dropped, userId names no User": 1},
            {"archive": "3", "table": "Reminder", "dropped, userId names no User": 1}]
        assert failures(migrator, strict=False) == []  # the legacy app deleted a user: legacy data changed
    finally:
        engine.dispose()


def test_phase_7_down_carries_back_what_was_written_at_phase_7(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=7)
    engine = engine_for(migrator)
    try:
        with engine.connect() as conn:
            edited, deleted, template = [r[0] for r in conn.exec_driver_sql('SELECT id FROM "WorkoutLog" ORDER BY id LIMIT 3')]
        with engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE \"WorkoutLog\" SET weight = 150 WHERE id = '{edited}'")
            conn.exec_driver_sql(f"DELETE FROM \"WorkoutLog\" WHERE id = '{deleted}'")
            conn.exec_driver_sql(  # a new log on a day with no workout
                'INSERT INTO "WorkoutLog" (id, "userId", "exerciseId", date, sets, reps, "createdAt", "updatedAt") '
                "SELECT 'new-at-7', \"userId\", \"exerciseId\", '2031-01-02 07:00:00', 2, 8, \"createdAt\", \"updatedAt\" "
                f"FROM \"WorkoutLog\" WHERE id = '{template}'")
            # and a workout the legacy app no longer has: its logs stay, so it comes back for them
            conn.exec_driver_sql('DELETE FROM "Workout" WHERE id = (SELECT min(id) FROM "Workout")')
        logs = scalar(engine, 'SELECT count(*) FROM "WorkoutLog"')
        migrator.down(to=6)
        assert scalar(engine, 'SELECT count(*) FROM "WorkoutExercise"') == logs
        assert scalar(engine, f"SELECT weight FROM \"WorkoutExercise\" WHERE id = '{edited}'") == 150
        assert scalar(engine, f"SELECT count(*) FROM \"WorkoutExercise\" WHERE id = '{deleted}'") == 0
        assert scalar(engine, 'SELECT count(*) FROM "WorkoutExercise" AS e JOIN "Workout" AS w ON w.id = e."workoutId" '
                              "WHERE e.id = 'new-at-7'") == 1
        assert failures(migrator) == []
    finally:
        engine.dispose()


def test_a_password_rehashed_at_login_is_not_drift(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=6)
    engine = engine_for(migrator)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("""UPDATE "User" SET password = '$argon2id$v=19$rehashed', "updatedAt" = CURRENT_TIMESTAMP
                                    WHERE id = (SELECT min(id) FROM "User")""")
        assert failures(migrator) == []
        with engine.begin() as conn:  # any other legacy column is still watched
            conn.exec_driver_sql("""UPDATE "User" SET email = 'changed@example.com' WHERE id = (SELECT min(id) FROM "User")""")
        assert [f.split(":")[0] for f in failures(migrator)] == ["legacy data untouched"]
    finally:
        engine.dispose()


def test_the_reverse_sync_missing_fails_verification(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=6)
    engine = engine_for(migrator)
    try:
        trigger = "gaingrid_migrate_workout_log_rev"
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f'DROP TRIGGER "{trigger}" ON "WorkoutLog"')
            else:
                trigger += "_upd"
                conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
        (failed,) = [c for c in migrator.verify().checks if not (c.ok or c.warning)]
        assert failed.name == "workout_log: sync installed" and trigger in failed.detail
    finally:
        engine.dispose()


def _rebuild_statements(sql: str) -> list[str]:
    """Phase 7's down's two rebuild statements, out of the rendered script (PostgreSQL wraps the one that
    reads the archive in a DO block that runs it only where the archive exists; SQLite in a comment)."""
    out = []
    for line in sql.splitlines():
        for head in ('INSERT INTO "Workout" (', 'INSERT INTO "WorkoutExercise" ('):
            if head in line and "TRIGGER" not in line and "FUNCTION" not in line:
                statement = line[line.index(head):]
                if "EXECUTE '" in line:
                    statement = statement.split("'; ", 1)[0].replace("''", "'")
                out.append(statement.split("; ", 1)[0].rstrip(";"))  # SQLite's line goes on to drop the archive
    return out


def test_phase_7s_down_rebuilds_with_joins_not_a_lookup_per_row(db_url: str) -> None:
    """The rebuild must stay set-based: a subquery per log, on the unindexed archive or on parents whose
    sync index phase 7 dropped, took past the 30 s statement timeout at 200k rows on PostgreSQL and
    over 30 minutes at a million on SQLite. Read from each database's own plan of the statements."""
    migrator = legacy_database(db_url)
    migrator.up(to=7)
    rebuild = _rebuild_statements(migrator.render_sql(migrator.plan(to=6, down=True)))
    assert len(rebuild) == 2, rebuild
    archive = re.search(r"LEFT JOIN (\S+) AS a ", rebuild[1]).group(1)
    postgres = db_url.startswith("postgresql")
    engine = engine_for(migrator)
    try:
        with engine.connect() as conn:
            # The table the rebuild fills is gone at phase 7: a temporary one of its shape stands in.
            conn.exec_driver_sql(f'CREATE TEMP TABLE "WorkoutExercise" AS SELECT * FROM {archive} WHERE 1 = 0')
            for statement in rebuild:
                plan = " | ".join(str(r[-1]) for r in conn.exec_driver_sql(
                    ("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement))
                assert ("SubPlan" not in plan) if postgres else ("CORRELATED" not in plan), (statement[:80], plan)
            conn.rollback()
    finally:
        engine.dispose()
