"""DDL never queues the application behind it: it waits at most lock_timeout,
backs off and tries again, and gives up cleanly if the lock never comes."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from gaingrid.migrate.errors import MigrateError
from gaingrid.migrate.runner import Migrator
from gaingrid.phases import GAINGRID
from tests.harness import legacy_database


def hold_lock_on_user(url: sa.URL, seconds: float, held: threading.Event) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql('SELECT count(*) FROM "User"')  # ACCESS SHARE until the transaction ends
        held.set()
        time.sleep(seconds)
        conn.rollback()
    engine.dispose()


def test_ddl_backs_off_and_retries_when_the_app_holds_a_lock(pg_url: str) -> None:
    url = legacy_database(pg_url).url
    held = threading.Event()
    blocker = threading.Thread(target=hold_lock_on_user, args=(url, 1.5, held))
    blocker.start()
    held.wait()
    migrator = Migrator(GAINGRID, url, lock_timeout=0.2, lock_retries=6)
    started = time.perf_counter()
    migrator.up(to=2)
    blocker.join()
    assert time.perf_counter() - started >= 1.0, "it waited for the app's transaction instead of failing"
    assert migrator.status().phase_number == 2


def test_ddl_gives_up_cleanly_when_the_lock_never_comes(pg_url: str) -> None:
    url = legacy_database(pg_url).url
    held = threading.Event()
    blocker = threading.Thread(target=hold_lock_on_user, args=(url, 3.0, held))
    blocker.start()
    held.wait()
    migrator = Migrator(GAINGRID, url, lock_timeout=0.1, lock_retries=1)
    with pytest.raises(MigrateError, match="lock timeout"):
        migrator.up(to=2)
    blocker.join()
    assert migrator.status().phase_number == 1
    assert migrator.history()[-1].outcome == "failed"
