"""Pacing the backfill so the application keeps its share of the server.

Like gh-ost's max-load and pgroll's batch delay: a fixed pause between
batches (`--batch-delay`), plus a back-off that grows while the application
is visibly hurting, and shrinks again when it is not. On PostgreSQL "hurting"
is read after each batch, where the database shows it (dialects/: PostgreSQL's
pg_stat_activity): more of the application's sessions waiting on locks than
before the backfill started, or more active sessions than `max_active`.
SQLite shows nothing of the kind: the fixed pause only.

Replicas hurt too: a backfill that writes faster than a streaming replica
replays leaves it further behind with every batch (gh-ost throttles on it).
After each batch the throttle reads the replicas' replay lag (state/replicas.py)
and, while it exceeds `max_lag`, waits for them before the next batch: the
lag stays near its bound instead of growing with the table. A replica that
does not catch up within `lag_patience` stops the backfill, resumably.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

from phased import dialects
from phased.declare.errors import MigrateError, cli
from phased.state.replicas import Lag, ReplicaLag


@dataclass(frozen=True)
class Load:
    lock_waiters: int
    active: int


@dataclass
class Throttle:
    delay: float = 0.0  # seconds between batches, always
    max_lock_waiters: int = 2  # extra app sessions waiting on locks, above the baseline, before backing off
    max_active: int | None = None  # active app sessions before backing off (None: no limit)
    max_backoff: float = 5.0
    backoff: float = 0.0
    baseline: Load | None = field(default=None)
    paused: float = 0.0  # seconds spent pausing, in all
    max_lag: float = 1.0  # seconds a replica may be behind before the next batch waits for it
    lag_patience: float = 600.0  # seconds of waiting for the replicas at one time before the backfill stops
    replicas: ReplicaLag = field(default_factory=ReplicaLag)

    def measure(self, conn: sa.Connection) -> Load | None:
        load = dialects.of(conn).session_load(conn)
        conn.rollback()
        return Load(*load) if load else None

    def start(self, conn: sa.Connection) -> None:
        self.baseline = self.measure(conn)
        self.replicas.start(conn)
        self.replicas.read(conn)  # the first position noted: lag is measured from here on

    def stop(self) -> None:
        self.replicas.close()

    def pause(self, conn: sa.Connection, report: Callable[[str], None] | None = None) -> str | None:
        """Sleep as long as the load asks for, and wait for lagging replicas; returns why, when it backed off,
        and the replicas' lag. `report` is told each time it goes on waiting for a replica."""
        load = self.measure(conn)
        reason = self._overload(load)
        if reason:
            self.backoff = min(self.max_backoff, max(0.05, self.backoff * 2))
        else:
            self.backoff = self.backoff / 2 if self.backoff > 0.05 else 0.0
        blocked = self._blocked(conn, load)
        wait = self.delay + self.backoff
        if wait > 0:
            time.sleep(wait)
            self.paused += wait
        said = [f"backing off {wait:.2f} s: {reason}"] if reason else []
        lag = self._wait_for_replicas(conn, report)
        return "; ".join(said + ([blocked] if blocked else []) + ([lag] if lag else [])) or None

    def _wait_for_replicas(self, conn: sa.Connection, report: Callable[[str], None] | None) -> str | None:
        lag = self.replicas.read(conn)
        if lag is None:
            return None
        started = time.monotonic()
        behind = lag.seconds > self.max_lag
        step = 0.05
        while lag.seconds > self.max_lag:
            waited = time.monotonic() - started
            if waited > self.lag_patience:
                raise MigrateError(
                    f"replica {lag.replica} is still {lag.seconds:.1f} s behind (more than --max-lag "
                    f"{self.max_lag:g} s) after waiting {waited:.0f} s for it; the backfill stopped between batches: "
                    f"see why it does not replay, then run {cli('up')} to resume")
            if report:
                report(_lagging(lag, self.max_lag, waited))
            self.replicas.ask_to_report(conn)
            time.sleep(step)
            self.paused += step
            step = min(step * 2, 1.0)
            lag = self.replicas.read(conn)
        waited = time.monotonic() - started
        if behind:
            self.replicas.waited_for(waited)
        return f"replica lag {lag.seconds:.2f} s" + (f", waited {waited:.1f} s for it" if waited > 0.01 else "")

    def _blocked(self, conn: sa.Connection, load: Load | None) -> str | None:
        """While sessions wait on locks: how many, and the longest wait (the progress output shows it)."""
        if load is None or not load.lock_waiters:
            return None
        longest = dialects.of(conn).longest_lock_wait(conn)
        conn.rollback()
        wait = f", the longest for {longest:.1f} s" if longest is not None else ""
        return f"{load.lock_waiters} session{'s' if load.lock_waiters != 1 else ''} blocked on locks{wait}"

    def _overload(self, load: Load | None) -> str | None:
        if load is None:
            return None
        base = self.baseline.lock_waiters if self.baseline else 0
        if load.lock_waiters > base + self.max_lock_waiters:
            return f"{load.lock_waiters} app sessions waiting on locks"
        if self.max_active is not None and load.active > self.max_active:
            return f"{load.active} active app sessions"
        return None


def _lagging(lag: Lag, bound: float, waited: float) -> str:
    return f"waiting for replica {lag.replica}: {lag.seconds:.1f} s behind (max {bound:g} s), {waited:.1f} s so far"
