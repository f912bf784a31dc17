"""DDL never queues the application behind it: it waits at most lock_timeout,
backs off and tries again, and gives up cleanly if the lock never comes."""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import pytest
import sqlalchemy as sa

from gaingrid.phases import GAINGRID
from phased.declare.errors import MigrateError
from phased.lifecycle.commands import Migrator
from tests.harness import legacy_database


@contextmanager
def app_holding_a_lock_on_user(url: sa.URL, seconds: float) -> Iterator[None]:
    """Another session reads "User" in an open transaction (ACCESS SHARE) for `seconds`."""
    held = threading.Event()

    def hold() -> None:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql('SELECT count(*) FROM "User"')
            held.set()
            time.sleep(seconds)
            conn.rollback()
        engine.dispose()

    blocker = threading.Thread(target=hold)
    blocker.start()
    held.wait()
    try:
        yield
    finally:
        blocker.join()


def test_ddl_backs_off_and_retries_when_the_app_holds_a_lock(pg_url: str) -> None:
    url = legacy_database(pg_url).url
    migrator = Migrator(GAINGRID, url, lock_timeout=0.2, lock_retries=6)
    started = time.perf_counter()
    with app_holding_a_lock_on_user(url, 1.5):
        migrator.up(to=2)
    assert time.perf_counter() - started >= 1.0, "it waited for the app's transaction instead of failing"
    assert migrator.status().phase_number == 2


def test_ddl_gives_up_cleanly_when_the_lock_never_comes_and_names_who_holds_it(pg_url: str) -> None:
    url = legacy_database(pg_url).url
    migrator = Migrator(GAINGRID, url, lock_timeout=0.1, lock_retries=1)
    with app_holding_a_lock_on_user(url, 3.0), pytest.raises(MigrateError) as refused:
        migrator.up(to=2)
    message = str(refused.value)
    assert "lock timeout" in message and "rolled back" in message and "`gaingrid migrate up`" in message
    assert re.search(r'pid \d+ \(idle in transaction for \d+ s\) holds a lock on "User"', message), message
    assert "\n" not in message
    assert migrator.status().phase_number == 1
    assert migrator.history()[-1].outcome == "failed"
