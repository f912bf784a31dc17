"""Unit tests of the migration engine that need no database.

Schema shapes and their diff, each phase's expected schema, the phase model,
the Alembic revision chain, offline SQL rendering and URL handling.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from gaingrid.phases import GAINGRID
from phased.declare.errors import MigrateError
from phased.declare.phase import Phase
from phased.dialects import engines
from phased.lifecycle.commands import Migrator, Plan
from phased.schema import alembic_bridge
from phased.schema.shapes import SchemaShape, metadata_at_phase, shape_from_metadata
from phased.state.state import expected_shape

PG = postgresql.psycopg.dialect()
SQLITE = sqlite.dialect()

LEGACY_TABLES = {"User", "Workout", "Exercise", "WorkoutExercise"}
PHASE_6_INDEXES = {
    "TrainingPlan_userId_status_idx", "Reminder_userId_active_idx", "Exercise_primaryMuscleGroup_idx",
    "Exercise_trainingPlanId_idx", "WorkoutLog_userId_date_idx", "WorkoutLog_exerciseId_idx",
}


# -- SchemaShape.diff ------------------------------------------------------------

def _table(md: sa.MetaData, name: str, *extra: sa.SchemaItem, columns=None) -> sa.Table:
    cols = columns if columns is not None else [
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'ACTIVE'")),
        sa.Column("ownerId", sa.Text),
    ]
    return sa.Table(name, md, *cols, sa.PrimaryKeyConstraint("id", name=f"{name}_pkey"), *extra)


def _owner(md: sa.MetaData) -> sa.Table:
    return sa.Table("Owner", md, sa.Column("id", sa.Text, nullable=False),
                    sa.PrimaryKeyConstraint("id", name="Owner_pkey"))


def _shape(md: sa.MetaData, on=PG) -> SchemaShape:
    return shape_from_metadata(md, on)


def _base(**overrides) -> SchemaShape:
    """Owner + Plan(id, status DEFAULT 'ACTIVE', ownerId -> Owner ON DELETE RESTRICT, index on status)."""
    md = sa.MetaData()
    _owner(md)
    fk = sa.ForeignKeyConstraint(["ownerId"], ["Owner.id"], name="Plan_ownerId_fkey",
                                 ondelete=overrides.get("ondelete", "RESTRICT"), onupdate="CASCADE")
    index = sa.Index(overrides.get("index", "Plan_status_idx"), "status")
    _table(md, "Plan", fk, index, columns=overrides.get("columns"))
    return _shape(md)


def test_diff_of_equal_shapes_is_empty():
    assert _base().diff(_base()) == []


def test_diff_reports_missing_and_unexpected_tables():
    expected = _base()
    md = sa.MetaData()
    _owner(md)
    _table(md, "Other")
    actual = _shape(md)
    assert expected.diff(actual) == ["missing table Plan", "unexpected table Other"]


def test_diff_reports_missing_and_unexpected_columns():
    reordered = _base(columns=[
        sa.Column("ownerId", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'ACTIVE'")),
        sa.Column("id", sa.Text, nullable=False),
    ])
    assert _base().diff(reordered) == []  # column order does not matter
    actual = _base(columns=[
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'ACTIVE'")),
        sa.Column("ownerId", sa.Text),
        sa.Column("extra", sa.Integer),
    ])
    assert _base().diff(actual) == ["Plan: unexpected column extra"]
    assert actual.diff(_base()) == ["Plan: missing column extra"]


def test_diff_reports_type_nullability_and_default_changes():
    def with_status(column):
        return _base(columns=[sa.Column("id", sa.Text, nullable=False), column, sa.Column("ownerId", sa.Text)])

    [line] = _base().diff(with_status(sa.Column("status", sa.Integer, nullable=False, server_default=sa.text("'ACTIVE'"))))
    assert line.startswith("Plan: column status is ")
    assert "INTEGER" in line and "TEXT" in line

    [line] = _base().diff(with_status(sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'DONE'"))))
    assert line.startswith("Plan: column status is ") and "'DONE'" in line and "'ACTIVE'" in line

    [line] = _base().diff(with_status(sa.Column("status", sa.Text, nullable=False)))
    assert line.startswith("Plan: column status is ") and "default=None" in line

    [line] = _base().diff(with_status(sa.Column("status", sa.Text, nullable=True, server_default=sa.text("'ACTIVE'"))))
    assert "nullable=True" in line and "nullable=False" in line


def test_diff_reports_foreign_keys_with_on_delete():
    [line] = _base().diff(_base(ondelete="CASCADE"))
    assert line.startswith("Plan: foreign key Plan_ownerId_fkey is ")
    assert "ondelete='CASCADE'" in line and "ondelete='RESTRICT'" in line

    md = sa.MetaData()
    _owner(md)
    _table(md, "Plan", sa.Index("Plan_status_idx", "status"))
    no_fk = _shape(md)
    assert _base().diff(no_fk) == ["Plan: missing foreign key Plan_ownerId_fkey"]
    assert no_fk.diff(_base()) == ["Plan: unexpected foreign key Plan_ownerId_fkey"]


def test_diff_reports_indexes():
    assert _base().diff(_base(index="Plan_renamed_idx")) == [
        "Plan: missing index Plan_status_idx", "Plan: unexpected index Plan_renamed_idx",
    ]
    md = sa.MetaData()
    _owner(md)
    _table(md, "Plan", sa.ForeignKeyConstraint(["ownerId"], ["Owner.id"], name="Plan_ownerId_fkey",
                                               ondelete="RESTRICT", onupdate="CASCADE"),
           sa.Index("Plan_status_idx", "status", unique=True))
    [line] = _base().diff(_shape(md))
    assert line.startswith("Plan: index Plan_status_idx is ") and "unique=True" in line


def test_diff_reports_enum_values_and_primary_key():
    def md_with(values, pk_name):
        md = sa.MetaData()
        sa.Table("T", md, sa.Column("id", sa.Text, nullable=False),
                 sa.Column("kind", sa.Enum(*values, name="Kind"), nullable=False),
                 sa.PrimaryKeyConstraint("id", name=pk_name))
        return _shape(md)

    expected = md_with(("A", "B"), "T_pkey")
    assert expected.diff(md_with(("A", "B", "C"), "T_pkey")) == [
        "enum Kind: values ('A', 'B', 'C') != expected ('A', 'B')"
    ]
    [line] = expected.diff(md_with(("A", "B"), "T_other_pk"))
    assert line.startswith("T: primary key is ") and "T_other_pk" in line


def test_diff_lines_always_name_their_table_even_if_the_name_is_a_prefix_of_the_message():
    def md_with(*names):
        md = sa.MetaData()
        sa.Table("miss", md, *(sa.Column(n, sa.Text) for n in names))
        return _shape(md)

    assert md_with("id", "x").diff(md_with("id")) == ["miss: missing column x"]


# -- each phase's expected schema ----------------------------------------------------

def _tables(n: int) -> set[str]:
    return set(metadata_at_phase(GAINGRID.metadata, n).tables)


def _indexes(n: int) -> set[str]:
    return {i.name for t in metadata_at_phase(GAINGRID.metadata, n).tables.values() for i in t.indexes}


@pytest.mark.parametrize(("phase", "tables"), [
    (1, LEGACY_TABLES),
    (2, LEGACY_TABLES),
    (3, LEGACY_TABLES | {"TrainingPlan", "Reminder"}),
    (4, LEGACY_TABLES | {"TrainingPlan", "Reminder"}),
    (5, LEGACY_TABLES | {"TrainingPlan", "Reminder", "WorkoutLog"}),
    (6, LEGACY_TABLES | {"TrainingPlan", "Reminder", "WorkoutLog"}),
    (7, LEGACY_TABLES - {"WorkoutExercise"} | {"TrainingPlan", "Reminder", "WorkoutLog"}),
])
def test_metadata_at_phase_has_the_right_tables(phase, tables):
    assert _tables(phase) == tables


def test_user_is_active_arrives_in_phase_2():
    def user_columns(n):
        return set(metadata_at_phase(GAINGRID.metadata, n).tables["User"].columns.keys())

    assert user_columns(1) == {"id", "email", "name", "password", "createdAt", "updatedAt"}
    assert "isActive" in user_columns(2)
    assert user_columns(2) - user_columns(1) == {
        "timezone", "lastLogin", "isActive", "weight", "height", "fitnessLevel", "goals",
    }
    is_active = metadata_at_phase(GAINGRID.metadata, 2).tables["User"].c.isActive
    assert is_active.nullable is False and is_active.server_default is not None


def test_exercise_link_to_training_plan_arrives_in_phase_4():
    def exercise(n):
        return metadata_at_phase(GAINGRID.metadata, n).tables["Exercise"]

    assert "trainingPlanId" not in exercise(3).c
    assert {fk.name for fk in exercise(3).foreign_key_constraints} == set()
    [fk] = exercise(4).foreign_key_constraints
    assert fk.name == "Exercise_trainingPlanId_fkey" and fk.ondelete == "SET NULL"


def test_the_six_performance_indexes_exist_only_from_phase_6():
    for n in range(1, 6):
        assert _indexes(n) & PHASE_6_INDEXES == set(), n
        assert "User_email_key" in _indexes(n)
    assert PHASE_6_INDEXES <= _indexes(6)
    assert PHASE_6_INDEXES <= _indexes(7)
    assert _indexes(6) - _indexes(5) == PHASE_6_INDEXES


def test_expected_shapes_differ_between_consecutive_phases():
    for on in (PG, SQLITE):
        shapes = [expected_shape(GAINGRID, p, on) for p in GAINGRID.phases]
        for before, after in zip(shapes, shapes[1:]):
            assert before.diff(after)


def test_enum_is_part_of_the_postgresql_shape_only():
    assert expected_shape(GAINGRID, GAINGRID.phase(1), PG).enums == {
        "ExerciseCategory": ("STRENGTH", "CARDIO", "FLEXIBILITY", "BALANCE", "PLYOMETRICS", "OTHER"),
    }
    assert expected_shape(GAINGRID, GAINGRID.phase(1), SQLITE).enums == {}


# -- the phase model -------------------------------------------------------------------

def test_default_target_stops_before_the_opt_in_phase():
    assert GAINGRID.default_target.number == 6
    assert [p.number for p in GAINGRID.phases if p.opt_in] == [7]


@pytest.mark.parametrize("number", [0, 8, -1, 42])
def test_unknown_phase_number_raises(number):
    with pytest.raises(MigrateError, match=rf"unknown phase {number}: phases are 1\.\.7"):
        GAINGRID.phase(number)


def test_phase_lookup_by_number_and_revision():
    assert GAINGRID.phase(5).revision == "0005_add_workout_log"
    assert GAINGRID.phase(5).label == "5 add_workout_log"
    for p in GAINGRID.phases:
        assert GAINGRID.by_revision(p.revision) is p
        assert GAINGRID.phase(p.number) is p
    with pytest.raises(MigrateError, match="does not know"):
        GAINGRID.by_revision("0099_from_the_future")


def test_project_rejects_phases_out_of_order():
    with pytest.raises(ValueError, match="numbered 1..n"):
        dataclasses.replace(GAINGRID, phases=(Phase(1, "a", ""), Phase(3, "c", "")))


def test_the_alembic_chain_is_the_declared_phases_in_order():
    assert alembic_bridge.revisions(GAINGRID) == [p.revision for p in GAINGRID.phases]


# -- offline SQL --------------------------------------------------------------------------

PG_URL = "postgresql+psycopg://u:pw@nowhere.invalid/db"
UP_TO_6 = Plan("up", 0, 6, GAINGRID.phases[:6])
DOWN_7_TO_1 = Plan("down", 7, 1, tuple(reversed(GAINGRID.phases[1:])))


@pytest.fixture(scope="module")
def pg_up_sql() -> str:
    return Migrator(GAINGRID, PG_URL).render_sql(UP_TO_6)


def test_postgresql_sql_creates_the_enum_and_the_version_table_in_its_schema(pg_up_sql):
    assert pg_up_sql.count('CREATE TYPE "ExerciseCategory" AS ENUM') == 1
    assert 'CREATE SCHEMA IF NOT EXISTS "gaingrid_migrate"' in pg_up_sql
    assert "CREATE TABLE gaingrid_migrate.alembic_version" in pg_up_sql
    assert "UPDATE gaingrid_migrate.alembic_version SET version_num='0006_add_performance_indexes'" in pg_up_sql
    for p in GAINGRID.phases[:6]:
        assert f"-> {p.revision}" in pg_up_sql
    assert "0007_cleanup_old_workout_models" not in pg_up_sql
    assert "pw" not in pg_up_sql.replace("password", "")


SYNC_INDEX = "gaingrid_migrate_workout_log_workoutId"
MATCH_INDEX = "gaingrid_migrate_workout_log_userId_date"  # the two-way sync's lookup of a log's workout


def test_postgresql_sql_builds_the_six_indexes_and_the_sync_index_concurrently(pg_up_sql):
    assert pg_up_sql.count("CREATE INDEX CONCURRENTLY") == 8
    for name in [*PHASE_6_INDEXES, SYNC_INDEX, MATCH_INDEX]:
        assert f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}"' in pg_up_sql
    # The sync's index is built before the transaction that installs the triggers using it.
    assert pg_up_sql.index(SYNC_INDEX) < pg_up_sql.index('CREATE TABLE "WorkoutLog"') \
        < pg_up_sql.index('CREATE CONSTRAINT TRIGGER "gaingrid_migrate_workout_log_settle"')


def test_postgresql_sql_adds_the_exercise_foreign_key_not_valid_then_validates_apart(pg_up_sql):
    add = pg_up_sql.index('ALTER TABLE "Exercise" ADD CONSTRAINT "Exercise_trainingPlanId_fkey"')
    validate = pg_up_sql.index('ALTER TABLE "Exercise" VALIDATE CONSTRAINT "Exercise_trainingPlanId_fkey"')
    assert add < validate
    between = pg_up_sql[add:validate]
    assert between.split(";")[0].endswith("NOT VALID")
    # The validation holds no lock writers wait on, and runs in a transaction of its own.
    assert "COMMIT;" in between and between.rstrip().endswith(
        "BEGIN;\nSET LOCAL lock_timeout = '60000ms';\nSET LOCAL statement_timeout = '0ms';")


def test_sqlite_sql_rebuilds_exercise_in_batch(tmp_path: Path):
    db = tmp_path / "never-created.db"
    sql = Migrator(GAINGRID, f"sqlite:///{db}").render_sql(UP_TO_6)
    assert 'CREATE TABLE "_alembic_tmp_Exercise"' in sql
    assert 'ALTER TABLE "_alembic_tmp_Exercise" RENAME TO "Exercise"' in sql
    assert "CONSTRAINT \"Exercise_trainingPlanId_fkey\" FOREIGN KEY" in sql
    assert "CREATE TABLE gaingrid_migrate_alembic_version" in sql
    assert 'CREATE TABLE "WorkoutLog"' in sql
    assert "CONCURRENTLY" not in sql and "CREATE TYPE" not in sql
    assert 'CREATE UNIQUE INDEX "User_email_key"' in sql
    assert sql.count("CREATE INDEX") == 8 and f'CREATE INDEX IF NOT EXISTS "{SYNC_INDEX}"' in sql
    assert not db.exists()


@pytest.mark.parametrize("url", [PG_URL, "sqlite:///never-created.db"])
def test_a_down_plan_from_7_to_1_renders(url):
    sql = Migrator(GAINGRID, url).render_sql(DOWN_7_TO_1)
    steps = [line for line in sql.splitlines() if line.startswith("-- Running downgrade")]
    assert steps == [
        f"-- Running downgrade {p.revision} -> {GAINGRID.phase(p.number - 1).revision}" for p in DOWN_7_TO_1.steps
    ]
    assert 'CREATE TABLE "WorkoutExercise"' in sql  # phase 7 reversed: the legacy table comes back
    assert "archive_2_User" in sql  # phase 2 reversed: the User columns are archived
    assert "0001_legacy' WHERE" in sql
    if url.startswith("postgresql"):
        # The six of phase 6, and the sync's own when phase 5 is reversed; reversing phase 7
        # restores WorkoutExercise and its sync, so the sync's index is built again first.
        assert sql.count("DROP INDEX CONCURRENTLY") == 8
        assert sql.index(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{SYNC_INDEX}"') \
            < sql.index(f'DROP INDEX CONCURRENTLY IF EXISTS "{SYNC_INDEX}"')


def test_an_empty_plan_renders_nothing():
    assert Migrator(GAINGRID, PG_URL).render_sql(Plan("up", 6, 6, ())) == ""


# -- URLs ------------------------------------------------------------------------------------

def test_parse_url_picks_the_psycopg_driver_for_postgresql():
    for raw in ("postgresql://u:pw@h/db", "postgresql+psycopg2://u:pw@h/db", "postgresql+psycopg://u:pw@h/db"):
        url = engines.parse_url(raw)
        assert url.get_backend_name() == "postgresql"
        assert url.get_driver_name() == "psycopg", raw
    assert engines.parse_url("sqlite:///x.db").drivername == "sqlite"


@pytest.mark.parametrize("raw", [
    "postgresql://u:s3cret@h:5432/db",
    "postgresql+psycopg://u:s3cret@h/db",
    "postgresql://u:s3cret/with/slashes@h/db",
    "mysql://u:s3cret@h/db",
])
def test_redact_masks_the_password(raw):
    for shown in (engines.redact(raw), engines.redact(sa.make_url(raw))):
        assert "s3cret" not in shown
        assert "u:***@" in shown


def _assert_one_line_without_secret(exc: MigrateError) -> None:
    message = str(exc)
    assert message and "\n" not in message
    assert "s3cret" not in message


@pytest.mark.parametrize(("raw", "says"), [
    ("not a url", "malformed database URL"),
    ("", "malformed database URL"),
    ("://u:s3cret@h/db", "malformed database URL"),
    ("mysql://u:s3cret@h/db", "unsupported database 'mysql'"),
    ("oracle+cx_oracle://u:s3cret@h/db", "unsupported database 'oracle'"),
    ("postgresql://user:s3cret@host:notaport/db", "malformed database URL"),
    ("postgresql://admin:x@y:s3cret@host/db", "malformed database URL"),
])
def test_parse_url_refuses_bad_urls_in_one_line_without_the_password(raw, says):
    with pytest.raises(MigrateError) as info:
        engines.parse_url(raw)
    _assert_one_line_without_secret(info.value)
    assert says in str(info.value)


def test_redact_masks_a_password_given_in_the_query_string():
    assert "s3cret" not in engines.redact("postgresql://u@h/db?password=s3cret")


# -- properties --------------------------------------------------------------------------------

DIALECTS = {"postgresql": PG, "sqlite": SQLITE}


@settings(max_examples=60, deadline=None)
@given(a=st.integers(1, 7), b=st.integers(1, 7), on=st.sampled_from(sorted(DIALECTS)))
def test_diff_is_empty_exactly_between_equal_shapes(a, b, on):
    shape_a = expected_shape(GAINGRID, GAINGRID.phase(a), DIALECTS[on])
    shape_b = expected_shape(GAINGRID, GAINGRID.phase(b), DIALECTS[on])
    assert shape_a.diff(shape_a) == []
    assert (shape_a.diff(shape_b) == []) == (shape_a == shape_b) == (a == b)
    assert bool(shape_a.diff(shape_b)) == bool(shape_b.diff(shape_a))


@st.composite
def phase_shape_with_parts_removed(draw):
    """A phase's expected shape, and the same shape with a random subset of its tables and columns removed."""
    phase = draw(st.integers(1, 7))
    full = expected_shape(GAINGRID, GAINGRID.phase(phase), DIALECTS[draw(st.sampled_from(sorted(DIALECTS)))])
    names = sorted(full.tables)
    dropped_tables = draw(st.sets(st.sampled_from(names)))
    dropped_columns = {}
    tables = {}
    for name in names:
        if name in dropped_tables:
            continue
        table = full.tables[name]
        gone = draw(st.sets(st.sampled_from(sorted(table.columns))))
        dropped_columns[name] = gone
        tables[name] = dataclasses.replace(table, columns={c: s for c, s in table.columns.items() if c not in gone})
    return full, SchemaShape(tables, dict(full.enums)), dropped_tables, dropped_columns


