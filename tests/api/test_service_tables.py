"""The service's own table (token versions) stays out of the schema the migration checks."""
from __future__ import annotations

from gaingrid.phases import GAINGRID
from gaingrid.service.sessions import SQLITE_TABLE
from phased.lifecycle.commands import Migrator

from .conftest import sqlite_only


@sqlite_only
def test_sqlite_gets_the_table_only_from_a_logout(api_at):
    """Until the toolkit ignores it, the table on SQLite would make `migrate up` refuse to run."""
    api = api_at(3, with_catalog=False)
    me = api.user()
    assert me.get("/me").status_code == 200
    assert Migrator(GAINGRID, api.url).status().differences == []
    assert me.post("/auth/logout").status_code == 204
    assert me.get("/me").status_code == 401
    assert api.sql("SELECT count(*) FROM sqlite_master WHERE name = :n", n=SQLITE_TABLE)[0][0] == 1


def test_the_service_table_is_made_at_phase_1_and_the_service_still_reads_the_phase(api_at, backend):
    api = api_at(3, with_catalog=False)
    me = api.user()
    assert me.post("/auth/logout").status_code == 204
    if backend == "sqlite":
        assert api.sql("SELECT count(*) FROM sqlite_master WHERE name = :n", n=SQLITE_TABLE)[0][0] == 1
    else:
        assert api.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'gaingrid_service'"
                       )[0][0] == 1
    api.sql("DELETE FROM gaingrid_migrate_alembic_version" if backend == "sqlite"
            else "DELETE FROM gaingrid_migrate.alembic_version")  # unmanaged: identified by its schema
    body = api.client.get("/status").json()
    assert (body["phase"], body["managed"]) == (3, False)


def test_an_empty_database_stays_empty(api_at):
    api = api_at(0)
    api.client.get("/status")
    api.client.post("/auth/login", json={"email": "a@example.com", "password": "x"})
    assert Migrator(GAINGRID, api.url).status().empty


def test_the_migration_sees_no_drift_from_the_service_table(api_at, backend, request):
    api = api_at(6)
    assert api.user().post("/auth/logout").status_code == 204
    assert Migrator(GAINGRID, api.url).status().differences == []
