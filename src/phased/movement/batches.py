"""Run a backfill: keyset batches, each its own short transaction.

Each batch copies its key range with one set-based `INSERT … SELECT`,
quarantines the rows it cannot migrate, and moves the checkpoint, all in one
transaction. Killed at any point, a rerun continues after the last committed
batch, and a repeated batch inserts only what is missing.

On PostgreSQL a batch never waits on the application: it locks the source
rows it copies FOR KEY SHARE (the app's updates do not conflict with that;
its deletes wait at most one batch) and skips rows a delete holds right now.
Skipped rows are kept in the `pending` table and revisited after each batch
until they are copied or gone. Every batch has bounded lock waits and is
retried on transient conflicts (retry.py); the throttle paces the batches.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

from phased import dialects
from phased.declare.backfill import SOURCE, Backfill, q
from phased.declare.errors import MigrateError, cli
from phased.declare.namespace import Namespace
from phased.dialects import retry
from phased.dialects.backfill_sql import BackfillSQL
from phased.movement import blockers
from phased.movement.throttle import Throttle
from phased.state import bookkeeping

DEFAULT_BATCH_SIZE = 50_000
REVISIT_PATIENCE = 60.0  # seconds the backfill waits, at its end, for rows the app still holds


@dataclass(frozen=True)
class BackfillProgress:
    name: str
    done: int
    total: int
    quarantined: int
    finished: bool
    pending: int = 0  # rows passed over because the app held them, still to copy
    note: str | None = None  # what the throttle did after the last batch


ProgressCallback = Callable[[BackfillProgress], None]


@dataclass
class BatchSettings:
    size: int = DEFAULT_BATCH_SIZE
    timeouts: retry.Timeouts = field(default_factory=retry.Timeouts)
    throttle: Throttle | None = None
    retries: retry.Retries | None = None


def reset_statements(ns: Namespace, backfill: Backfill) -> list[str]:
    """Forget a backfill's checkpoint, pending rows and quarantine (its target was just created anew)."""
    return [f"DELETE FROM {ns.qualified('backfill')} WHERE name = '{backfill.name}'",
            *(f"DELETE FROM {ns.qualified(t)} WHERE backfill = '{backfill.name}'" for t in ("pending", "quarantine"))]


def progress(conn: sa.Connection, ns: Namespace, backfill: Backfill, total: int | None = None) -> BackfillProgress:
    """Where a backfill stands; reads only (no bookkeeping table yet means not started)."""
    if total is None:
        total = conn.exec_driver_sql(f"SELECT count(*) FROM {q(backfill.source)}").scalar_one()
    if not bookkeeping.exists(conn, ns):
        return BackfillProgress(backfill.name, 0, total, 0, False)
    return _progress(conn, bookkeeping.tables(ns), backfill, total, bookkeeping.exists(conn, ns, "pending"))


def _progress(conn: sa.Connection, t: dict[str, sa.Table], backfill: Backfill, total: int,
              with_pending: bool = True) -> BackfillProgress:
    """One round trip: run() asks after every batch, and the tables exist by then."""
    def count(table: sa.Table) -> sa.ScalarSelect:
        return (sa.select(sa.func.count()).select_from(table)
                .where(table.c.backfill == backfill.name).scalar_subquery())
    checkpoint = t["backfill"]
    row = conn.execute(sa.select(
        sa.select(checkpoint.c.rows_done).where(checkpoint.c.name == backfill.name).scalar_subquery().label("done"),
        sa.select(checkpoint.c.status).where(checkpoint.c.name == backfill.name).scalar_subquery().label("status"),
        count(t["quarantine"]).label("quarantined"),
        (count(t["pending"]) if with_pending else sa.literal(0)).label("pending"))).one()
    done = row.done or 0
    finished = row.status == "done" and row.pending == 0
    return BackfillProgress(backfill.name, done, max(total, done), row.quarantined, finished, row.pending)


def quarantined_rows(conn: sa.Connection, ns: Namespace, limit: int) -> list[dict]:
    if not bookkeeping.exists(conn, ns):
        return []
    t = bookkeeping.tables(ns)["quarantine"]
    query = sa.select(t).order_by(t.c.backfill, t.c.source_key).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def run(engine: sa.Engine, ns: Namespace, backfill: Backfill, settings: BatchSettings | None = None, *,
        on_batch: ProgressCallback | None = None) -> BackfillProgress:
    settings = settings or BatchSettings()
    if settings.size < 1:
        raise MigrateError(f"batch size must be at least 1, got {settings.size}")
    retries = settings.retries or retry.Retries()
    with engine.connect() as conn:
        sql = BackfillSQL(backfill, dialects.of(engine), ns, implied=implied_references(conn, backfill))
        conn.rollback()
        tables = bookkeeping.ensure(conn, ns)
        conn.exec_driver_sql(sql.start())
        conn.commit()
        total = conn.exec_driver_sql(f"SELECT count(*) FROM {q(backfill.source)}").scalar_one()
        conn.rollback()
        batch = _Batch(conn, sql, tables, settings)
        throttle = settings.throttle
        last = _progress(conn, tables, backfill, total)
        conn.rollback()
        waiting = on_batch and (lambda note: on_batch(_with(last, note)))  # while the throttle waits
        if throttle:
            throttle.start(conn)
        copied = False
        try:
            while not batch.reached_end():
                retry.run(f"backfill {backfill.name} batch", batch.copy, retries, before_retry=conn.rollback)
                copied = True
                note = throttle.pause(conn, waiting) if throttle else None
                retry.run(f"backfill {backfill.name} revisit", batch.revisit, retries, before_retry=conn.rollback)
                if on_batch:
                    last = _progress(conn, tables, backfill, total)
                    on_batch(_with(last, note))
                    conn.rollback()
        finally:
            if throttle:
                throttle.stop()
        _drain(conn, batch, retries, on_batch and (lambda: on_batch(_progress(conn, tables, backfill, total))))
        if copied:  # a rerun that finds the batches done leaves the statistics to autovacuum
            retry.run(f"backfill {backfill.name} statistics", lambda: _refresh_statistics(conn, backfill),
                      retries, before_retry=conn.rollback)
        return progress(conn, ns, backfill)


