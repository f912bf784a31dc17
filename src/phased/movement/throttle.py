"""Pacing the backfill so the application keeps its share of the server.

Like gh-ost's max-load and pgroll's batch delay: a fixed pause between
batches (`--batch-delay`), plus a back-off that grows while the application
is visibly hurting, and shrinks again when it is not. On PostgreSQL "hurting"
is read after each batch, where the database shows it (dialects/: PostgreSQL's
pg_stat_activity): more of the application's sessions waiting on locks than
before the backfill started, or more active sessions than `max_active`.
SQLite shows nothing of the kind: the fixed pause only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from phased import dialects


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
        load = dialects.of(conn).session_load(conn)
        conn.rollback()
        return Load(*load) if load else None

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
        blocked = self._blocked(conn, load)
        wait = self.delay + self.backoff
        if wait > 0:
            time.sleep(wait)
            self.paused += wait
        said = [f"backing off {wait:.2f} s: {reason}"] if reason else []
        return "; ".join(said + ([blocked] if blocked else [])) or None

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
