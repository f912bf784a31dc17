"""`verify`, `status` and `plan` work with a role that can only read: what an auditor, a
dashboard or a CI check would use. The README lists the privileges each command needs."""
from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from gaingrid.cli import app
from tests.harness import legacy_database

runner = CliRunner()


def read_only(url: str) -> str:
    """A LOGIN role with CONNECT, USAGE on the two schemas, and SELECT on their tables: nothing else."""
    engine = sa.create_engine(url)
    database = url.rsplit("/", 1)[1]
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP ROLE IF EXISTS gg_reader")
        conn.exec_driver_sql("CREATE ROLE gg_reader LOGIN")
        conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
        conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO gg_reader')
        for schema in ("public", "gaingrid_migrate"):
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO gg_reader")
            conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO gg_reader")
    engine.dispose()
    return url.replace("postgres@", "gg_reader@", 1)


def test_status_plan_and_verify_run_with_a_read_only_role(pg_url):
    legacy_database(pg_url).up(to=5)
    reader = read_only(pg_url)
    for args in (["migrate", "status"], ["migrate", "plan"], ["migrate", "plan", "--sql"],
                 ["migrate", "verify"], ["migrate", "verify", "--json"], ["migrate", "history"]):
        result = runner.invoke(app, [*args, "--database-url", reader])
        assert result.exit_code == 0, f"{args}: {result.stderr or result.output}"
    verify = runner.invoke(app, ["migrate", "verify", "--database-url", reader])
    assert "not recorded in the ledger" in verify.stderr  # it says so, rather than failing
    # And it really cannot write: up is refused with a one-line error that says why.
    up = runner.invoke(app, ["migrate", "up", "--no-backup", "--database-url", reader])
    assert up.exit_code == 1 and "permission denied" in up.stderr and len(up.stderr.strip().splitlines()) == 1