def _refresh_statistics(conn: sa.Connection, backfill: Backfill) -> None:
    statements = dialects.of(conn).fresh_statistics(backfill.target)
    if statements:
        conn.rollback()
        with conn.begin():
            for statement in statements:
                conn.exec_driver_sql(statement)


def _with(p: BackfillProgress, note: str | None) -> BackfillProgress:
    return BackfillProgress(p.name, p.done, p.total, p.quarantined, p.finished, p.pending, note)


def _drain(conn: sa.Connection, batch: "_Batch", retries: retry.Retries, report: Callable[[], None] | None) -> None:
    """After the last batch: revisit the rows the app held until none is left, or give up and say who holds them."""
    deadline = time.monotonic() + REVISIT_PATIENCE
    wait = 0.05
    while True:
        left = retry.run(f"backfill {batch.sql.b.name} revisit", batch.revisit, retries, before_retry=conn.rollback)
        if report:
            report()
        if not left:
            return
        if time.monotonic() > deadline:
            keys = batch.pending_keys(20)
            who = blockers.holding_rows(conn, batch.sql.b.source, batch.sql.b.key, keys)
            conn.rollback()
            raise MigrateError(
                f"backfill {batch.sql.b.name}: {left} rows are still held by other sessions after "
                f"{REVISIT_PATIENCE:.0f} s" + (f" ({'; '.join(who)})" if who else "")
                + f"; end those transactions, then run {cli('up')} to resume")
        time.sleep(wait)
        wait = min(wait * 2, 2.0)


class _Batch:
    """One backfill's batches on one connection, each copied the way its database does it
    (dialects/: on PostgreSQL one server-side block, the same `plan --sql` prints)."""

    def __init__(self, conn: sa.Connection, sql: BackfillSQL, tables: dict[str, sa.Table],
                 settings: BatchSettings) -> None:
        self.conn, self.sql, self.settings = conn, sql, settings
        self.checkpoint, self.pending = tables["backfill"], tables["pending"]
        self.dialect = dialects.of(conn)

    def reached_end(self) -> bool:
        end = self.conn.execute(sa.select(self.checkpoint.c.status).where(
            self.checkpoint.c.name == self.sql.b.name)).scalar_one() == "done"
        self.conn.rollback()
        return end

    def copy(self) -> None:
        with self.conn.begin():
            self.dialect.copy_batch(self.conn, self.sql, self.settings.size, self.settings.timeouts, self.checkpoint)

    def revisit(self) -> int:
        """Try the rows a batch passed over again; returns how many are left."""
        if not self.dialect.passes_over_held_rows:
            return 0
        pending = sa.select(sa.func.count()).select_from(self.pending).where(self.pending.c.backfill == self.sql.b.name)
        with self.conn.begin():
            if self.conn.execute(pending).scalar_one() == 0:
                return 0
            self.dialect.revisit_batch(self.conn, self.sql, self.settings.timeouts)
        left = self.conn.execute(pending).scalar_one()
        self.conn.rollback()
        return left

    def pending_keys(self, limit: int) -> list[str]:
        rows = self.conn.execute(sa.select(self.pending.c.source_key)
                                 .where(self.pending.c.backfill == self.sql.b.name).limit(limit)).scalars().all()
        self.conn.rollback()
        return list(rows)


def implied_references(conn, backfill: Backfill) -> frozenset[str]:
    """Reference columns guaranteed by an enforced foreign key on the column they come from.

    E.g. WorkoutLog.exerciseId comes from WorkoutExercise.exerciseId, which a
    validated key already ties to Exercise.
    """
    tables = {SOURCE: backfill.source, **{p.alias: p.table for p in backfill.parents}}
    implied = set()
    for ref in backfill.references:
        alias, column = backfill.columns[ref.column].split(".", 1)
        if dialects.of(conn).enforced_reference(conn, tables[alias], column, ref.table):
            implied.add(ref.column)
    return frozenset(implied)
