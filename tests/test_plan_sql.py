"""`plan --sql` prints what `up` runs, runnably, and a linter finds no lock hazard in it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from gaingrid.phases import GAINGRID
from gaingrid.testing.loads import libpq_url
from phased.lifecycle.commands import Migrator, Plan
from phased.state.state import expected_shape, live_shape
from tests.harness import legacy_database

ROOT = Path(__file__).resolve().parents[1]
PG_URL = "postgresql+psycopg://u@nowhere.invalid/db"
SQUAWK = str(Path(sys.executable).with_name("squawk"))
DROPS = {"ban-drop-table", "ban-drop-column", "ban-drop-function", "ban-drop-constraint"}


def plan_sql(url: str, plan: Plan) -> str:
    return Migrator(GAINGRID, url).render_sql(plan)


def squawk(sql: str, tmp_path: Path) -> list[str]:
    """The rules squawk reports for `sql`, with the project's config (.squawk.toml)."""
    path = tmp_path / "plan.sql"
    path.write_text(sql)
    done = subprocess.run([SQUAWK, "--config", str(ROOT / ".squawk.toml"), "--reporter", "json", str(path)],
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return [v["rule_name"] for v in json.loads(done.stdout or "[]")]


def test_the_up_plan_has_no_lock_hazard(tmp_path):
    up = Plan("up", 1, 6, GAINGRID.phases[1:6])
    assert squawk(plan_sql(PG_URL, up), tmp_path) == []


@pytest.mark.parametrize("plan", [Plan("up", 1, 7, GAINGRID.phases[1:7]),
                                  Plan("down", 7, 1, tuple(reversed(GAINGRID.phases[1:])))],
                         ids=["up to 7", "down to 1"])
def test_the_plans_that_drop_have_only_their_drops_to_report(plan, tmp_path):
    """Phase 7 and the downgrades drop what they archived first; nothing else may show."""
    found = squawk(plan_sql(PG_URL, plan), tmp_path)
    assert found and set(found) <= DROPS


def test_squawk_finds_the_hazards_it_is_there_for(tmp_path):
    """The lint can fail: the unsafe forms the engine avoids are reported."""
    found = squawk('ALTER TABLE "Exercise" ADD CONSTRAINT "x" FOREIGN KEY ("trainingPlanId") REFERENCES '
                   '"TrainingPlan" ("id");\nCREATE INDEX "y" ON "WorkoutLog" ("date");\n', tmp_path)
    assert {"constraint-missing-not-valid", "require-concurrent-index-creation"} <= set(found)
    assert "require-timeout-settings" in found or "require-lock-timeout" in found


def test_the_plan_has_no_placeholder_left():
    sql = plan_sql(PG_URL, Plan("up", 1, 6, GAINGRID.phases[1:6]))
    assert ":lo" not in sql and ":hi" not in sql


def test_the_plan_run_by_psql_ends_where_up_ends(pg_url, pg_admin_url):
    """The printed plan, run as it stands, leaves the same database `up` does, and it verifies."""
    psql = shutil.which("psql")
    assert psql, "psql (the PostgreSQL client) is needed to run a plan"
    by_plan, by_up = legacy_database(pg_url), None
    sql = Migrator(GAINGRID, pg_url).render_sql(by_plan.plan(6))
    done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq_url(pg_url)], input=sql,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert by_plan.status().phase_number == 6 and not by_plan.status().differences
    assert by_plan.verify().ok

    from gaingrid.testing import pg_server
    other = pg_server.create_database(pg_admin_url)
    try:
        by_up = legacy_database(other)
        by_up.up()
        engines = sa.create_engine(pg_url), sa.create_engine(other)
        try:
            with engines[0].connect() as a, engines[1].connect() as b:
                assert live_shape(GAINGRID, a) == live_shape(GAINGRID, b) == expected_shape(
                    GAINGRID, GAINGRID.phase(6), a.dialect)
                rows = 'SELECT * FROM "WorkoutLog" ORDER BY id'
                assert a.exec_driver_sql(rows).fetchall() == b.exec_driver_sql(rows).fetchall()
                triggers = ("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal "
                            "ORDER BY tgname")
                assert a.exec_driver_sql(triggers).fetchall() == b.exec_driver_sql(triggers).fetchall()
                indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
                assert a.exec_driver_sql(indexes).fetchall() == b.exec_driver_sql(indexes).fetchall()
        finally:
            for e in engines:
                e.dispose()
    finally:
        pg_server.drop_database(pg_admin_url, other)


def test_the_sqlite_plan_runs_in_sqlite3_and_ends_at_phase_6(sqlite_url):
    migrator = legacy_database(sqlite_url)
    sql = migrator.render_sql(migrator.plan(6))
    import sqlite3

    conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    conn.executescript(sql)
    conn.close()
    assert migrator.status().phase_number == 6 and not migrator.status().differences
    assert migrator.verify().ok
