"""Pacing the backfill so the application keeps its share of the server.

Like gh-ost's max-load and pgroll's batch delay: a fixed pause between
batches (`--batch-delay`), plus a back-off that grows while the application
is visibly hurting, and shrinks again when it is not. On PostgreSQL "hurting"
is read from pg_stat_activity after each batch: more of the application's
sessions waiting on locks than before the backfill started, or more active
sessions than `max_active`. SQLite has no such view: the fixed pause only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa

_LOAD = ("SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE state = 'active') "
         "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
         "AND backend_type = 'client backend'")


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

    def measure(self, conn: sa.Connection) -> Load | None:
        if conn.dialect.name != "postgresql":
            return None
        waiters, active = conn.exec_driver_sql(_LOAD).one()
        conn.rollback()
        return Load(waiters, active)

    def start(self, conn: sa.Connection) -> None:
        self.baseline = self.measure(conn)

    def pause(self, conn: sa.Connection) -> str | None:
        """Sleep as long as the load asks for; returns why, when it backed off."""
        load = self.measure(conn)
        reason = self._overload(load)
        if reason:
            self.backoff = min(self.max_backoff, max(0.05, self.backoff * 2))
        else:
            self.backoff = self.backoff / 2 if self.backoff > 0.05 else 0.0
        wait = self.delay + self.backoff
        if wait > 0:
            time.sleep(wait)
            self.paused += wait
        return f"backing off {wait:.2f} s: {reason}" if reason else None

    def _overload(self, load: Load | None) -> str | None:
        if load is None:
            return None
        base = self.baseline.lock_waiters if self.baseline else 0
        if load.lock_waiters > base + self.max_lock_waiters:
            return f"{load.lock_waiters} app sessions waiting on locks"
        if self.max_active is not None and load.active > self.max_active:
            return f"{load.active} active app sessions"
        return None
