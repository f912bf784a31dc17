"""Verification names exactly what differs; the ledger records every run;
rehearse proves the migration on a clone without writing to the source."""
from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import phased
from gaingrid.cli import app
from gaingrid.data.demo_data import DemoDataOptions
from gaingrid.phases import GAINGRID, WORKOUT_LOG
from phased.declare.errors import MigrateError
from phased.dialects import engines
from phased.lifecycle.commands import Migrator
from phased.lifecycle.rehearse import rehearse
from phased.state import ledger
from phased.state.state import live_shape, namespace_for
from phased.verification import compare
from phased.verification.parallel import Readers
from tests.harness import behind_the_sync, engine_for, legacy_database, snapshot

MILLION = DemoDataOptions(seed=1, users=1334, workouts_per_user=150, exercises_per_workout=5, months=12)
THOUSANDS = DemoDataOptions(seed=2, users=12, workouts_per_user=50, exercises_per_workout=5, months=6, exercises=200)


def plant_differences(engine: sa.Engine) -> dict[str, str]:
    """One changed field in one row, one missing row, one extra row (behind the two-way sync's back)."""
    with engine.begin() as conn, behind_the_sync(conn):
        ids = [r[0] for r in conn.exec_driver_sql('SELECT id FROM "WorkoutLog" ORDER BY id LIMIT 3 OFFSET 500')]
        changed, missing, template = ids
        conn.exec_driver_sql(f"UPDATE \"WorkoutLog\" SET reps = reps + 1 WHERE id = '{changed}'")
        conn.exec_driver_sql(f"DELETE FROM \"WorkoutLog\" WHERE id = '{missing}'")
        conn.exec_driver_sql(
            'INSERT INTO "WorkoutLog" (id, "userId", "exerciseId", date, sets, reps, "createdAt", "updatedAt") '
            f"SELECT 'planted-extra', \"userId\", \"exerciseId\", date, 1, 1, \"createdAt\", \"updatedAt\" "
            f"FROM \"WorkoutLog\" WHERE id = '{template}'")
    return {"changed": changed, "missing": missing, "extra": "planted-extra"}


def failed(result) -> dict[str, object]:
    return {c.name: c for c in result.checks if not c.ok}


def assert_names_exactly(result, planted: dict[str, str]) -> None:
    bad = failed(result)
    assert not result.ok
    assert set(bad) == {"workout_log: every row matches its source", "workout_log: no row missing",
                        "workout_log: no extra row", "workout_log: counts reconcile"}
    (row,) = bad["workout_log: every row matches its source"].data["rows"]
    assert row["key"] == planted["changed"] and list(row["fields"]) == ["reps"]
    expected, actual = row["fields"]["reps"]
    assert actual == expected + 1
    assert bad["workout_log: no row missing"].data["keys"] == [planted["missing"]]
    assert bad["workout_log: no extra row"].data["keys"] == [planted["extra"]]


def test_verify_names_exactly_the_planted_differences_on_sqlite(sqlite_url: str) -> None:
    migrator = legacy_database(sqlite_url, THOUSANDS)
    migrator.up()
    assert migrator.verify().ok
    engine = engine_for(migrator)
    planted = plant_differences(engine)
    engine.dispose()
    assert_names_exactly(migrator.verify(), planted)
    out = CliRunner().invoke(app, ["migrate", "verify", "--json", "--database-url", sqlite_url])
    assert out.exit_code == 1
    report = json.loads(out.stdout)
    assert report["ok"] is False and report["phase"] == 6
    human = CliRunner().invoke(app, ["migrate", "verify", "--database-url", sqlite_url])
    assert human.exit_code == 1 and planted["changed"] in human.output and "planted-extra" in human.output


@pytest.mark.slow
def test_verify_finds_one_changed_field_among_a_million_rows_on_postgresql(pg_url: str) -> None:
    migrator = legacy_database(pg_url, MILLION)
    migrator.up()
    engine = engine_for(migrator)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql('SELECT count(*) FROM "WorkoutLog"').scalar_one() > 990_000
        planted = plant_differences(engine)
    finally:
        engine.dispose()
    assert_names_exactly(migrator.verify(), planted)


def test_verify_on_several_connections_finds_exactly_what_one_connection_finds(db_url: str) -> None:
    migrator = legacy_database(db_url, THOUSANDS)
    migrator.up()
    engine = engine_for(migrator)
    planted = plant_differences(engine)
    engine.dispose()
    one, three = Migrator(GAINGRID, db_url, jobs=1).verify(), Migrator(GAINGRID, db_url, jobs=3).verify()
    assert_names_exactly(three, planted)
    assert [(c.name, c.ok, c.detail, c.data) for c in one.checks] == \
        [(c.name, c.ok, c.detail, c.data) for c in three.checks]


