"""The `gaingrid migrate` commands as an operator meets them.

Every refusal must end as exactly one line on stderr that starts with
"error:", with a non-zero exit code, without printing a password, and
without changing the database.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from gaingrid.cli import app
from gaingrid.phases import GAINGRID
from phased.lifecycle.commands import Migrator
from phased.state.state import expected_shape, live_shape, recorded_revision

SPEC = Path(__file__).parent / "spec"
SECRET = "s3cret"
UNREACHABLE = f"postgresql://u:{SECRET}@127.0.0.1:1/x"  # nothing listens on port 1

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_ambient_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAINGRID_DATABASE_URL", raising=False)


# -- helpers -----------------------------------------------------------------------------

def gg(*args: str, url: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run `gaingrid migrate ARGS [--database-url URL]` in-process."""
    argv = ["migrate", *args, *(["--database-url", url] if url else [])]
    return runner.invoke(app, argv, env=env)


def flat(text: str) -> str:
    """Rich wraps at 80 columns when not on a terminal: compare with whitespace collapsed."""
    return " ".join(text.split())


def refused(result: Result, *says: str) -> str:
    """Assert a clean refusal: exit != 0, no crash, one 'error:' line on stderr saying `says`."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"crashed instead of refusing: {result.exception!r}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    line = lines[0]
    assert line.startswith("error: ") and line[len("error: "):].strip(), line
    for needle in says:
        assert needle.lower() in line.lower(), f"{needle!r} not in {line!r}"
    assert result.stdout == ""
    assert SECRET not in result.output
    return line


def succeeded(result: Result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}\n{result.exception!r}"
    assert result.stderr == ""
    return flat(result.stdout)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(sa.make_url(url).database)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def execute(url: str, *statements: str) -> None:
    if is_sqlite(url):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
        engine.dispose()
        return
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def query(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(sql)]
    engine.dispose()
    return rows


def inspect(url: str, fn):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        result = fn(conn)
    engine.dispose()
    return result


def revision(url: str) -> str | None:
    return inspect(url, lambda conn: recorded_revision(GAINGRID, conn))


def shape(url: str):
    return inspect(url, lambda conn: live_shape(GAINGRID, conn))


def expected(url: str, phase: int):
    return expected_shape(GAINGRID, GAINGRID.phase(phase), sa.make_url(url).get_dialect()())


def snapshot(url: str):
    """Everything a command could have changed: the SQLite file's bytes; on PostgreSQL
    every schema and table, the application schema's shape and the version record."""
    if is_sqlite(url):
        path = sqlite_path(url)
        return path.read_bytes() if path.exists() else None
    tables = query(url, "SELECT table_schema, table_name FROM information_schema.tables "
                        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")
    schemas = query(url, "SELECT nspname FROM pg_namespace ORDER BY 1")
    return tables, schemas, shape(url), revision(url)


def at_phase(url: str, phase: int) -> str:
    Migrator(GAINGRID, url).up(phase)
    assert revision(url) == GAINGRID.phase(phase).revision
    return url


def forget_version(url: str) -> None:
    """Leave the schema but remove the version record: a database another tool made."""
    if is_sqlite(url):
        execute(url, "DROP TABLE gaingrid_migrate_alembic_version")
    else:
        execute(url, 'DROP SCHEMA "gaingrid_migrate" CASCADE')
    assert revision(url) is None


def unmanaged_at_phase(url: str, phase: int) -> str:
    at_phase(url, phase)
    forget_version(url)
    return url


def create_empty_sqlite(url: str) -> str:
    """An empty SQLite file (so that 'nothing changed' can compare bytes)."""
    sa.create_engine(url).connect().close()
    assert sqlite_path(url).read_bytes() == b""
    return url


def row_of_phase(result: Result, number: int) -> str:
    [row] = [line for line in result.stdout.splitlines() if line.startswith(f"│ {number} ")]
    return row


# -- URLs that lead nowhere ----------------------------------------------------------------------

COMMANDS = [["status"], ["plan"], ["plan", "--sql"], ["up"], ["up", "--to", "7"], ["down", "--to", "1"], ["adopt"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_unreachable_database_is_one_line_without_the_password(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = refused(gg(*command, url=UNREACHABLE), "cannot connect to", "u:***@127.0.0.1:1/x")
    assert "refused" in line.lower()
    assert list(tmp_path.iterdir()) == []  # no fallback to the default SQLite file


def test_unreachable_database_with_the_password_in_the_query_string(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(gg("status", url=f"postgresql://u@127.0.0.1:1/x?password={SECRET}"), "cannot connect to")


@pytest.mark.parametrize("url", [
    "not a url",
    f"user:{SECRET}@host/db",
    f"://u:{SECRET}@host/db",
    f"postgresql://user:{SECRET}@host:notaport/db",
    f"postgresql://admin:p@ss:{SECRET}@host/db",
])
def test_malformed_url_is_one_line_without_the_password(url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in (["status"], ["up"]):
        refused(gg(*command, url=url), "malformed database URL")
    assert list(tmp_path.iterdir()) == []


def test_unsupported_backend(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in (["status"], ["up"], ["plan", "--sql"]):
        refused(gg(*command, url=f"mysql://u:{SECRET}@localhost/app"),
                "unsupported database 'mysql'", "postgresql://", "sqlite://")
    assert list(tmp_path.iterdir()) == []


def test_missing_sqlite_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(gg("up", url=f"sqlite:///{tmp_path}/no/such/dir/app.db"), "does not exist")
    assert list(tmp_path.iterdir()) == []


# -- phase numbers and directions -----------------------------------------------------------------

def test_unknown_phase_number(db_url):
    at_phase(db_url, 2)
    before = snapshot(db_url)
    for command, number in ((["up", "--to", "9"], 9), (["plan", "--to", "0"], 0),
                            (["plan", "--to", "8", "--sql"], 8), (["down", "--to", "42"], 42)):
        refused(gg(*command, url=db_url), f"unknown phase {number}", "phases are 1..7")
    assert snapshot(db_url) == before


@pytest.mark.parametrize(("command", "says"), [
    (["down", "--to", "0"], ["cannot go down to phase 0", "phase 1", "baseline"]),
    (["down", "--to", "-1"], ["cannot go down to phase -1", "phase 1", "baseline"]),
    (["down", "--to", "6"], ["at phase 4", "use up"]),
    (["up", "--to", "2"], ["at phase 4", "use down --to 2"]),
    (["plan", "--to", "2"], ["at phase 4", "use down --to 2"]),
], ids=lambda v: " ".join(v) if isinstance(v, list) and v[0] in ("up", "down", "plan") else "")
def test_wrong_direction_or_past_the_baseline(sqlite_url, command, says):
    at_phase(sqlite_url, 4)
    before = snapshot(sqlite_url)
    refused(gg(*command, url=sqlite_url), *says)
    assert snapshot(sqlite_url) == before


def test_down_past_the_baseline_on_an_empty_database(sqlite_url):
    create_empty_sqlite(sqlite_url)
    refused(gg("down", "--to", "0", url=sqlite_url), "phase 1", "baseline")
    assert snapshot(sqlite_url) == b""


# -- schemas that match no phase -----------------------------------------------------------------

def _unrelated_table(url):
    execute(url, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    return ["unexpected table notes", "missing table User"]


def _legacy_minus_a_column(url):
    unmanaged_at_phase(url, 1)
    execute(url, 'ALTER TABLE "User" DROP COLUMN "name"')
    return ["User: missing column name"]


def _legacy_plus_a_column(url):
    unmanaged_at_phase(url, 1)
    execute(url, 'ALTER TABLE "Workout" ADD COLUMN "rating" INTEGER')
    return ["Workout: unexpected column rating"]


@pytest.mark.parametrize("make", [_unrelated_table, _legacy_minus_a_column, _legacy_plus_a_column],
                         ids=lambda f: f.__name__.strip("_"))
def test_schema_matching_no_phase(sqlite_url, make):
    differences = make(sqlite_url)
    before = snapshot(sqlite_url)

    result = gg("status", url=sqlite_url)
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    out = flat(result.stdout)
    assert "the schema matches no phase; closest is phase 1 legacy" in out
    for difference in differences:
        assert f"- {difference}" in out

    for command in (["up"], ["up", "--to", "3"], ["plan"], ["adopt"]):
        refused(gg(*command, url=sqlite_url), "matches no phase", "closest: phase 1 legacy", "migrate status")
    assert snapshot(sqlite_url) == before


def test_schema_drift_on_a_managed_database(db_url):
    at_phase(db_url, 2)
    execute(db_url, 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT')
    before = snapshot(db_url)

    result = gg("status", url=db_url)
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert "recorded at phase 2 extend_user_model, but the schema has drifted" in flat(result.stdout)
    assert "- User: unexpected column nickname" in flat(result.stdout)

    refused(gg("up", url=db_url), "schema drift", "recorded at phase 2", "User: unexpected column nickname")
    refused(gg("down", "--to", "1", url=db_url), "schema drift")
    assert snapshot(db_url) == before


# -- databases another tool made: adopt ------------------------------------------------------------

def test_unmanaged_database_is_adopted_then_migrated(db_url):
    unmanaged_at_phase(db_url, 3)
    before = snapshot(db_url)

    result = gg("status", url=db_url)
    assert "no version record; the schema matches phase 3 add_training_models" in succeeded(result)
    refused(gg("up", url=db_url), "no version record", "phase 3", "gaingrid migrate adopt")
    refused(gg("plan", url=db_url), "gaingrid migrate adopt")
    assert snapshot(db_url) == before

    assert "adopted: the database is recorded at phase 3 add_training_models" in succeeded(gg("adopt", url=db_url))
    assert revision(db_url) == "0003_add_training_models"
    assert shape(db_url) == expected(db_url, 3)

    after_adopt = snapshot(db_url)
    refused(gg("adopt", url=db_url), "already managed", "phase 3 add_training_models")
    assert snapshot(db_url) == after_adopt

    succeeded(gg("up", url=db_url))
    assert revision(db_url) == "0006_add_performance_indexes"
    assert shape(db_url) == expected(db_url, 6)


def test_adopt_refuses_an_empty_database(db_url):
    if is_sqlite(db_url):
        create_empty_sqlite(db_url)
    before = snapshot(db_url)
    refused(gg("adopt", url=db_url), "empty", "nothing to adopt", "migrate up")
    assert snapshot(db_url) == before
    assert revision(db_url) is None


def test_down_on_an_unmanaged_database_refuses_and_says_adopt(sqlite_url):
    unmanaged_at_phase(sqlite_url, 3)
    before = snapshot(sqlite_url)
    refused(gg("down", "--to", "2", url=sqlite_url), "gaingrid migrate adopt")
    assert snapshot(sqlite_url) == before


# -- a database Prisma made (PostgreSQL) ----------------------------------------------------------

PRISMA_MIGRATIONS = """
CREATE TABLE "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "_prisma_migrations" VALUES (
    'b3a1f0de-0000-4000-8000-000000000001',
    'f1b5a1f0d7c1b0b5f1e2f0c3a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0',
    '2024-01-15 10:00:01+00', '20240115100000_init', NULL, NULL, '2024-01-15 10:00:00+00', 1
);
"""


def prisma_database(url: str) -> str:
    execute(url, (SPEC / "1_legacy.sql").read_text(), PRISMA_MIGRATIONS)
    return url


def prisma_table(url: str):
    columns = query(url, "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
                         "WHERE table_schema = 'public' AND table_name = '_prisma_migrations' ORDER BY ordinal_position")
    rows = query(url, 'SELECT * FROM "_prisma_migrations" ORDER BY id')
    return columns, rows


def public_tables(url: str) -> set[str]:
    return {name for (name,) in query(
        url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}


@pytest.mark.postgres
def test_prisma_database_is_recognised_adopted_and_migrated(pg_url):
    prisma_database(pg_url)
    prisma_before = prisma_table(pg_url)
    assert prisma_before[1], "the Prisma history row is there"

    out = succeeded(gg("status", url=pg_url))
    assert "no version record; the schema matches phase 1 legacy" in out
    assert "gaingrid migrate adopt" in out

    assert "recorded at phase 1 legacy" in succeeded(gg("adopt", url=pg_url))
    assert revision(pg_url) == "0001_legacy"

    out = succeeded(gg("up", url=pg_url))
    for phase in GAINGRID.phases[1:6]:
        assert f"phase {phase.label} up: ok, schema verified" in out
    assert revision(pg_url) == "0006_add_performance_indexes"
    assert shape(pg_url) == expected(pg_url, 6)

    assert prisma_table(pg_url) == prisma_before
    assert public_tables(pg_url) == {
        "_prisma_migrations", "User", "Workout", "Exercise", "WorkoutExercise", "TrainingPlan", "Reminder", "WorkoutLog",
    }
    ours = query(pg_url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gaingrid_migrate'")
    assert ("alembic_version",) in ours


@pytest.mark.postgres
def test_drifted_prisma_database_matches_no_phase(pg_url):
    prisma_database(pg_url)
    execute(pg_url, 'ALTER TABLE "Exercise" ADD COLUMN "videoUrl" TEXT',
            'ALTER TABLE "WorkoutExercise" DROP CONSTRAINT "WorkoutExercise_workoutId_fkey"',
            'ALTER TABLE "WorkoutExercise" ADD CONSTRAINT "WorkoutExercise_workoutId_fkey" FOREIGN KEY ("workoutId") '
            'REFERENCES "Workout"("id") ON DELETE RESTRICT ON UPDATE CASCADE')
    before = snapshot(pg_url)

    result = gg("status", url=pg_url)
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    out = flat(result.stdout)
    assert "matches no phase; closest is phase 1 legacy" in out
    assert "- Exercise: unexpected column videoUrl" in out
    assert "- WorkoutExercise: foreign key WorkoutExercise_workoutId_fkey is" in out
    assert "ondelete='RESTRICT'" in out and "ondelete='CASCADE'" in out

    refused(gg("adopt", url=pg_url), "matches no phase")
    refused(gg("up", url=pg_url), "matches no phase")
    assert snapshot(pg_url) == before


@pytest.mark.postgres
def test_a_reachable_database_url_with_a_password_is_never_printed(pg_url):
    # The suite's server trusts local connections, so any password is accepted (and must stay hidden).
    url = pg_url.replace("://postgres@", f"://postgres:{SECRET}@", 1)
    assert SECRET in url
    outputs = [gg("status", url=url), gg("plan", "--sql", url=url), gg("up", "--to", "2", url=url),
               gg("status", url=url), gg("up", "--to", "9", url=url)]
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0, 1]
    assert "database: postgresql+psycopg://postgres:***@" in outputs[0].stdout
    for result in outputs:
        assert SECRET not in result.output


# -- happy paths -----------------------------------------------------------------------------------

def test_status_of_an_empty_database(db_url):
    if is_sqlite(db_url):
        create_empty_sqlite(db_url)
    before = snapshot(db_url)
    result = gg("status", url=db_url)
    out = succeeded(result)
    assert "state: empty (no application tables)" in out
    for number in range(1, 7):
        assert "pending" in row_of_phase(result, number)
    assert "opt-in" in row_of_phase(result, 7)
    assert snapshot(db_url) == before


def test_up_reaches_phase_6_and_status_shows_7_as_opt_in(db_url):
    out = succeeded(gg("up", url=db_url))
    for phase in GAINGRID.phases[:6]:
        assert f"↑ phase {phase.label} up: ok, schema verified" in out
    assert "cleanup_old_workout_models" not in out
    assert revision(db_url) == "0006_add_performance_indexes"
    assert shape(db_url) == expected(db_url, 6)

    result = gg("status", url=db_url)
    assert "state: at phase 6 add_performance_indexes" in succeeded(result)
    assert "current" in row_of_phase(result, 6)
    assert all("applied" in row_of_phase(result, n) for n in range(1, 6))
    assert "opt-in" in row_of_phase(result, 7)

    before = snapshot(db_url)
    assert "nothing to do: the database is already at the target phase" in succeeded(gg("up", url=db_url))
    assert snapshot(db_url) == before


def test_plan_lists_the_pending_phases_and_changes_nothing(sqlite_url):
    at_phase(sqlite_url, 2)
    before = snapshot(sqlite_url)

    result = gg("plan", url=sqlite_url)
    out = succeeded(result)
    assert "plan: up from phase 2 to phase 6" in out
    steps = [line.split("│")[2].strip() for line in result.stdout.splitlines()
             if line.startswith("│ ") and line.split("│")[1].strip().isdigit()]
    assert steps == ["3 add_training_models", "4 extend_exercise_model", "5 add_workout_log",
                     "6 add_performance_indexes"]
    assert "nothing was changed" in out

    assert "plan: up from phase 2 to phase 7" in succeeded(gg("plan", "--to", "7", url=sqlite_url))
    assert "plan: down from phase 2 to phase 1" in succeeded(gg("plan", "--down", "--to", "1", url=sqlite_url))
    assert snapshot(sqlite_url) == before


def test_plan_sql_prints_the_statements_and_changes_nothing(db_url):
    at_phase(db_url, 2)
    before = snapshot(db_url)

    result = gg("plan", "--sql", url=db_url)
    sql, raw = succeeded(result), result.stdout
    assert 'CREATE TABLE "WorkoutLog"' in raw
    assert 'CREATE TABLE "TrainingPlan"' in raw
    assert 'CREATE TABLE "User"' not in raw  # phases 1 and 2 are already applied
    assert "-> 0003_add_training_models" in sql and "-> 0006_add_performance_indexes" in sql
    if is_sqlite(db_url):
        assert "CONCURRENTLY" not in raw
        assert "gaingrid_migrate_alembic_version" in raw
    else:
        assert raw.count("CREATE INDEX CONCURRENTLY") == 8  # the six of phase 6 and the sync's two
        assert "gaingrid_migrate.alembic_version" in raw

    down = gg("plan", "--down", "--to", "1", "--sql", url=db_url)
    assert "-- Running downgrade 0002_extend_user_model -> 0001_legacy" in succeeded(down)

    assert snapshot(db_url) == before
    assert revision(db_url) == "0002_extend_user_model"
    assert shape(db_url) == expected(db_url, 2)


LEGACY_ROWS = [
    """INSERT INTO "User" ("id", "email", "password", "updatedAt") VALUES ('u1', 'a@example.com', 'x', '2024-01-01 00:00:00')""",
    """INSERT INTO "Workout" ("id", "userId", "date", "updatedAt") VALUES ('w1', 'u1', '2024-01-02 00:00:00', '2024-01-02 00:00:00')""",
    """INSERT INTO "Exercise" ("id", "name", "category", "updatedAt") VALUES ('e1', 'Squat', 'STRENGTH', '2024-01-01 00:00:00')""",
    """INSERT INTO "WorkoutExercise" ("id", "workoutId", "exerciseId", "sets", "reps", "weight", "updatedAt")
       VALUES ('we1', 'w1', 'e1', 5, 5, 100.5, '2024-01-02 00:00:00')""",
]


def test_up_to_7_then_down_to_6_keeps_the_legacy_rows(db_url):
    at_phase(db_url, 6)
    execute(db_url, *LEGACY_ROWS)

    assert "phase 7 cleanup_old_workout_models up: ok" in succeeded(gg("up", "--to", "7", url=db_url))
    assert revision(db_url) == "0007_cleanup_old_workout_models"
    assert "WorkoutExercise" not in shape(db_url).tables
    assert shape(db_url) == expected(db_url, 7)
    assert "state: at phase 7 cleanup_old_workout_models" in succeeded(gg("status", url=db_url))

    assert "phase 7 cleanup_old_workout_models down: ok" in succeeded(gg("down", "--to", "6", "--yes", url=db_url))
    assert revision(db_url) == "0006_add_performance_indexes"
    assert shape(db_url) == expected(db_url, 6)
    assert query(db_url, 'SELECT "id", "workoutId", "exerciseId", "sets", "reps", "weight" FROM "WorkoutExercise"') == [
        ("we1", "w1", "e1", 5, 5, 100.5),
    ]


def test_database_url_option_beats_the_environment_which_beats_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    option_url, env_url = f"sqlite:///{tmp_path / 'option.db'}", f"sqlite:///{tmp_path / 'env.db'}"

    succeeded(gg("up", "--to", "1", url=option_url, env={"GAINGRID_DATABASE_URL": env_url}))
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["option.db"]
    assert revision(option_url) == "0001_legacy"

    succeeded(gg("up", "--to", "2", env={"GAINGRID_DATABASE_URL": env_url}))
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["env.db", "option.db"]
    assert revision(env_url) == "0002_extend_user_model"

    succeeded(gg("up", "--to", "3"))
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["env.db", "gaingrid.db", "option.db"]
    assert revision("sqlite:///gaingrid.db") == "0003_add_training_models"
    assert "database: sqlite:///gaingrid.db" in succeeded(gg("status"))

    assert revision(option_url) == "0001_legacy"  # the others were left alone
    assert revision(env_url) == "0002_extend_user_model"


def test_the_console_script_exits_non_zero_with_one_line(tmp_path):
    bin_dir = Path(sys.executable).parent
    script = shutil.which("gaingrid", path=str(bin_dir)) or shutil.which("gaingrid")
    assert script, "the gaingrid console script is installed"
    env = {k: v for k, v in os.environ.items() if k != "GAINGRID_DATABASE_URL"}
    proc = subprocess.run([script, "migrate", "status", "--database-url", UNREACHABLE],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith("error: cannot connect to postgresql://u:***@127.0.0.1:1/x")
    assert SECRET not in proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_down_says_what_it_will_do_with_row_counts_and_asks_first(sqlite_url):
    from tests.harness import legacy_database

    migrator = legacy_database(sqlite_url)
    migrator.up(to=6)
    logs = migrator.backfills()[0].done
    asked = gg("down", "--to", "4", url=sqlite_url)  # no terminal to answer on: refused, nothing changed
    assert asked.exit_code == 1 and asked.stderr.splitlines() == [
        "error: down asks before it changes anything, and no one can answer here: rerun with --yes to go ahead"]
    said = flat(asked.stdout)
    assert f"phase 5 add_workout_log down: {logs:,} WorkoutLog rows stay in WorkoutExercise for the legacy app" in said
    assert "phase 6 add_performance_indexes down: schema only, no rows move" in said
    assert migrator.status().phase_number == 6
    assert "phase 5 add_workout_log down: ok" in succeeded(gg("down", "--to", "4", "--yes", url=sqlite_url))
    assert migrator.status().phase_number == 4
