"""Run a backfill: keyset batches, each its own short transaction.

Each batch quarantines the rows it cannot migrate, copies the rest with one
set-based `INSERT … SELECT`, and moves the checkpoint, all in one
transaction. Killed at any point, a rerun continues after the last committed
batch, and a repeated batch inserts only what is missing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from . import bookkeeping
from .backfill import Backfill, BackfillSQL, implied_references, q
from .errors import MigrateError
from .namespace import Namespace

DEFAULT_BATCH_SIZE = 50_000
# deadlock, serialization failure, lock timeout, and a key the sync inserted while the batch ran
_TRANSIENT_PG = {"40P01", "40001", "55P03", "23505"}
_RETRIES = 8


@dataclass(frozen=True)
class BackfillProgress:
    name: str
    done: int
    total: int
    quarantined: int
    finished: bool


ProgressCallback = Callable[[BackfillProgress], None]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _transient(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in _TRANSIENT_PG or "database is locked" in str(exc.orig)


def ensure_bookkeeping(conn: sa.Connection, ns: Namespace) -> None:
    bookkeeping.ensure(conn, ns)


def reset(conn: sa.Connection, ns: Namespace, backfill: Backfill) -> None:
    """Forget a backfill's checkpoint and quarantine (its target was just created anew)."""
    t = bookkeeping.ensure(conn, ns)
    conn.execute(t["backfill"].delete().where(t["backfill"].c.name == backfill.name))
    conn.execute(t["quarantine"].delete().where(t["quarantine"].c.backfill == backfill.name))


def progress(conn: sa.Connection, ns: Namespace, backfill: Backfill, total: int | None = None) -> BackfillProgress:
    """Where a backfill stands; reads only (no bookkeeping table yet means not started)."""
    if total is None:
        total = conn.exec_driver_sql(f"SELECT count(*) FROM {q(backfill.source)}").scalar_one()
    if not bookkeeping.exists(conn, ns):
        return BackfillProgress(backfill.name, 0, total, 0, False)
    t = bookkeeping.tables(ns)
    row = conn.execute(sa.select(t["backfill"]).where(t["backfill"].c.name == backfill.name)).mappings().first()
    quarantined = conn.execute(sa.select(sa.func.count()).select_from(t["quarantine"])
                               .where(t["quarantine"].c.backfill == backfill.name)).scalar_one()
    done = row["rows_done"] if row else 0
    return BackfillProgress(backfill.name, done, max(total, done), quarantined, bool(row and row["status"] == "done"))


def quarantined_rows(conn: sa.Connection, ns: Namespace, limit: int) -> list[dict]:
    if not bookkeeping.exists(conn, ns):
        return []
    t = bookkeeping.tables(ns)["quarantine"]
    query = sa.select(t).order_by(t.c.backfill, t.c.source_key).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def run(engine: sa.Engine, ns: Namespace, backfill: Backfill, *, batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: ProgressCallback | None = None) -> BackfillProgress:
    if batch_size < 1:
        raise MigrateError(f"batch size must be at least 1, got {batch_size}")
    with engine.connect() as conn:
        sql = BackfillSQL(backfill, engine.dialect.name, ns, implied=implied_references(conn, backfill))
        conn.rollback()
        table = bookkeeping.ensure(conn, ns)["backfill"]
        conn.commit()
        state = conn.execute(sa.select(table).where(table.c.name == backfill.name)).mappings().first()
        if state is None:
            refresh = conn.exec_driver_sql(f"SELECT 1 FROM {q(backfill.target)} LIMIT 1").first() is not None
            conn.execute(table.insert().values(name=backfill.name, rows_done=0, status="running", refresh=refresh,
                                               started_at=_now(), updated_at=_now()))
            conn.commit()
            state = {"last_key": None, "rows_done": 0, "status": "running", "refresh": refresh}
        last_key, done, finished = state["last_key"], state["rows_done"], state["status"] == "done"
        total = conn.exec_driver_sql(f"SELECT count(*) FROM {q(backfill.source)}").scalar_one()
        conn.rollback()
        while not finished:
            last_key, done, finished = _batch(conn, sql, table, last_key, done, batch_size, state["refresh"])
            if on_batch:
                on_batch(progress(conn, ns, backfill, total))
                conn.rollback()
        return progress(conn, ns, backfill)


def _batch(conn: sa.Connection, sql: BackfillSQL, table: sa.Table, lo: str | None, done: int,
           size: int, refresh: bool) -> tuple[str | None, int, bool]:
    for attempt in range(_RETRIES):
        try:
            with conn.begin():
                hi = conn.execute(sa.text(sql.next_boundary(lo is not None)),
                                  {"lo": lo, "offset": size - 1}).scalar()
                where = sql.range_where(lo is not None, hi is not None)
                params = {"lo": lo, "hi": hi}
                processed = size if hi is not None else conn.execute(sa.text(
                    f"SELECT count(*) FROM {q(sql.b.source)} AS s WHERE {where}"), params).scalar_one()
                if conn.dialect.name == "postgresql":
                    # A batch touches a few thousand rows: look parents up by key. A hash join
                    # would scan the whole parent table once per batch (quadratic overall), and
                    # JIT compiling costs more than this short statement saves.
                    conn.exec_driver_sql("SET LOCAL jit = off")
                    conn.exec_driver_sql("SET LOCAL enable_hashjoin = off")
                    conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
                if refresh:
                    conn.execute(sa.text(sql.refresh(where)), params)
                target_empty = sql.dialect == "postgresql" and not refresh and \
                    not conn.execute(sa.text(sql.target_in_range(lo is not None, hi is not None)), params).scalar()
                inserted = conn.execute(sa.text(sql.insert_missing(where, target_empty=target_empty)), params).rowcount
                # Only rows that existed when the range was drawn can be inserted here (a
                # row written since has its target from the sync already). So when all of
                # them were, none of the range can need quarantine: skip the search.
                quarantine = sql.quarantine(where)
                if quarantine and (refresh or inserted != processed):
                    conn.execute(sa.text(quarantine), params)
                conn.execute(sa.text(sql.unquarantine(where)), params)
                finished = hi is None
                conn.execute(table.update().where(table.c.name == sql.b.name).values(
                    last_key=hi if hi is not None else lo, rows_done=done + processed, updated_at=_now(),
                    status="done" if finished else "running", finished_at=_now() if finished else None))
            return (hi if hi is not None else lo), done + processed, finished
        except DBAPIError as exc:
            if not _transient(exc) or attempt == _RETRIES - 1:
                raise
            time.sleep(min(0.05 * 2 ** attempt, 2.0))
    raise AssertionError("unreachable")
