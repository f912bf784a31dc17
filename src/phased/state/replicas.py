"""Streaming replicas: how far behind the primary they are, and waiting for one to catch up.

Lag is measured the way PostgreSQL's walsender measures its replay_lag: each
time it is read, the primary's log position is noted with the time; a replica
that has not yet replayed a position noted at time t is at least `now - t`
behind. (A lower bound, as fine-grained as the readings: one a batch.)

Replicas named by URL are asked themselves, a fresh reading. Without URLs,
the primary's own list of the replicas streaming from it is read: as of each
one's last report (a standby reports whenever WAL reaches it, and at least
every wal_receiver_status_interval), so a quiet primary can look further
behind than it is, for that long.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Sequence

import sqlalchemy as sa

from phased import dialects
from phased.declare.errors import MigrateError, cli
from phased.dialects import engines

CATCH_UP_PATIENCE = 60.0  # seconds verify --on waits for its replica to replay what the primary has written


@dataclass(frozen=True)
class Lag:
    seconds: float
    replica: str  # the one furthest behind


class ReplicaLag:
    """The lag of the replicas of the primary a backfill writes to (`urls`: those to ask; none: those it lists)."""

    def __init__(self, urls: Sequence[str | sa.URL] = ()) -> None:
        self.urls = [engines.parse_url(u) if isinstance(u, str) else u for u in urls]
        self.largest: float | None = None  # the most seen since the last forget()
        self.waits = 0  # since the last forget(): the pauses a backfill made for them, and their seconds
        self.waited = 0.0
        self._engines: list[sa.Engine] = []
        self._noted: deque[tuple[int, float]] = deque()  # (primary's position, when)

    def start(self, primary: sa.Connection) -> None:
        """Connect to the named replicas; refuse a URL that is no replica of `primary` (nothing is written yet)."""
        self.close()
        for url in self.urls:
            engine = engines.create_engine(url)
            self._engines.append(engine)
            with engines.connect(engine) as conn:
                _refuse_other_than_a_replica(primary, conn, "--replica", "nothing was changed: name a replica, or "
                                             "leave out --replica to watch those the primary lists")

    def check(self, primary: sa.Connection) -> None:
        """start() and close(): refuse a URL that is no replica before a command changes anything."""
        try:
            self.start(primary)
        finally:
            self.close()

    def ask_to_report(self, primary: sa.Connection) -> None:
        """Before reading again, while waiting: replicas the primary lists report as of now."""
        if not self._engines:
            dialects.of(primary).ask_replicas_to_report(primary)

    def close(self) -> None:
        for engine in self._engines:
            engine.dispose()
        self._engines = []

    def forget(self) -> None:
        self.largest = None
        self.waits, self.waited = 0, 0.0

    def waited_for(self, seconds: float) -> None:
        self.waits += 1
        self.waited += seconds

    def read(self, primary: sa.Connection) -> Lag | None:
        """The lag of the replica furthest behind; None where there is no replica to read."""
        dialect = dialects.of(primary)
        position = dialect.log_position(primary)
        if position is None:
            primary.rollback()
            return None
        now = time.monotonic()
        self._noted.append((position, now))
        replayed = self._replayed() if self._engines else dialect.replica_positions(primary)
        primary.rollback()
        if not replayed:
            return None
        name, slowest = min(replayed.items(), key=lambda item: item[1])
        while self._noted and self._noted[0][0] <= slowest:  # what every replica has replayed
            self._noted.popleft()
        seconds = now - self._noted[0][1] if self._noted else 0.0
        self.largest = max(self.largest or 0.0, seconds)
        return Lag(seconds, name)

    def _replayed(self) -> dict[str, int]:
        out = {}
        for engine in self._engines:
            with engine.connect() as conn:
                position = dialects.of(conn).replayed_position(conn)
            if position is not None:  # None: promoted since start(), it replays nothing now
                out[engines.redact(engine.url)] = position
        return out


def wait_for_replay(primary: sa.Connection, replica: sa.Connection, *, patience: float | None = None) -> int:
    """Wait until `replica` has replayed the primary's log as far as the primary has written it now;
    refuse (one line, nothing changed) after `patience` seconds (CATCH_UP_PATIENCE). Returns how far that is."""
    patience = CATCH_UP_PATIENCE if patience is None else patience
    target = dialects.of(primary).log_position(primary)
    primary.rollback()
    if target is None:
        raise MigrateError(f"{dialects.of(primary).title} keeps no log a replica replays: verify without --on")
    _refuse_other_than_a_replica(primary, replica, "--on", "nothing was verified: name a replica of the database, "
                                 "or leave out --on to verify on the primary")
    deadline = time.monotonic() + patience
    wait = 0.05
    while True:
        replayed = dialects.of(replica).replayed_position(replica)
        replica.rollback()
        if replayed is not None and replayed >= target:
            return target
        if time.monotonic() > deadline:
            raise MigrateError(
                f"the replica {engines.redact(replica.engine.url)} is still {target - replayed:,} bytes of log behind "
                f"the primary after {patience:.0f} s, and would be verified in a stale state; nothing was verified: "
                f"see that its replay runs (not paused, still streaming), then run "
                f"{cli('verify --on REPLICA_URL')} again")
        time.sleep(wait)
        wait = min(wait * 2, 1.0)


def _refuse_other_than_a_replica(primary: sa.Connection, conn: sa.Connection, option: str, then: str) -> None:
    """A URL that is no replica, or one of another server, would give positions that mean nothing here."""
    dialect = dialects.of(conn)
    url = engines.redact(conn.engine.url)
    if dialect.name != dialects.of(primary).name or dialect.replayed_position(conn) is None:
        raise MigrateError(f"{option} {url} is not a replica (it is not replaying a primary's log); {then}")
    theirs, ours = dialect.log_identity(conn), dialect.log_identity(primary)
    conn.rollback()
    primary.rollback()
    if theirs and ours and theirs != ours:
        raise MigrateError(f"{option} {url} is a replica of another server (system {theirs}, the primary's {ours}); "
                           f"{then}")
