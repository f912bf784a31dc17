"""Teams that keep Prisma: after every phase, up and down, Prisma's own tooling calls the database up to date.

The real, pinned Prisma CLI (6.19.3; `npm ci` on first use, see
gaingrid.testing.loads) runs against the suite's PostgreSQL. The database is
made the Prisma way (`prisma migrate deploy` of the legacy migration), then
adopted with `--prisma-migrations`, taken up and down, and after each step:

- `prisma migrate status` exits 0 and says the schema is up to date;
- the drift check (`migrate diff --from-migrations` against the live schema,
  through `db pull`) is empty: a shadow replay of the folders, guards and all,
  is exactly the live schema;
- `prisma migrate dev --create-only` with the schema `gaingrid migrate
  prisma-schema` prints for the phase finds no drift and asks for no reset.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from gaingrid.cli import app
from gaingrid.phases import GAINGRID
from gaingrid.testing import pg_server
from gaingrid.testing.loads import LegacyAppUnavailable, client_schema, libpq_url, prepare_legacy_app, prisma
from phased import MigrateError, Migrator
from phased.state.prisma import PrismaHistory
from phased.state.state import live_shape

pytestmark = [pytest.mark.prisma]

SPEC = Path(__file__).parent / "spec"
INIT = "20240115100000_init"
EMPTY = "-- This is an empty migration."
runner = CliRunner()


@pytest.fixture(scope="module")
def prisma_cli() -> None:
    try:
        prepare_legacy_app()
    except LegacyAppUnavailable as exc:
        pytest.skip(f"NOT RUN: the real Prisma CLI is unavailable here ({exc}); CI runs these")


@pytest.fixture(scope="module")
def prisma_made(pg_admin_url: str, prisma_cli, tmp_path_factory) -> str:
    """A legacy database made the Prisma way, once per module: each test clones it (CREATE DATABASE … TEMPLATE)."""
    team = tmp_path_factory.mktemp("template")
    folder = team_folder(team)
    url = pg_server.create_database(pg_admin_url, prefix="prisma_made")
    done = prisma(["migrate", "deploy"], url, folder / "schema.prisma")
    assert done.returncode == 0, (done.stdout + done.stderr)[-1500:]
    with psycopg.connect(libpq_url(url)) as conn:  # a little data, so that the backfill and the sync have rows
        conn.execute("""INSERT INTO "User" VALUES ('u1', 'a@example.com', 'A', 'x', now(), now())""")
        conn.execute("""INSERT INTO "Workout" VALUES ('w1', 'u1', 'Push', now(), NULL, now(), now())""")
        conn.execute("""INSERT INTO "Exercise" VALUES ('e1', 'Bench press', NULL, 'STRENGTH', now(), now())""")
        conn.execute("""INSERT INTO "WorkoutExercise" VALUES ('x1', 'w1', 'e1', 5, 5, 80, NULL, NULL, now(), now())""")
    yield url
    pg_server.drop_database(pg_admin_url, url)


@pytest.fixture
def db(pg_admin_url: str, prisma_made: str) -> str:
    name = f"prisma_{pg_server.uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{prisma_made.rsplit("/", 1)[1]}"')
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    yield url
    pg_server.drop_database(pg_admin_url, url)


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """The team's repository: prisma/schema.prisma and prisma/migrations with the legacy migration."""
    return team_folder(tmp_path)


def team_folder(root: Path) -> Path:
    folder = root / "prisma"
    (folder / "migrations" / INIT).mkdir(parents=True)
    (folder / "migrations" / INIT / "migration.sql").write_text((SPEC / "1_legacy.sql").read_text())
    (folder / "migrations" / "migration_lock.toml").write_text('provider = "postgresql"\n')
    (folder / "schema.prisma").write_text(client_schema((SPEC / "1_legacy.prisma").read_text()))
    return folder


def gg(*args: str, url: str | None = None) -> Result:
    return runner.invoke(app, ["migrate", *args, *(["--database-url", url] if url else [])])


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def refused(result: Result, *says: str) -> str:
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in says:
        assert needle in lines[0], lines[0]
    return lines[0]


