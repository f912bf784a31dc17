"""The service's engine: the toolkit's on PostgreSQL, one made for concurrent clients on SQLite.

SQLite serves several clients at once only with
- WAL, so readers never wait for a writer (set here, on the service's
  connections: the migration toolkit's engines leave the journal mode alone);
- busy_timeout, so a writer waits for the lock instead of failing at once;
- BEGIN IMMEDIATE for transactions that write. A deferred transaction that
  reads first and then writes can't wait for the lock: SQLite answers
  SQLITE_BUSY at once, because waiting could deadlock with the other writer.

So each transaction says up front whether it may write: `writer(engine)`
begins IMMEDIATE, the plain engine begins a deferred, read-only one. This is
SQLAlchemy's documented pysqlite recipe (the driver's own BEGIN disabled,
ours issued on the "begin" event).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

import phased
from phased import SQLITE_BUSY_TIMEOUT_MS, require_directory

from . import dates

_WRITE = "gaingrid_writes"  # the execution option that marks a writing transaction


def create_engine(url: str | sa.URL) -> sa.Engine:
    url = phased.parse_url(url) if isinstance(url, str) else url
    engine = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else phased.create_engine(url)
    dates.use_on(engine)
    return engine


def writer(engine: sa.Engine) -> sa.Engine:
    """The same engine and pool, for transactions that write (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(**{_WRITE: True})


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    require_directory(url)
    database = url.database
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # no implicit BEGIN from the driver
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if database and database != ":memory:":
            dbapi_conn.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine
