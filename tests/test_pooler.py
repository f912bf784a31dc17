"""The migrator behind a pooler: PgBouncer in transaction mode (Debian's pgbouncer, started by the suite
on loopback), where session advisory locks and SET do not hold. The migrator sees it on its connection
and refuses, naming the direct URL to use; on the direct URL, `up` runs while the real Prisma app
writes through PgBouncer."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaingrid.cli import app
from gaingrid.data.demo_data import DemoDataOptions
from gaingrid.phases import GAINGRID
from gaingrid.testing import pgbouncer
from gaingrid.testing.loads import PrismaLegacyApp
from phased.lifecycle.commands import Migrator
from tests.harness import legacy_database

runner = CliRunner()
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="session")
def bouncer_port(pg_admin_url):
    with pgbouncer.running(pg_admin_url) as port:
        yield port


def refused(result, *says):
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in says:
        assert needle.lower() in lines[0].lower(), f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def config(folder: Path, direct: bool, pooled: bool = False) -> None:
    (folder / "gaingrid.toml").write_text(
        '[environments.production]\nurl_env = "GG_APP_URL"\nbackup_dir = "backups"\n'
        + ('direct_url_env = "GG_DIRECT_URL"\n' if direct else "") + ("pooled = true\n" if pooled else ""))


def test_the_migrator_refuses_a_pooled_connection_and_names_the_direct_url(pg_url, bouncer_port, tmp_path,
                                                                           monkeypatch):
    legacy_database(pg_url)
    pooled = pgbouncer.through(pg_url, bouncer_port)
    assert Migrator(GAINGRID, pooled).status().phase_number == 1  # reading through it is fine
    before = Migrator(GAINGRID, pg_url).history()

    line = refused(runner.invoke(app, ["migrate", "up", "--database-url", pooled]),
                   "connection pooler in transaction mode", "advisory lock", "direct URL")
    assert f":{bouncer_port}/" in line

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GG_APP_URL", pooled)
    config(tmp_path, direct=False)
    refused(runner.invoke(app, ["migrate", "up", "--env", "production"]), "pooler", "direct_url_env")
    refused(runner.invoke(app, ["migrate", "adopt", "--env", "production"]), "pooler")
    monkeypatch.setenv("GG_DIRECT_URL", pooled)  # the "direct" URL goes through the pooler too
    config(tmp_path, direct=True)
    refused(runner.invoke(app, ["migrate", "down", "--to", "1", "--env", "production", "--yes"]),
            "point GG_DIRECT_URL")
    assert Migrator(GAINGRID, pg_url).status().phase_number == 1
    assert len(Migrator(GAINGRID, pg_url).history()) == len(before)  # nothing changed, nothing recorded

    # Told so: a URL marked pooled is never migrated on, whatever it answers.
    monkeypatch.setenv("GG_APP_URL", pg_url)
    config(tmp_path, direct=False, pooled=True)
    refused(runner.invoke(app, ["migrate", "up", "--env", "production"]), "pooled = true", "direct_url_env")


def test_a_direct_connection_is_not_taken_for_a_pooler(pg_url):
    """Every migrating command probes: it must not see a pooler where there is none (the rest of the
    suite migrates on direct URLs)."""
    migrator = legacy_database(pg_url)
    assert [r.phase.number for r in migrator.up(to=2)] == [2]


@pytest.mark.slow  # the real Prisma app
def test_up_on_the_direct_url_while_the_prisma_app_writes_through_pgbouncer(pg_url, bouncer_port, tmp_path,
                                                                           monkeypatch):
    legacy_database(pg_url, DemoDataOptions(seed=3, users=20, workouts_per_user=10, exercises_per_workout=4,
                                            months=3, exercises=60))
    pooled = pgbouncer.through(pg_url, bouncer_port)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GG_APP_URL", pooled)
    monkeypatch.setenv("GG_DIRECT_URL", pg_url)
    config(tmp_path, direct=True)
    app_load = PrismaLegacyApp(pooled, workers=4, think_ms=10)
    app_load.start()
    try:
        result = runner.invoke(app, ["migrate", "up", "--env", "production", "--batch-size", "500"])
    finally:
        ops = app_load.stop()
    assert result.exit_code == 0, result.output + result.stderr
    assert Migrator(GAINGRID, pg_url).status().phase_number == 6
    writes = [o for o in ops if o.op != "read"]
    failed = [o for o in writes if o.err and not o.err.startswith("race")]
    assert len(writes) > 50, "the app did not write during the migration"
    assert failed == [], failed[:5]
    assert Migrator(GAINGRID, pg_url).verify(strict=False).ok


def test_why_behind_the_pooler_two_migrators_would_both_hold_the_lock(pg_url, bouncer_port):
    """What the refusal prevents: through PgBouncer in transaction mode, a second client is handed the
    session that holds the first one's advisory lock, and gets it too; directly, it does not."""
    import psycopg

    from gaingrid.testing.loads import libpq_url

    def both_get_the_lock(url: str) -> bool:
        with psycopg.connect(libpq_url(url)) as first, psycopg.connect(libpq_url(url)) as second:
            assert first.execute("SELECT pg_try_advisory_lock(4242)").fetchone()[0]
            first.commit()
            got = second.execute("SELECT pg_try_advisory_lock(4242)").fetchone()[0]
            second.commit()
            first.execute("SELECT pg_advisory_unlock_all()")
            first.commit()
            return got

    assert both_get_the_lock(pgbouncer.through(pg_url, bouncer_port))
    assert not both_get_the_lock(pg_url)