def rows(url: str) -> list[tuple]:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT migration_name, checksum, finished_at IS NOT NULL, rolled_back_at, "
                            "applied_steps_count FROM _prisma_migrations ORDER BY migration_name").fetchall()


def ours(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "migrations").iterdir() if "_gaingrid_phase" in p.name)


def commit_schema(folder: Path, phase: int) -> None:
    """What the team commits at `phase`: the schema `gaingrid migrate prisma-schema` prints."""
    (folder / "schema.prisma").write_text(client_schema(ok(gg("prisma-schema", "--phase", str(phase)))))


def prisma_agrees(url: str, folder: Path, tmp: Path) -> None:
    """Prisma's status, its drift check and `migrate dev` all say the database is what its history says.
    Status and `db pull` run at once; `migrate dev` after them (its draft folder would be a pending
    migration to a status reading the folder at that moment), the drift check's replay once the draft is gone."""
    schema = folder / "schema.prisma"
    pulled = tmp / "pulled.prisma"
    pulled.write_text(schema.read_text())
    with ThreadPoolExecutor(2) as pool:
        status, pull = pool.map(lambda args: prisma(args[:-1], url, args[-1]), [
            ["migrate", "status", schema], ["db", "pull", pulled]])
    before = set((folder / "migrations").iterdir())
    dev = prisma(["migrate", "dev", "--create-only", "--name", "probe"], url, schema)
    assert status.returncode == 0 and "Database schema is up to date!" in status.stdout, status.stdout + status.stderr
    said = dev.stdout + dev.stderr
    assert "Drift detected" not in said and "reset" not in said, said
    for path in set((folder / "migrations").iterdir()) - before:  # --create-only writes a draft even with
        assert (path / "migration.sql").read_text().strip() == EMPTY  # nothing to do: an empty one
        shutil.rmtree(path)
    assert pull.returncode == 0, pull.stderr[-1500:]
    drift = prisma(["migrate", "diff", "--from-migrations", str(folder / "migrations"),
                    "--to-schema-datamodel", str(pulled), "--script"], url)
    assert drift.returncode == 0 and drift.stdout.strip() == EMPTY, drift.stdout + drift.stderr


@pytest.mark.postgres
def test_each_phase_folder_is_prismas_own_sql_and_each_schema_prismas(prisma_cli, pg_admin_url, tmp_path):
    """Prisma's `migrate diff` from each phase's schema to the next is the SQL of the next phase's folder."""
    from gaingrid import prisma as ours_

    previous = None
    for phase in GAINGRID.phases:
        schema = tmp_path / f"{phase.number}.prisma"
        schema.write_text(client_schema(ours_.schema(phase)))
        source = ["--from-schema-datamodel", str(previous)] if previous else ["--from-empty"]
        done = prisma(["migrate", "diff", *source, "--to-schema-datamodel", str(schema), "--script"],
                      pg_admin_url)  # the adapter connects, though a diff of two schemas reads nothing
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == ours_.migration_sql(phase).strip(), phase.label
        previous = schema
    assert 'map: "gaingrid_migrate_workout_log_workoutId"' in ours_.schema(GAINGRID.phase(5))