@settings(max_examples=80, deadline=None)
@given(phase_shape_with_parts_removed())
def test_diff_lists_exactly_what_was_removed(case):
    full, reduced, dropped_tables, dropped_columns = case
    removed = {f"table {t}" for t in dropped_tables} | {
        f"{t}: column {c}" for t, cols in dropped_columns.items() for c in cols
    }

    def as_removed(lines, word):
        out = set()
        for line in lines:
            table, sep, rest = line.partition(": ")
            out.add(f"{table}: {rest.replace(word + ' ', '', 1)}" if sep else line.replace(word + " ", "", 1))
        return out

    missing = full.diff(reduced)
    unexpected = reduced.diff(full)
    assert len(missing) == len(unexpected) == len(removed)
    assert all("missing " in line for line in missing)
    assert all("unexpected " in line for line in unexpected)
    assert as_removed(missing, "missing") == removed
    assert as_removed(unexpected, "unexpected") == removed
    assert (missing == []) == (full == reduced)


def test_a_step_that_keeps_losing_its_lock_race_waits_longer_up_to_a_cap():
    from phased.dialects.retry import Timeouts

    base = Timeouts(blocking=0.5)
    assert [base.escalated(n).blocking for n in range(1, 10)] == [0.5, 0.5, 0.5, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert base.escalated(7).batch == base.batch  # only the blocking wait grows