def test_key_ranges_from_postgres_statistics_cover_every_row(pg_url: str) -> None:
    migrator = legacy_database(pg_url, THOUSANDS)
    migrator.up()
    engine = engine_for(migrator)
    planted = plant_differences(engine)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql('ANALYZE "WorkoutExercise"')
            total = conn.exec_driver_sql('SELECT count(*) FROM "WorkoutExercise"').scalar_one()
            cut = compare.ranges(conn, WORKOUT_LOG, chunk=total // 8)
            assert 6 <= len(cut) <= 10 and all(r.rows is None for r in cut)  # from the histogram, not a walk
            ns = namespace_for(GAINGRID, conn)
            parts = [compare.compare_range(conn, ns, WORKOUT_LOG, r) for r in cut]
            assert sum(p.source_rows for p in parts) == total
            result = compare.merge(compare.totals(conn, ns, WORKOUT_LOG), parts)
            assert (result.differing, result.missing, result.extra) == (1, 1, 1)
            assert result.differing_rows[0]["key"] == planted["changed"]
            assert result.missing_keys == [planted["missing"]] and result.extra_keys == [planted["extra"]]
    finally:
        engine.dispose()


def test_a_range_comparison_looks_each_parent_up_by_key_on_postgresql(pg_url: str) -> None:
    """A range's rows join a few of the many workouts. Left to itself, the planner hashed the whole
    Workout table for every range: 100 ranges read it 100 times, and verifying 10M rows took 87 s.
    The plan is read on the comparison's own connection, as compare_range ran it."""
    migrator = legacy_database(pg_url, THOUSANDS)
    migrator.up(to=5)
    engine = engine_for(migrator)
    plans: list[str] = []

    def explain(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FULL OUTER JOIN" in statement:
            plans.append("\n".join(r[0] for r in cursor.connection.execute("EXPLAIN " + statement, parameters)))

    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            sa.event.listen(conn, "after_cursor_execute", explain)
            ns = namespace_for(GAINGRID, conn)
            cut = compare.ranges(conn, WORKOUT_LOG, chunk=500)
            parts = [compare.compare_range(conn, ns, WORKOUT_LOG, r) for r in cut]
            assert sum(p.migrated for p in parts) == sum(p.source_rows for p in parts) > 0
    finally:
        engine.dispose()
    assert len(plans) == len(cut)
    for plan in plans:
        assert 'Index Scan using "Workout_pkey" on "Workout"' in plan, plan
        assert 'Seq Scan on "Workout"' not in plan and "Hash" not in plan, plan


def test_parallel_readers_keep_task_order_and_raise_the_first_failure(db_url: str) -> None:
    engine = engines.create_engine(engines.parse_url(db_url))
    try:
        with engine.connect() as conn, conn.begin():
            readers = Readers(conn, engine, 3)
            assert readers.map([lambda c, i=i: c.exec_driver_sql(f"SELECT {i}").scalar() for i in range(7)]) == \
                list(range(7))

            def boom(c: sa.Connection) -> None:
                raise RuntimeError("task failed")
            with pytest.raises(RuntimeError, match="task failed"):
                readers.map([lambda c: 1, boom, lambda c: 2])
    finally:
        engine.dispose()


def test_sqlite_in_wal_mode_reads_on_one_connection(sqlite_url: str) -> None:
    engine = engines.create_engine(engines.parse_url(sqlite_url))
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection  # outside a transaction, as the mode switch needs
            driver.execute("PRAGMA journal_mode=WAL")
            with conn.begin():
                assert Readers(conn, engine, 4)._open_extra(3) == []
            driver.execute("PRAGMA journal_mode=DELETE")
            with conn.begin():
                extra = Readers(conn, engine, 4)._open_extra(3)
                assert len(extra) == 3
                for c in extra:
                    c.close()
    finally:
        engine.dispose()


def test_sqlite_readers_do_not_deadlock_with_a_writer_waiting_to_commit(sqlite_url: str) -> None:
    """A writer waiting for our shared lock keeps new readers out: read on fewer connections, not wait for it."""
    engine = engines.create_engine(engines.parse_url(sqlite_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    committed = threading.Event()

    def writer() -> None:
        with engine.begin() as conn:  # its commit waits until our read transaction ends
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        committed.set()

    try:
        with engine.connect() as conn:
            with conn.begin():
                assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0  # the shared lock
                thread = threading.Thread(target=writer)
                thread.start()
                time.sleep(0.5)  # the writer now holds its pending lock
                started = time.perf_counter()
                results = Readers(conn, engine, 3).map([lambda c: c.exec_driver_sql("SELECT count(*) FROM t").scalar()] * 4)
                assert results == [0, 0, 0, 0] and time.perf_counter() - started < 5
                assert not committed.is_set()
            thread.join(timeout=30)
        assert committed.is_set()
    finally:
        engine.dispose()


def test_verify_counts_rows_of_new_tables_that_point_at_nothing(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up()
    postgres = migrator.url.get_backend_name() == "postgresql"
    # SQLite: a connection that does not enforce keys. PostgreSQL: a key that was never validated.
    engine = engines.create_engine(migrator.url, migrating=True)
    with engine.begin() as conn:
        if postgres:
            conn.exec_driver_sql('ALTER TABLE "Reminder" DROP CONSTRAINT "Reminder_userId_fkey"')
        for i in range(2):
            conn.exec_driver_sql(
                'INSERT INTO "Reminder" (id, "userId", time, frequency, "updatedAt") '
                f"VALUES ('orphan-{i}', 'no-such-user', CURRENT_TIMESTAMP, 'DAILY', CURRENT_TIMESTAMP)")
        if postgres:
            conn.exec_driver_sql('ALTER TABLE "Reminder" ADD CONSTRAINT "Reminder_userId_fkey" FOREIGN KEY ("userId") '
                                 'REFERENCES "User"(id) ON DELETE CASCADE ON UPDATE CASCADE NOT VALID')
    engine.dispose()
    check = failed(migrator.verify())["new tables are consistent"]
    assert check.phase == 3 and check.data == {"Reminder_userId_fkey": 2}
    assert check.detail == "Reminder_userId_fkey: 2 orphan rows"


def test_legacy_changes_fail_a_strict_verify_and_warn_when_the_app_writes(db_url: str) -> None:
    migrator = legacy_database(db_url)
    migrator.up()
    engine = engine_for(migrator)
    with engine.begin() as conn:
        conn.exec_driver_sql('UPDATE "User" SET name = \'Renamed\' WHERE id = (SELECT min(id) FROM "User")')
    engine.dispose()
    strict = migrator.verify()
    assert list(failed(strict)) == ["legacy data untouched"]
    assert "User: same row count, but the contents differ" in failed(strict)["legacy data untouched"].detail
    relaxed = migrator.verify(strict=False)
    assert relaxed.ok and any(c.warning for c in relaxed.checks)


def test_the_ledger_records_every_run_and_status_warns_when_a_script_changed(db_url: str, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    migrator = legacy_database(db_url)
    migrator.up(to=3, backup=lambda: "/backups/b1.dump")
    with pytest.raises(MigrateError):
        migrator.down(to=0)
    history = migrator.history()
    ran = [(e.phase, e.direction, e.outcome) for e in history]
    assert ran == [(1, "up", "ok"), (2, "up", "ok"), (3, "up", "ok")]
    assert all(e.backup == "/backups/b1.dump" for e in history[1:])
    assert all(e.script_sha256 and e.operator and e.tool_version for e in history)
    assert history[1].details["verification"]["ok"] is True
    assert migrator.warnings() == []

    # A migration script edited after it ran is flagged, as Flyway and Prisma do.
    from alembic.script import ScriptDirectory

    from phased.schema.alembic_bridge import config
    script = ScriptDirectory.from_config(config(GAINGRID, phased.namespace("x", "sqlite"))).get_revision("0002_extend_user_model")
    copy = tmp_path / "0002.py"
    shutil.copy(script.path, copy)
    monkeypatch.setattr(ledger, "script_sha256",
                        lambda project, phase: "0" * 64 if phase.number == 2 else ledger_sha(project, phase))
    (warning,) = migrator.warnings()
    assert "phase 2 extend_user_model has changed since it was applied" in warning
    result = CliRunner().invoke(app, ["migrate", "history", "--database-url", str(migrator.url)])
    assert result.exit_code == 0 and "up" in result.output


ledger_sha = ledger.script_sha256


def test_a_failed_phase_is_in_the_ledger(sqlite_url: str) -> None:
    migrator = legacy_database(sqlite_url)
    migrator.up(to=7)
    writer = sqlite3.connect(migrator.url.database)  # one that does not enforce WorkoutLog's keys
    writer.execute("""UPDATE "WorkoutLog" SET "exerciseId" = 'no-such-exercise'
                      WHERE id = (SELECT min(id) FROM "WorkoutLog")""")
    writer.commit()
    writer.close()
    with pytest.raises(MigrateError):
        migrator.down(to=6)
    last = migrator.history()[-1]
    assert (last.phase, last.direction, last.outcome) == (6, "down", "failed") and "foreign key" in last.error


def _source_state(url: str):
    engine = engines.create_engine(engines.parse_url(url))
    try:
        with engine.connect() as conn:
            return snapshot(engine), live_shape(GAINGRID, conn)
    finally:
        engine.dispose()


def test_rehearse_runs_everything_on_a_clone_and_never_writes_to_the_source(db_url: str) -> None:
    migrator = legacy_database(db_url)
    before = _source_state(str(migrator.url))
    file_bytes = Path(migrator.url.database).read_bytes() if migrator.url.get_backend_name() == "sqlite" else None
    clones_before = _rehearsal_clones(migrator.url)
    steps = []
    result = rehearse(GAINGRID, migrator.url, on_step=steps.append)
    assert result.ok, result.failure
    assert [s.label for s in result.steps] == ["up", "verify", "down to phase 1", "compare with the source",
                                               "up again", "verify again"]
    assert result.steps[0].rows_moved > 0 and result.steps[0].rows_moved == result.steps[4].rows_moved
    assert _source_state(str(migrator.url)) == before
    assert migrator.status().phase_number == 1 and migrator.history() == migrator.history()[:1]
    if file_bytes is not None:
        assert Path(migrator.url.database).read_bytes() == file_bytes
    else:
        assert result.longest_lock_wait is not None
        assert _rehearsal_clones(migrator.url) == clones_before  # its clone is dropped


def _rehearsal_clones(url) -> set[str]:
    """The server's rehearsal clones (none for SQLite, whose clone is a temporary file)."""
    if url.get_backend_name() == "sqlite":
        return set()
    engine = engines.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE strpos(datname, 'rehearsal') > 0").scalars())
    finally:
        engine.dispose()


def test_rehearse_clones_a_source_the_app_is_connected_to(pg_url: str) -> None:
    """CREATE DATABASE … TEMPLATE refuses a source in use: the clone is filled from a backup instead."""
    migrator = legacy_database(pg_url)
    before = _source_state(pg_url)
    app_engine = engines.create_engine(migrator.url)
    with app_engine.connect() as app_session:
        app_session.exec_driver_sql('SELECT count(*) FROM "User"').scalar()
        result = rehearse(GAINGRID, migrator.url)
    app_engine.dispose()
    assert result.ok, result.failure
    assert result.steps[0].rows_moved > 0
    assert _source_state(pg_url) == before


def test_rehearse_without_createdb_says_which_privilege_is_missing(pg_admin_url: str, pg_url: str) -> None:
    legacy_database(pg_url)
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP ROLE IF EXISTS rehearser")
        conn.exec_driver_sql("CREATE ROLE rehearser LOGIN NOCREATEDB")
    admin.dispose()
    url = engines.parse_url(pg_url).set(username="rehearser")
    result = CliRunner().invoke(app, ["migrate", "rehearse", "--database-url", url.render_as_string(hide_password=False)])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "CREATEDB" in line and "rehearser" in line


def test_up_backs_up_first_from_the_cli(sqlite_url: str, tmp_path: Path) -> None:
    legacy_database(sqlite_url)
    backups = tmp_path / "bk"
    result = CliRunner().invoke(app, ["migrate", "up", "--to", "2", "--backup-dir", str(backups),
                                      "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    (manifest,) = backups.glob("*.manifest.json")
    assert json.loads(manifest.read_text())["phase"] == 1
    assert Migrator(GAINGRID, sqlite_url).history()[-1].backup.endswith(".sqlite")
    skipped = CliRunner().invoke(app, ["migrate", "up", "--to", "3", "--no-backup", "--backup-dir", str(backups),
                                       "--database-url", sqlite_url])
    assert skipped.exit_code == 0 and len(list(backups.glob("*.manifest.json"))) == 1


def test_a_dropped_sync_trigger_fails_verification_and_names_it(db_url):
    migrator = legacy_database(db_url)
    migrator.up()
    trigger = "gaingrid_migrate_workout_log_upd"
    engine = engine_for(migrator)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"' + ('' if db_url.startswith("sqlite") else ' ON "WorkoutExercise"'))
    engine.dispose()
    result = migrator.verify()
    failed = [c for c in result.checks if not c.ok]
    assert not result.ok and [c.name for c in failed] == ["workout_log: sync installed"]
    assert trigger in failed[0].detail and "down --to 4" in failed[0].detail
