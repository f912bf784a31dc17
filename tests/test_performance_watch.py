"""The before/after performance watch: `up` snapshots the app's top statements (pg_stat_statements,
preloaded by the suite's server) before and after each phase, and `migrate report` shows mean time and
calls per statement before the run and since it ended, flagging regressions over a ratio."""
from __future__ import annotations

import psycopg
import pytest
from typer.testing import CliRunner

from gaingrid.cli import app
from gaingrid.testing.loads import libpq_url
from tests.harness import legacy_database

runner = CliRunner()


def _app_runs(url: str, sleep: float, times: int) -> None:
    """The app's statements: one that takes `sleep` seconds, and a cheap one."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for _ in range(times):
            conn.execute("SELECT pg_sleep(%s)", (sleep,))
            conn.execute('SELECT count(*) FROM "User"')


@pytest.mark.postgres
def test_a_statement_slower_after_the_run_is_flagged(pg_url):
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
    migrator = legacy_database(pg_url)
    _app_runs(pg_url, 0.001, 5)
    migrator.up(to=2)
    step = [e for e in migrator.history() if e.direction == "up" and e.phase == 2][-1]
    assert any("pg_sleep" in q for q, _, _ in step.details["statements"]["before"].values())
    _app_runs(pg_url, 0.03, 3)

    statements, why = migrator.performance(ratio=1.5)
    assert why == ""
    by_query = {" ".join(s.query.split()): s for s in statements}
    sleep = by_query["SELECT pg_sleep($1)"]
    assert sleep.regressed and (sleep.before_calls, sleep.after_calls) == (5, 3)
    assert sleep.after_mean_ms > 25 and sleep.before_mean_ms < 10
    assert not by_query['SELECT count(*) FROM "User"'].regressed
    assert [s.query for s in statements if s.regressed] == ["SELECT pg_sleep($1)"]
    assert not any("gaingrid_migrate" in q or "pg_stat_statements" in q for q in by_query)  # the migrator's own
    out = runner.invoke(app, ["migrate", "report", "--database-url", pg_url, "--ratio", "2"])
    assert out.exit_code == 0, out.output
    assert "REGRESSION" in out.stdout and "1 statement regressed" in " ".join(out.stdout.split())


def test_without_statement_statistics_the_watch_says_so_and_skips(db_url):
    legacy_database(db_url).up(to=2)
    out = runner.invoke(app, ["migrate", "report", "--database-url", db_url])
    assert out.exit_code == 0, out.output
    assert "the performance watch is skipped" in " ".join(out.stdout.split())
