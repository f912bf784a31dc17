"""DDL never queues the application behind it: it waits at most lock_timeout,
backs off and tries again, and gives up cleanly if the lock never comes."""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

import pytest
import sqlalchemy as sa

from gaingrid.data.demo_data import DemoDataOptions
from gaingrid.phases import GAINGRID, WORKOUT_LOG
from gaingrid.testing import pg_server
from phased.declare.errors import MigrateError
from phased.dialects.postgresql import PostgreSQL
from phased.dialects.postgresql_reverse import engine_writes
from phased.lifecycle.commands import Migrator
from tests.harness import legacy_database

# Enough pages of WorkoutLog for a vacuum slowed to one page per 100 ms to outlast the test.
AUTOVACUUMED = DemoDataOptions(seed=11, users=20, workouts_per_user=25, exercises_per_workout=5, months=6, exercises=60)


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


def test_a_deferred_key_waits_longer_on_each_retry_after_the_fourth(pg_url: str) -> None:
    """At 10M rows, autovacuum of the freshly filled WorkoutLog held its lock for half a minute and
    the key's add lost all 12 races at a fixed 0.5 s wait. The server cancels an autovacuum only for
    a waiter that waits past deadlock_timeout: the add must wait longer as its retries go on. Here
    a session holds the table until an attempt comes with a longer wait than the first ones."""
    from tests.test_resume import sql, stopped_in

    migrator = legacy_database(pg_url)
    migrator.up(to=5)
    url = migrator.url
    stopped_in(pg_url, 5, "up")
    sql(pg_url, 'ALTER TABLE "WorkoutLog" DROP CONSTRAINT "WorkoutLog_userId_fkey"')
    waits: list[str] = []
    longer = threading.Event()

    def lock_wait(conn, cursor, statement, parameters, context, executemany) -> None:
        if 'ADD CONSTRAINT "WorkoutLog_userId_fkey"' in statement:
            waits.append(cursor.connection.execute("SHOW lock_timeout").fetchone()[0])
            if waits[-1] != waits[0]:
                longer.set()

    def hold() -> None:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql('LOCK TABLE "WorkoutLog" IN SHARE UPDATE EXCLUSIVE MODE')  # as autovacuum does
            held.set()
            longer.wait(timeout=20)
            conn.rollback()
        engine.dispose()

    held = threading.Event()
    blocker = threading.Thread(target=hold)
    sa.event.listen(sa.Engine, "before_cursor_execute", lock_wait)
    try:
        blocker.start()
        held.wait()
        Migrator(GAINGRID, url, lock_timeout=0.2).up(to=5)
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", lock_wait)
        longer.set()
        blocker.join()
    assert waits[:4] == ["200ms"] * 4 and waits[-1] in ("400ms", "800ms", "1600ms"), waits
    assert migrator.status().in_flight is None


def test_a_key_blocked_by_autovacuum_outlasts_it_on_its_first_retry() -> None:
    """A real autovacuum, slowed down, holds WorkoutLog when the key's add comes. The server cancels
    an autovacuum for a waiter past deadlock_timeout (1 s), so the first retry waits just past that,
    instead of losing four more races at the short wait that is kept for the app's own locks."""
    from tests.test_resume import sql, stopped_in

    with pg_server.running(own=True, settings={"autovacuum_naptime": "1"}) as server:
        url = pg_server.create_database(server.url)
        migrator = legacy_database(url, AUTOVACUUMED)
        migrator.up(to=5)
        stopped_in(url, 5, "up")
        sql(url, 'ALTER TABLE "WorkoutLog" DROP CONSTRAINT "WorkoutLog_userId_fkey"',
            'ALTER TABLE "WorkoutLog" SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0, '
            'autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1)',
            f"SET LOCAL {engine_writes(WORKOUT_LOG, PostgreSQL().namespace(GAINGRID.namespace))} = 'on'",
            'UPDATE "WorkoutLog" SET mood = \'dead tuple for autovacuum\' WHERE id = (SELECT min(id) FROM "WorkoutLog")')
        engine = sa.create_engine(url)
        deadline = time.monotonic() + 60
        with engine.connect() as conn:
            while not conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                                           "'autovacuum worker' AND query LIKE '%%WorkoutLog%%'").scalar_one():
                conn.rollback()
                assert time.monotonic() < deadline, "autovacuum never started on WorkoutLog"
                time.sleep(0.1)
        engine.dispose()
        waits = _lock_waits_of('ADD CONSTRAINT "WorkoutLog_userId_fkey"', lambda: Migrator(GAINGRID, url).up(to=5))
        assert waits == ["500ms", "1250ms"], waits
        assert "canceling autovacuum task" in server.log.read_text()
        assert migrator.status().in_flight is None


def _lock_waits_of(statement: str, run: Callable[[], object]) -> list[str]:
    """The lock_timeout each try of `statement` ran under, while `run` runs."""
    waits: list[str] = []

    def lock_wait(conn, cursor, text, parameters, context, executemany) -> None:
        if statement in text:
            waits.append(cursor.connection.execute("SHOW lock_timeout").fetchone()[0])

    sa.event.listen(sa.Engine, "before_cursor_execute", lock_wait)
    try:
        run()
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", lock_wait)
    return waits
