"""A streaming replica in the loop: the backfill waits for it, verify reads on it, and after a
migration it holds what the primary holds, by the toolkit's own fingerprints. Real servers:
a primary of its own and a `pg_basebackup -R` replica of it (conftest.pg_replicated)."""
from __future__ import annotations

import re
import threading
import time
from typing import Iterator

import pytest
import sqlalchemy as sa

from gaingrid.cli import app
from gaingrid.data.demo_data import DemoDataOptions
from gaingrid.phases import GAINGRID
from gaingrid.testing import pg_replica, pg_server
from phased.declare.errors import MigrateError
from phased.dialects import engines
from phased.movement.batches import BackfillProgress
from phased.movement.throttle import Throttle
from phased.state import fingerprint, ledger, replicas
from phased.state.replicas import ReplicaLag
from phased.state.state import namespace_for
from tests.harness import legacy_database
from tests.test_cli import gg, refused, runner, succeeded

pytestmark = pytest.mark.postgres

WAIT = 60.0  # seconds any test here waits for anything, at most
# A few hundred WorkoutExercise rows: at 10 a batch, a backfill of some 30 batches, each a few milliseconds.
ROWS = DemoDataOptions(seed=5, users=8, workouts_per_user=8, exercises_per_workout=5, months=2, exercises=60)
MAX_LAG = 0.05  # seconds: low enough that a stopped replica passes it within a few such batches


@pytest.fixture
def pair(pg_replicated: tuple[str, str]) -> Iterator[tuple[str, str]]:
    """A fresh database on the primary, and its URL on the replica (replayed there already)."""
    primary_admin, replica_admin = pg_replicated
    url = pg_server.create_database(primary_admin)
    on_replica = pg_replica.on_replica(url, replica_admin)
    pg_replica.caught_up(primary_admin, replica_admin, WAIT)  # the new database is there too
    try:
        yield url, on_replica
    finally:
        pg_replica.resume_replay(replica_admin)  # whatever the test did, the next one starts streaming
        pg_server.drop_database(primary_admin, url)


def entries(url: str) -> list[ledger.Entry]:
    with engines.connection(engines.parse_url(url)) as conn:
        return ledger.entries(conn, namespace_for(GAINGRID, conn))


def test_after_up_to_6_the_replica_holds_what_the_primary_holds(pair: tuple[str, str]) -> None:
    url, on_replica = pair
    succeeded(runner.invoke(app, ["demo-data", "--users", "8", "--workouts-per-user", "6", "--database-url", url]))
    succeeded(gg("up", "--to", "6", "--no-backup", "--batch-size", "50", "--replica", on_replica, url=url))
    backfill = next(e for e in entries(url) if e.phase == 5 and e.direction == "up")
    assert backfill.outcome == "ok" and backfill.rows_moved > 50
    assert backfill.details["replica_lag_max_s"] >= 0.0  # watched, batch by batch

    pg_replica.caught_up(url, on_replica, WAIT)
    primary, replica = pg_replica.fingerprints(url), pg_replica.fingerprints(on_replica)
    assert primary["WorkoutLog"].rows == backfill.rows_moved
    assert fingerprint.differences(primary, replica) == [] and primary == replica


def at_phase_4_with_replay_paused(url: str, on_replica: str):
    """A legacy database at phase 4, its replica caught up and then stopped replaying."""
    migrator = legacy_database(url, ROWS)
    migrator.up(to=4)
    pg_replica.caught_up(url, on_replica, WAIT)
    pg_replica.pause_replay(on_replica)
    return migrator


