"""After each phase, the live PostgreSQL schema is what Prisma's own SQL
produces (tests/spec/N_*.sql, copied from the shared spec): name for name,
type for type, default for default, constraint for constraint."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from gaingrid.phases import GAINGRID
from gaingrid.testing import pg_server
from phased.lifecycle.commands import Migrator
from phased.state.state import expected_shape, live_shape

SPEC = sorted((Path(__file__).parent / "spec").glob("*.sql"))


def prisma_database(admin_url: str, phase: int) -> str:
    url = pg_server.create_database(admin_url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for script in SPEC[:phase]:
            conn.exec_driver_sql(script.read_text())
    engine.dispose()
    return url


@pytest.mark.parametrize("phase", range(1, 8))
def test_schema_after_each_phase_is_prismas(pg_admin_url: str, pg_url: str, phase: int) -> None:
    assert len(SPEC) == 7
    Migrator(GAINGRID, pg_url).up(to=phase)
    prisma_url = prisma_database(pg_admin_url, phase)
    ours, theirs = sa.create_engine(pg_url), sa.create_engine(prisma_url)
    try:
        with ours.connect() as a, theirs.connect() as b:
            mine, prismas = live_shape(GAINGRID, a), live_shape(GAINGRID, b)
            assert prismas.diff(mine) == []
            assert mine == prismas
            assert expected_shape(GAINGRID, GAINGRID.phase(phase), a.dialect) == mine
            # Lock-safe DDL must still end fully valid: no NOT VALID constraint, no INVALID index.
            assert a.exec_driver_sql("SELECT count(*) FROM pg_constraint WHERE NOT convalidated").scalar_one() == 0
            assert a.exec_driver_sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid").scalar_one() == 0
            # The toolkit's bookkeeping stays out of `public`.
            public = {r[0] for r in a.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
            assert public == set(mine.tables)
    finally:
        ours.dispose()
        theirs.dispose()
        pg_server.drop_database(pg_admin_url, prisma_url)


@pytest.mark.parametrize("phase", range(1, 7))
def test_schema_after_each_down_is_prismas(pg_admin_url: str, pg_url: str, phase: int) -> None:
    """Down from phase 7 to each phase: the derived downgrades (ddl.recreate_table) included."""
    migrator = Migrator(GAINGRID, pg_url)
    migrator.up(to=7)
    migrator.down(to=phase)
    prisma_url = prisma_database(pg_admin_url, phase)
    ours, theirs = sa.create_engine(pg_url), sa.create_engine(prisma_url)
    try:
        with ours.connect() as a, theirs.connect() as b:
            assert live_shape(GAINGRID, b).diff(live_shape(GAINGRID, a)) == []
    finally:
        ours.dispose()
        theirs.dispose()
        pg_server.drop_database(pg_admin_url, prisma_url)


def test_a_prisma_made_legacy_database_is_adopted_and_migrated(pg_admin_url: str) -> None:
    url = prisma_database(pg_admin_url, 1)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            'CREATE TABLE "_prisma_migrations" (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, '
            "migration_name VARCHAR(255) NOT NULL, applied_steps_count INTEGER NOT NULL DEFAULT 0)")
        conn.exec_driver_sql("INSERT INTO \"_prisma_migrations\" VALUES ('m1', 'abc', '0_init', 1)")
    migrator = Migrator(GAINGRID, url)
    state = migrator.status()
    assert not state.managed and state.matched.number == 1
    assert migrator.adopt().number == 1
    migrator.up()
    theirs_url = prisma_database(pg_admin_url, 6)
    theirs = sa.create_engine(theirs_url)
    try:
        with engine.connect() as a, theirs.connect() as b:
            assert live_shape(GAINGRID, a) == live_shape(GAINGRID, b)
            assert a.exec_driver_sql('SELECT migration_name FROM "_prisma_migrations"').scalar_one() == "0_init"
    finally:
        engine.dispose()
        theirs.dispose()
        pg_server.drop_database(pg_admin_url, url)
        pg_server.drop_database(pg_admin_url, theirs_url)
