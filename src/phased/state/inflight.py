"""The phase in flight: recorded before a phase step changes anything, cleared when the step is whole.

A phase step can commit in several parts: indexes built CONCURRENTLY, a
backfill in batches, foreign keys validated in transactions of their own. A
kill, a crash or a failure between two parts leaves the schema part way
between two phases. The record says which phase was moving, and which way:
`status` reports that phase as in progress instead of drift, and the next
`up` or `down` completes or undoes it first (runner.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa

from phased.declare.namespace import Namespace
from phased.state import bookkeeping


@dataclass(frozen=True)
class InFlight:
    phase: int
    direction: str  # "up" | "down"
    started_at: datetime


def read(conn: sa.Connection, ns: Namespace) -> InFlight | None:
    if not bookkeeping.exists(conn, ns, "inflight"):
        return None
    table = bookkeeping.tables(ns)["inflight"]
    row = conn.execute(sa.select(table.c.phase, table.c.direction, table.c.started_at)).first()
    return InFlight(*row) if row else None


def mark(conn: sa.Connection, ns: Namespace, phase: int, direction: str) -> None:
    """Record the step before its first change (in a transaction of its own)."""
    table = bookkeeping.ensure(conn, ns)["inflight"]
    conn.execute(table.delete())
    conn.execute(table.insert().values(slot=1, phase=phase, direction=direction,
                                       started_at=datetime.now(timezone.utc).replace(tzinfo=None)))
    conn.commit()


def clear(conn: sa.Connection, ns: Namespace) -> None:
    """The step is whole: nothing is in flight."""
    if bookkeeping.exists(conn, ns, "inflight"):
        conn.execute(bookkeeping.tables(ns)["inflight"].delete())
    conn.commit()
