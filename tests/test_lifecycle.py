"""Each GainGrid phase through start, complete and rollback, on both databases
(gaingrid.testing.lifecycle, pgroll's table-driven harness): the hooks say what
each step must leave, and a failure names its phase and step."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import phased
from gaingrid.data.demo_data import generate_demo_data
from gaingrid.phases import GAINGRID, WORKOUT_LOG
from gaingrid.testing.lifecycle import Case, run_case
from phased import dialects
from phased.dialects import engines
from phased.movement import sync
from phased.state.state import namespace_for
from tests.harness import SMALL

INDEXES_6 = {"TrainingPlan_userId_status_idx", "Reminder_userId_active_idx", "Exercise_primaryMuscleGroup_idx",
             "Exercise_trainingPlanId_idx", "WorkoutLog_userId_date_idx", "WorkoutLog_exerciseId_idx"}


def columns(engine: sa.Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def indexes(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        return {i["name"] for t in inspector.get_table_names() for i in inspector.get_indexes(t)}


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()


def validated(engine: sa.Engine, key: str) -> bool:
    """Whether the foreign key exists, and the database vouches for every row (SQLite: it exists)."""
    with engine.connect() as conn:
        db = dialects.of(conn)
        exists = any(fk["name"] == key for t in sa.inspect(conn).get_table_names()
                     for fk in sa.inspect(conn).get_foreign_keys(t))
        return exists and (db.validated(conn, key) if db.defers_foreign_keys else True)


def sync_missing(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sync.missing(conn, namespace_for(GAINGRID, conn), WORKOUT_LOG)


def legacy_write_reaches_the_log(engine: sa.Engine) -> None:
    """The sync works from the moment start commits, before any backfill."""
    with engine.begin() as conn:
        conn.exec_driver_sql('UPDATE "WorkoutExercise" SET reps = reps + 100 WHERE id = '
                             '(SELECT min(id) FROM "WorkoutExercise")')
    with engine.connect() as conn:
        moved = conn.exec_driver_sql(
            'SELECT l.reps FROM "WorkoutLog" l JOIN "WorkoutExercise" s ON s.id = l.id '
            'WHERE s.id = (SELECT min(id) FROM "WorkoutExercise")').scalar()
    assert moved is not None and moved >= 100, "a legacy write after start did not reach WorkoutLog"
    with engine.begin() as conn:  # and back: the rollback must give the rows back as they were
        conn.exec_driver_sql('UPDATE "WorkoutExercise" SET reps = reps - 100 WHERE id = '
                             '(SELECT min(id) FROM "WorkoutExercise")')


def phase_2_started(engine):
    assert {"timezone", "lastLogin", "isActive", "fitnessLevel", "goals"} <= columns(engine, "User")


def phase_2_rolled_back(engine):
    assert "timezone" not in columns(engine, "User")


def phase_3_started(engine):
    assert {"TrainingPlan", "Reminder"} <= tables(engine)


def phase_3_rolled_back(engine):
    assert not {"TrainingPlan", "Reminder"} & tables(engine)


def phase_4_started(engine):
    assert {"equipment", "trainingPlanId", "difficulty"} <= columns(engine, "Exercise")


def phase_4_completed(engine):
    assert validated(engine, "Exercise_trainingPlanId_fkey")


def phase_4_rolled_back(engine):
    assert "trainingPlanId" not in columns(engine, "Exercise")


def phase_5_started(engine):
    assert "WorkoutLog" in tables(engine)
    assert sync_missing(engine) == []
    legacy_write_reaches_the_log(engine)


def phase_5_completed(engine):
    assert count(engine, "WorkoutLog") == count(engine, "WorkoutExercise") > 0
    assert validated(engine, "WorkoutLog_userId_fkey") and validated(engine, "WorkoutLog_exerciseId_fkey")


def phase_5_rolled_back(engine):
    assert "WorkoutLog" not in tables(engine)
    assert set(sync_missing(engine)) == {o.name for o in sync.objects(WORKOUT_LOG, namespace_for_engine(engine))
                                         if o.kind == "trigger"}


def namespace_for_engine(engine):
    with engine.connect() as conn:
        return namespace_for(GAINGRID, conn)


def phase_6_started(engine):
    assert INDEXES_6 <= indexes(engine)


def phase_6_rolled_back(engine):
    assert not INDEXES_6 & indexes(engine)


def phase_7_started(engine):
    assert "WorkoutExercise" not in tables(engine)
    assert sync_missing(engine) == [o.name for o in sync.objects(WORKOUT_LOG, namespace_for_engine(engine))
                                    if o.kind == "trigger"]


def phase_7_rolled_back(engine):
    assert count(engine, "WorkoutExercise") == count(engine, "WorkoutLog")
    assert sync_missing(engine) == []


CASES = [
    Case(1),
    Case(2, after_start=phase_2_started, after_rollback=phase_2_rolled_back),
    Case(3, after_start=phase_3_started, after_rollback=phase_3_rolled_back),
    Case(4, after_start=phase_4_started, after_complete=phase_4_completed, after_rollback=phase_4_rolled_back),
    Case(5, after_start=phase_5_started, after_complete=phase_5_completed, after_rollback=phase_5_rolled_back),
    Case(6, after_start=phase_6_started, after_rollback=phase_6_rolled_back),
    Case(7, after_start=phase_7_started, after_rollback=phase_7_rolled_back),
]


def test_every_phase_is_a_case():
    assert [c.phase for c in CASES] == [p.number for p in GAINGRID.phases]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_phase_lifecycle(db_url: str, case: Case) -> None:
    def legacy_data(migrator):
        if case.phase > 1:
            engine = engines.create_engine(migrator.url)
            generate_demo_data(engine, SMALL)
            engine.dispose()

    run_case(GAINGRID, db_url, case, legacy_data)


# -- the lifecycle through the runner: validate, start, complete, verify, each in the ledger ---------

def parts(entry) -> list[str]:
    return [s["step"] for s in entry.details.get("steps", [])]


def test_the_ledger_times_each_part_of_each_step(db_url: str) -> None:
    from tests.harness import legacy_database

    migrator = legacy_database(db_url)
    migrator.up(to=5)
    migrator.down(to=4)
    *_, up5, down5 = migrator.history()
    assert (up5.phase, up5.direction, parts(up5)) == (5, "up", ["validate", "start", "complete", "verify"])
    assert (down5.phase, down5.direction, parts(down5)) == (4, "down", ["rollback", "verify"])
    for e in (up5, down5):
        spans = [(s["started_at"], s["finished_at"]) for s in e.details["steps"]]
        assert all(a <= b for a, b in spans) and all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


def test_a_joined_recorder_is_given_every_step_the_ledger_records(db_url: str) -> None:
    """The seam a second history (Prisma's, say) plugs into: it sees each entry once the ledger holds it."""
    from phased.lifecycle.commands import Migrator
    from tests.harness import legacy_database

    class Collect:
        def __init__(self):
            self.entries = []

        def record(self, entry):
            self.entries.append(entry)

    seen = Collect()
    migrator = Migrator(GAINGRID, legacy_database(db_url).url, recorders=[seen])
    migrator.up(to=3)
    migrator.down(to=2)
    recorded = [(e.phase, e.direction, e.outcome) for e in migrator.history()[-3:]]
    assert [(e.phase, e.direction, e.outcome) for e in seen.entries] == recorded == [
        (2, "up", "ok"), (3, "up", "ok"), (2, "down", "ok")]
    assert all(parts(e) for e in seen.entries)


def test_a_phase_that_retires_a_sync_does_not_start_while_its_target_misses_rows(db_url: str) -> None:
    """Phase 7 drops WorkoutExercise: validate first proves every row of it is in WorkoutLog."""
    from phased.declare.errors import MigrateError
    from tests.harness import behind_the_sync, legacy_database

    migrator = legacy_database(db_url)
    migrator.up(to=6)
    engine = engines.create_engine(migrator.url)
    with engine.begin() as conn, behind_the_sync(conn):  # a row lost from the target
        conn.exec_driver_sql('DELETE FROM "WorkoutLog" WHERE id = (SELECT min(id) FROM "WorkoutLog")')
    legacy_rows = count(engine, "WorkoutExercise")
    with pytest.raises(MigrateError, match="phase 7 cleanup_old_workout_models cannot start: workout_log: no row "
                                           "missing: 1 source rows .* nothing was changed"):
        migrator.up(to=7)
    assert migrator.status().phase_number == 6 and count(engine, "WorkoutExercise") == legacy_rows
    engine.dispose()
    last = migrator.history()[-1]
    assert (last.direction, last.outcome, parts(last)) == ("up", "failed", ["validate"])


def test_a_backfill_whose_key_is_not_text_is_refused_before_it_starts(tmp_path) -> None:
    from phased.declare.backfill import Backfill
    from phased.declare.phase import Phase
    from phased.verification.checks import Context, Work
    from phased.verification.checks.keys import KeyIsText
    from phased.verification.parallel import Readers

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE numbered (id INTEGER PRIMARY KEY, v TEXT)")
        conn.exec_driver_sql("CREATE TABLE named (id TEXT PRIMARY KEY, v TEXT)")
    results = {}
    with engine.connect() as conn:
        ctx = Context(None, conn, phased.namespace("x", "sqlite"), Phase(1, "a", ""))
        for source in ("numbered", "named", "absent"):
            work = Work()
            KeyIsText(Backfill(name=source, source=source, target="t", columns={"id": "s.id"})).plan(ctx, Phase(2, "b", ""), work)
            (results[source],) = work.run(Readers(conn, None, 1))
    engine.dispose()
    assert not results["numbered"].ok and "INTEGER" in results["numbered"].detail
    assert results["named"].ok
    assert not results["absent"].ok and "no table absent" in results["absent"].detail