@pytest.mark.slow  # about a minute on an idle machine: four Prisma commands at each of 13 phases
@pytest.mark.postgres
def test_every_phase_up_and_down_prisma_says_up_to_date(db, team, tmp_path):
    ok(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db))
    prisma_agrees(db, team, tmp_path)
    baseline = rows(db)
    for n in range(2, 8):
        ok(gg("up", "--to", str(n), "--no-backup", url=db))  # the folder is remembered from adopt
        commit_schema(team, n)
        prisma_agrees(db, team, tmp_path)
        assert [p.split("_gaingrid_")[1] for p in ours(team)] == [f"phase{p.number}_{p.name}"
                                                                  for p in GAINGRID.phases[1:n]]
        recorded = rows(db)
        assert recorded[0] == baseline[0] and [r[0] for r in recorded[1:]] == ours(team)
        for name, checksum, finished, rolled_back, _ in recorded[1:]:
            assert finished and rolled_back is None
            assert checksum == hashlib.sha256((team / "migrations" / name / "migration.sql").read_bytes()).hexdigest()
        said = " ".join(ok(gg("status", url=db)).split())
        assert f"Prisma's history: {n} migrations applied, {n - 1} of them phases 2..{n}" in said, said
    for n in range(6, 0, -1):
        ok(gg("down", "--to", str(n), "--yes", url=db))
        commit_schema(team, n)
        prisma_agrees(db, team, tmp_path)
        assert len(ours(team)) == n - 1 and len(rows(db)) == n
    aside = team / "migrations-rolled-back"
    assert len(list(aside.iterdir())) == 6
    ok(gg("verify", url=db))


@pytest.mark.postgres
def test_a_stray_deploy_of_a_phase_folder_stops_before_any_ddl_and_up_reuses_the_folder(db, team, tmp_path):
    """Another database already went to phase 4 and its folder is committed: a `prisma migrate deploy` here
    (at phase 3) stops at the guard, before any change; `up --to 4` marks that attempt rolled back (as
    `prisma migrate resolve --rolled-back` would: the pinned CLI's wasm engine cannot run that one) and
    applies the phase with that folder."""
    from gaingrid import prisma as ours_

    ok(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db))
    ok(gg("up", "--to", "3", "--no-backup", url=db))
    name = "20991231235959_gaingrid_phase4_extend_exercise_model"
    stray = team / "migrations" / name
    stray.mkdir()
    (stray / "migration.sql").write_bytes(ours_.history(None).content(name, GAINGRID.phase(4)).encode())
    before = shape(db)
    deploy = prisma(["migrate", "deploy"], db, team / "schema.prisma")
    assert deploy.returncode != 0
    assert f"this database is managed by gaingrid migrate, so Prisma must not apply {name}" in deploy.stderr
    assert shape(db) == before, "the guard stopped the deploy before any DDL"
    assert (name, False) in [(r[0], r[2]) for r in rows(db)], "Prisma recorded its failed attempt"
    status = gg("status", url=db)
    assert status.exit_code == 1
    said = " ".join(status.stdout.split())
    assert f"tried to apply {name} and the guard stopped it before any change" in said, said
    assert "`gaingrid migrate up` or `gaingrid migrate down` marks it rolled back" in said
    ok(gg("up", "--to", "4", "--no-backup", url=db))
    assert ours(team)[-1] == name, "the folder another database committed is the phase's, here too"
    attempts = [r for r in rows(db) if r[0] == name]
    assert [(finished, rolled_back is not None) for _, _, finished, rolled_back, _ in attempts] in (
        [(False, True), (True, False)], [(True, False), (False, True)])
    commit_schema(team, 4)
    prisma_agrees(db, team, tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_teams_own_migration_after_phase_6_is_foreign_not_drift(db, team, tmp_path):
    ok(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db))
    ok(gg("up", "--no-backup", url=db))
    schema = ok(gg("prisma-schema", "--phase", "6"))
    nickname = "  password      String\n  nickname      String?\n"
    (team / "schema.prisma").write_text(client_schema(schema.replace("  password      String\n", nickname, 1)))
    created = prisma(["migrate", "dev", "--name", "add_nickname", "--skip-generate"], db, team / "schema.prisma")
    assert created.returncode == 0, created.stdout + created.stderr
    assert 'ADD COLUMN     "nickname" TEXT' in next((team / "migrations").glob("*_add_nickname")).joinpath(
        "migration.sql").read_text()
    ok(gg("status", url=db))
    ok(gg("verify", url=db))

    ok(gg("down", "--to", "5", "--yes", url=db))
    (team / "schema.prisma").write_text(client_schema(
        ok(gg("prisma-schema", "--phase", "5")).replace("  password      String\n", nickname, 1)))
    prisma_agrees(db, team, tmp_path)
    ok(gg("up", "--no-backup", url=db))
    ok(gg("up", "--to", "7", "--no-backup", url=db))
    (team / "schema.prisma").write_text(client_schema(
        ok(gg("prisma-schema", "--phase", "7")).replace("  password      String\n", nickname, 1)))
    prisma_agrees(db, team, tmp_path)
    ok(gg("status", url=db))
    assert ours(team)[-1].endswith("_gaingrid_phase7_cleanup_old_workout_models")