@pytest.mark.parametrize("named", [True, False], ids=["--replica", "found in pg_stat_replication"])
def test_the_backfill_waits_for_a_replica_that_stops_replaying(pair: tuple[str, str], named: bool) -> None:
    url, on_replica = pair
    migrator = at_phase_4_with_replay_paused(url, on_replica)
    throttle = Throttle(max_lag=MAX_LAG, lag_patience=WAIT, replicas=ReplicaLag([on_replica] if named else []))
    notes: list[str] = []
    outcome: list[object] = []

    def on_backfill(p: BackfillProgress) -> None:
        notes.append(p.note or "")

    def run() -> None:
        try:
            outcome.append(migrator.up(to=5, batch_size=10, throttle=throttle, on_backfill=on_backfill))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread below
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        deadline = time.monotonic() + WAIT
        while sum("waiting for replica" in n for n in notes) < 3:
            assert worker.is_alive() and time.monotonic() < deadline, (outcome, notes)
            time.sleep(0.05)
        held = logs(url)
        time.sleep(1.0)
        assert logs(url) == held, "a batch ran while the replica was behind"
        assert held < logs_expected(url)  # the backfill is part way
        assert fingerprint.differences(pg_replica.fingerprints(url), pg_replica.fingerprints(on_replica))  # the replica is stale
    finally:
        pg_replica.resume_replay(on_replica)
        worker.join(WAIT)
    assert not worker.is_alive() and not isinstance(outcome[0], BaseException), outcome
    assert logs(url) == logs_expected(url)
    assert any(n.startswith("replica lag") for n in notes)  # once it caught up, the lag is still shown
    step = next(e for e in entries(url) if e.phase == 5 and e.direction == "up")
    assert step.details["replica_lag_max_s"] > MAX_LAG
    assert step.details["replica_waits"] >= 1 and step.details["replica_wait_s"] >= 1.0  # the second held above


@pytest.mark.parametrize("named", [True, False], ids=["--replica", "found in pg_stat_replication"])
def test_a_replica_that_never_catches_up_stops_the_backfill_resumably(pair: tuple[str, str], named: bool) -> None:
    url, on_replica = pair
    migrator = at_phase_4_with_replay_paused(url, on_replica)
    lagging = ReplicaLag([on_replica] if named else [])
    who = engines.redact(on_replica) if named else "walreceiver at 127.0.0.1"
    stopped = f"replica {re.escape(who)}( \\(pid \\d+\\))? is still .* behind .* the backfill stopped between batches"
    with pytest.raises(MigrateError, match=stopped):
        migrator.up(to=5, batch_size=10, throttle=Throttle(max_lag=MAX_LAG, lag_patience=1.0, replicas=lagging))
    failed = next(e for e in entries(url) if e.phase == 5)
    assert failed.outcome == "failed" and failed.details["replica_lag_max_s"] > 1.0
    assert 0 < logs(url) < logs_expected(url)
    pg_replica.resume_replay(on_replica)
    migrator.up(to=5, batch_size=10, throttle=Throttle(replicas=ReplicaLag([on_replica])))
    assert logs(url) == logs_expected(url)


def test_verify_on_a_replica_refuses_a_stale_one_then_reads_there(pair: tuple[str, str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url, on_replica = pair
    legacy_database(url).up(to=5)
    pg_replica.caught_up(url, on_replica, WAIT)
    pg_replica.pause_replay(on_replica)
    succeeded(gg("verify", url=url))  # on the primary: its ledger entry is log the replica has not replayed
    before = len(entries(url))
    monkeypatch.setattr(replicas, "CATCH_UP_PATIENCE", 1.0)

    line = refused(gg("verify", "--on", on_replica, url=url), "behind the primary", "stale", "verify --on")
    assert f":{sa.make_url(on_replica).port}/" in line  # it names the replica
    assert len(entries(url)) == before  # nothing recorded, nothing changed

    pg_replica.resume_replay(on_replica)
    out = succeeded(gg("verify", "--on", on_replica, url=url))
    assert "fail" not in out.lower()
    latest = entries(url)[-1]
    assert latest.direction == "verify" and latest.outcome == "ok"
    assert latest.details["on"] == engines.redact(on_replica)
    assert len(entries(url)) == before + 1  # recorded on the primary


def test_verify_on_refuses_a_url_that_is_no_replica(pair: tuple[str, str]) -> None:
    url, _ = pair
    legacy_database(url).up(to=2)
    refused(gg("verify", "--on", url, url=url), "is not a replica")
    refused(gg("up", "--to", "3", "--no-backup", "--replica", url, url=url), "is not a replica")


def logs(url: str) -> int:
    with engines.connection(engines.parse_url(url)) as conn:
        return conn.exec_driver_sql('SELECT count(*) FROM "WorkoutLog"').scalar_one()


def logs_expected(url: str) -> int:
    with engines.connection(engines.parse_url(url)) as conn:
        return conn.exec_driver_sql('SELECT count(*) FROM "WorkoutExercise"').scalar_one()
