"""Every state a kill, a crash or a failure can leave is one the engine knows, and one
`gaingrid migrate up` (or a rerun `down`) takes to a whole phase.

The states are made the way a stopped run leaves them: the step's in-flight
record, then part of its work committed (see bench/faults.py for the same
states reached by real SIGKILLs, terminated backends and server crashes).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import phased
from gaingrid.phases import GAINGRID
from gaingrid.testing import online
from phased.declare.errors import MigrateError
from phased.lifecycle.commands import Migrator
from phased.state import inflight
from tests.harness import legacy_database

PHASE_6 = [("TrainingPlan_userId_status_idx", "TrainingPlan", '"userId", status'),
           ("Reminder_userId_active_idx", "Reminder", '"userId", active'),
           ("Exercise_primaryMuscleGroup_idx", "Exercise", '"primaryMuscleGroup"'),
           ("Exercise_trainingPlanId_idx", "Exercise", '"trainingPlanId"'),
           ("WorkoutLog_userId_date_idx", "WorkoutLog", '"userId", date'),
           ("WorkoutLog_exerciseId_idx", "WorkoutLog", '"exerciseId"')]


def sql(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for s in statements:
            conn.exec_driver_sql(s)
    engine.dispose()


def stopped_in(url: str, phase: int, direction: str) -> None:
    """The in-flight record a run leaves when it is stopped in `phase`'s step."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        inflight.mark(conn, phased.namespace(GAINGRID.namespace, conn.dialect.name), phase, direction)
    engine.dispose()


def whole_at_6(url: str) -> None:
    migrator = Migrator(GAINGRID, url)
    state = migrator.status()
    assert state.phase_number == 6 and not state.differences and state.in_flight is None
    assert migrator.verify().ok
    lost, divergent, back = online.audit(migrator.url)
    assert (lost, divergent, back) == (0, 0, 0)
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid").scalar_one() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM pg_constraint WHERE NOT convalidated").scalar_one() == 0
        engine.dispose()


# Phase 6's indexes are built and dropped CONCURRENTLY on PostgreSQL, each committing on its own;
# on SQLite the phase is one transaction, and a stopped run leaves nothing of it.

def test_phase_6_stopped_with_4_of_6_indexes_built_is_in_progress_and_up_finishes_it(pg_url):
    db_url = pg_url
    migrator = legacy_database(db_url)
    migrator.up(to=5)
    stopped_in(db_url, 6, "up")
    sql(db_url, *(f'CREATE INDEX "{n}" ON "{t}" ({c})' for n, t, c in PHASE_6[:4]))
    state = migrator.status()
    assert state.differences == [] and state.in_flight.phase == 6
    assert state.progress == ["4 of 6 indexes built"]
    with pytest.raises(MigrateError):  # without the record the same schema is drift: it says what no phase made
        sql(db_url, f"DELETE FROM {phased.namespace(GAINGRID.namespace, migrator.url.get_backend_name()).qualified('inflight')}")
        Migrator(GAINGRID, db_url).up()
    stopped_in(db_url, 6, "up")
    migrator.up()
    whole_at_6(db_url)


def test_an_invalid_index_a_failed_build_left_is_dropped_and_built_again(pg_url):
    migrator = legacy_database(pg_url)
    migrator.up(to=5)
    stopped_in(pg_url, 6, "up")
    name, table, columns = PHASE_6[4]
    sql(pg_url, f'CREATE INDEX "{name}" ON "{table}" ({columns})',
        f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '\"{name}\"'::regclass")  # as a cancelled build leaves it
    assert migrator.status().progress == ["1 of 6 indexes built"]
    migrator.up()
    whole_at_6(pg_url)


def test_a_backfill_stopped_half_way_is_in_progress_and_up_resumes_it(db_url):
    migrator = legacy_database(db_url)
    migrator.up(to=4)

    def stop(progress) -> None:
        if progress.done >= 40:
            raise KeyboardInterrupt  # the operator's Ctrl-C, half way

    with pytest.raises(KeyboardInterrupt):
        migrator.up(to=5, batch_size=20, on_backfill=stop)
    state = migrator.status()
    assert state.phase_number == 5 and not state.differences and state.in_flight.phase == 5
    if db_url.startswith("postgresql"):  # the keys come after the backfill
        assert state.progress == ["foreign keys to add or validate: WorkoutLog_userId_fkey, WorkoutLog_exerciseId_fkey"]
    migrator.up()
    whole_at_6(db_url)


def test_deferred_keys_left_unvalidated_by_a_lock_timeout_are_finished_by_up(pg_url):
    migrator = legacy_database(pg_url)
    migrator.up(to=5)
    stopped_in(pg_url, 5, "up")
    sql(pg_url, 'ALTER TABLE "WorkoutLog" DROP CONSTRAINT "WorkoutLog_userId_fkey"',
        'ALTER TABLE "WorkoutLog" ADD CONSTRAINT "WorkoutLog_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" (id) '
        "ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID")
    assert migrator.status().in_flight.phase == 5
    migrator.up()
    whole_at_6(pg_url)


@pytest.mark.parametrize("then", ["down", "up"])
def test_a_down_of_phase_6_stopped_half_way_is_finished_by_down_or_undone_by_up(pg_url, then):
    db_url = pg_url
    migrator = legacy_database(db_url)
    migrator.up()
    stopped_in(db_url, 6, "down")
    sql(db_url, *(f'DROP INDEX "{n}"' for n, _, _ in PHASE_6[:3]))
    state = migrator.status()
    assert not state.differences and state.progress == ["3 of 6 indexes dropped"]
    if then == "down":
        migrator.down(to=4)
        assert migrator.status().phase_number == 4 and not migrator.status().differences
        migrator.up()
    else:
        migrator.up()
    whole_at_6(db_url)


def test_an_up_of_phase_6_stopped_half_way_is_undone_by_down(pg_url):
    db_url = pg_url
    migrator = legacy_database(db_url)
    migrator.up(to=5)
    stopped_in(db_url, 6, "up")
    sql(db_url, *(f'CREATE INDEX "{n}" ON "{t}" ({c})' for n, t, c in PHASE_6[:2]))
    migrator.down(to=4)
    state = migrator.status()
    assert state.phase_number == 4 and not state.differences and state.in_flight is None
    migrator.up()
    whole_at_6(db_url)