@pytest.mark.postgres
def test_after_a_prisma_migrate_reset_status_explains_and_up_refuses(db, team):
    ok(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db))
    ok(gg("up", "--to", "3", "--no-backup", url=db))
    reset = prisma(["migrate", "reset", "--force", "--skip-generate", "--skip-seed"], db, team / "schema.prisma")
    assert reset.returncode != 0, "the guard stops the replay at phase 2's folder"
    status = gg("status", url=db)
    said = " ".join(status.stdout.split())
    assert status.exit_code == 1
    assert "it was reset or rewritten (prisma migrate reset, db push?)" in said and "restore the last backup" in said
    before, history = shape(db), rows(db)
    refused(gg("up", "--no-backup", url=db), "nothing was changed")
    assert shape(db) == before and rows(db) == history


@pytest.mark.postgres
def test_a_database_adopted_without_the_option_gets_its_prisma_history_later(db, team, tmp_path):
    """The measured case: adopted and taken to phase 4 with Prisma's history left alone. `adopt
    --prisma-migrations` then records phases 2 to 4 in it, in one transaction, and writes their folders."""
    ok(gg("adopt", url=db))
    ok(gg("up", "--to", "4", "--no-backup", url=db))
    assert len(rows(db)) == 1
    ok(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db))
    assert [r[0].split("_gaingrid_")[1] for r in rows(db)[1:]] == [
        "phase2_extend_user_model", "phase3_add_training_models", "phase4_extend_exercise_model"]
    assert ours(team) == [r[0] for r in rows(db)[1:]]
    commit_schema(team, 4)
    prisma_agrees(db, team, tmp_path)
    refused(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db), "already managed")


@pytest.mark.postgres
def test_the_prisma_row_commits_with_the_phase_or_not_at_all(db, team):
    """A failure after the row is written, in the phase's transaction, leaves neither the phase nor the row."""
    from gaingrid import prisma as ours_

    class FailsAfterStamping(PrismaHistory):
        def stamp(self, conn, phase, *, down):
            super().stamp(conn, phase, down=down)
            assert conn.exec_driver_sql("SELECT count(*) FROM _prisma_migrations").scalar_one() == 2
            raise MigrateError("the phase's transaction fails after Prisma's row is written")

    ok(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db))
    before = rows(db)
    migrator = Migrator(GAINGRID, db, recorders=[FailsAfterStamping(GAINGRID, None, ours_.migration_sql)])
    with pytest.raises(MigrateError, match="after Prisma's row is written"):
        migrator.up(to=2)
    assert migrator.status().recorded.number == 1
    assert rows(db) == before and ours(team) == []
    ok(gg("up", "--to", "2", "--no-backup", url=db))
    assert len(rows(db)) == 2 and len(ours(team)) == 1


@pytest.mark.postgres
def test_status_and_verify_fail_on_an_edited_phase_migration_and_a_missing_folder_is_written_again(db, team):
    ok(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db))
    ok(gg("up", "--to", "3", "--no-backup", url=db))
    second, third = (team / "migrations" / name / "migration.sql" for name in ours(team))
    text = second.read_text()
    second.write_text(text + "-- edited\n")
    edited = f"{second.parent.name}/migration.sql changed since it was applied"
    status = gg("status", url=db)
    assert status.exit_code == 1 and edited in " ".join(status.stdout.split())
    verify = gg("verify", "--json", url=db)
    assert verify.exit_code == 1
    failed = [c for c in json.loads(verify.stdout)["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["Prisma's history agrees"] and edited in failed[0]["detail"]
    refused(gg("down", "--to", "2", "--yes", url=db), "changed since it was applied", "nothing was changed")
    second.write_text(text)
    shutil.rmtree(third.parent)  # a step stopped between its commit and its folder, or a careless checkout
    assert "is missing from" in " ".join(gg("status", url=db).stdout.split())
    ok(gg("up", "--no-backup", "--to", "3", url=db))
    assert third.exists()
    ok(gg("status", url=db))


@pytest.mark.postgres
def test_adopt_refuses_a_dirty_prisma_history_and_changes_nothing(db, team):
    execute(db, """INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at)
                   VALUES ('f0000000-0000-4000-8000-000000000001', 'x', '20240201000000_half_done', now())""")
    refused(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db),
            "failed migration, 20240201000000_half_done", "prisma migrate resolve --rolled-back")
    assert not managed(db)
    execute(db, "UPDATE _prisma_migrations SET finished_at = now() WHERE migration_name = '20240201000000_half_done'")
    refused(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db),
            "20240201000000_half_done is applied but missing from")
    assert not managed(db)
    execute(db, "DELETE FROM _prisma_migrations WHERE migration_name = '20240201000000_half_done'")
    (team / "migrations" / INIT / "migration.sql").write_text("-- edited\n" + (SPEC / "1_legacy.sql").read_text())
    refused(gg("adopt", "--prisma-migrations", str(team / "migrations"), url=db), "changed since it was applied")
    refused(gg("adopt", "--prisma-migrations", str(team / "nowhere"), url=db), "is not a folder")
    assert not managed(db)


@pytest.mark.postgres
def test_up_with_the_option_on_a_database_whose_history_is_not_attached_refuses(db, team):
    ok(gg("adopt", url=db))
    refused(gg("up", "--no-backup", "--prisma-migrations", str(team / "migrations"), url=db),
            "gaingrid migrate adopt", "nothing was changed")
    assert ok(gg("prisma-schema", "--phase", "1")).count("model ") == 4
    refused(gg("prisma-schema", "--phase", "8"), "unknown phase 8")


def test_prisma_history_is_postgresql_only(sqlite_url, tmp_path):
    refused(gg("status", "--prisma-migrations", str(tmp_path), url=sqlite_url), "PostgreSQL only")


# -- helpers -------------------------------------------------------------------------------------------------

def execute(url: str, *statements: str) -> None:
    with psycopg.connect(libpq_url(url)) as conn:
        for s in statements:
            conn.execute(s)


def managed(url: str) -> bool:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT to_regclass('gaingrid_migrate.alembic_version') IS NOT NULL").fetchone()[0]


def shape(url: str):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return live_shape(GAINGRID, conn)
    finally:
        engine.dispose()


def test_what_a_prisma_migration_adds_is_read_from_prismas_own_forms():
    """The team's migrations are read in the forms Prisma writes them; anything but an addition is named."""
    from phased.state.prisma import prisma_additions

    added, refused_at = prisma_additions((SPEC / "3_add_training_models.sql").read_text()
                                         + (SPEC / "4_extend_exercise_model.sql").read_text()
                                         + (SPEC / "6_add_performance_indexes.sql").read_text())
    assert refused_at == ""
    assert added.tables == {"TrainingPlan", "Reminder"}
    assert ("Exercise", "trainingPlanId") in added.columns and len(added.columns) == 9
    assert ("Exercise", "Exercise_trainingPlanId_fkey") in added.foreign_keys and len(added.foreign_keys) == 4
    assert ("WorkoutLog", "WorkoutLog_userId_date_idx") in added.indexes and len(added.indexes) == 6
    assert prisma_additions('CREATE TYPE "Mood" AS ENUM (\'GOOD\', \'BAD\');')[0].enums == {"Mood"}
    for statement in ('ALTER TABLE "User" DROP COLUMN "goals";', 'ALTER TABLE "User" ALTER COLUMN "name" SET NOT NULL;',
                      (SPEC / "7_cleanup_old_workout_models.sql").read_text()):
        added, refused_at = prisma_additions(statement)
        assert refused_at and not added, statement
