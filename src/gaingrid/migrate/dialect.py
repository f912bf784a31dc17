"""The few things that differ between PostgreSQL and SQLite: connecting,
transactional DDL, foreign-key enforcement during table rebuilds, locking."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from .errors import NAMES, MigrateError

SUPPORTED = ("postgresql", "sqlite")
# An arbitrary constant: every migrator contends for the same advisory lock.
_ADVISORY_LOCK_KEY = 0x6761696E67726964 & 0x7FFFFFFFFFFFFFFF
SQLITE_BUSY_TIMEOUT_MS = 30_000


def application_name() -> str:
    """How operators (and the fault harness) find the migrator's sessions in pg_stat_activity."""
    return f"{NAMES.get().project}-migrate"


def parse_url(raw: str) -> sa.URL:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise MigrateError(f"malformed database URL: {redact(raw)}") from None
    if url.get_backend_name() not in SUPPORTED:
        raise MigrateError(f"unsupported database {url.get_backend_name()!r} in {redact(raw)}: use postgresql:// or sqlite://")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def redact(url: str | sa.URL) -> str:
    """The URL with every password masked (userinfo and ?password=), for anything printed or logged."""
    if not isinstance(url, sa.URL):
        try:
            url = make_url(url)
        except (ArgumentError, ValueError):
            # Unparseable: show only the scheme, never what might hold a password.
            return url.split("://", 1)[0] + "://…" if "://" in url else "<unparseable>"
    if "password" in url.query:
        url = url.update_query_dict({"password": "***"})
    return url.render_as_string(hide_password=True)


def create_engine(url: sa.URL, *, migrating: bool = False) -> sa.Engine:
    """An engine whose transactions really cover DDL, on both dialects.

    `migrating` turns SQLite's foreign-key enforcement off for the connection:
    a table rebuild (copy, drop, rename) must not fire ON DELETE CASCADE. The
    migrator runs PRAGMA foreign_key_check before it commits instead.
    """
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:" and not Path(database).parent.exists():
            raise MigrateError(f"cannot open database {redact(url)}: directory {Path(database).parent} does not exist")
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # pysqlite would otherwise run DDL outside any transaction.
            dbapi_conn.isolation_level = None
            dbapi_conn.execute(f"PRAGMA foreign_keys={'OFF' if migrating else 'ON'}")
            dbapi_conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if migrating else "BEGIN")

        return engine
    engine = sa.create_engine(url, pool_pre_ping=True,
                              connect_args={"connect_timeout": 10, "application_name": application_name()})

    @event.listens_for(engine, "connect")
    def _check_client(dbapi_conn, _record):
        # A killed migrator's statement is cancelled within a second instead of running on (PostgreSQL 14+).
        if dbapi_conn.info.server_version >= 140000:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET client_connection_check_interval = 1000")
            dbapi_conn.commit()

    return engine


def connect(engine: sa.Engine) -> sa.Connection:
    try:
        conn = engine.connect()
        conn.exec_driver_sql("SELECT 1")
        conn.rollback()
        return conn
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        raise MigrateError(f"cannot connect to {redact(engine.url)}: {reason}; check --database-url "
                           "(or GAINGRID_DATABASE_URL)") from None


@contextmanager
def connection(url: sa.URL, *, migrating: bool = False) -> Iterator[sa.Connection]:
    """A checked connection on a private engine, disposed of afterwards."""
    engine = create_engine(url, migrating=migrating)
    try:
        conn = connect(engine)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        engine.dispose()


def foreign_key_violations(conn: sa.Connection, tables: list[str]) -> list[str]:
    """SQLite only: rows of `tables` that break a foreign key (checked because enforcement is off while migrating)."""
    if conn.dialect.name != "sqlite":
        return []
    present = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    rows = [r for t in tables if t in present
            for r in conn.exec_driver_sql(f'PRAGMA foreign_key_check("{t}")').fetchall()]
    return [f"{r[0]} rowid {r[1]} -> {r[2]}" for r in rows]


LOCK_PATIENCE = 30.0  # seconds a migrator waits for another's lock: a killed one's session may still be ending


def _holder(conn: sa.Connection) -> str:
    row = conn.exec_driver_sql(
        "SELECT a.pid, a.state, extract(epoch FROM now() - a.query_start)::int, left(a.query, 60) FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND (l.classid::bigint << 32 | l.objid::bigint) = %(key)s LIMIT 1", {"key": _ADVISORY_LOCK_KEY}).first()
    conn.rollback()
    return f" (pid {row[0]}, {row[1]}, {row[3]!r} for {row[2]} s)" if row else ""


@contextmanager
def migrator_lock(conn: sa.Connection) -> Iterator[None]:
    """One migrator at a time: a session advisory lock, or a lock file beside the SQLite file.

    A migrator that was killed may leave its session running its last statement for a
    moment (PostgreSQL notices the client is gone within client_connection_check_interval):
    the lock is waited for, up to LOCK_PATIENCE seconds.
    """
    if conn.dialect.name == "postgresql":
        deadline = time.monotonic() + LOCK_PATIENCE
        while not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_ADVISORY_LOCK_KEY})").scalar():
            conn.commit()
            if time.monotonic() > deadline:
                raise MigrateError(f"another migration holds the lock on this database{_holder(conn)}; "
                                   "wait for it to finish, then run the command again")
            time.sleep(0.5)
        conn.commit()
        try:
            yield
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_ADVISORY_LOCK_KEY})")
            conn.commit()
        return
    database = conn.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    fd = os.open(f"{database}.migrate-lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise MigrateError("another migration holds the lock on this database; "
                               "wait for it to finish, then run the command again") from None
        yield
    finally:
        os.close(fd)


def set_timeouts(conn: sa.Connection, timeouts) -> None:
    """The migrator's session waits at most `timeouts.blocking` for a lock, so DDL never queues the app for long."""
    if conn.dialect.name == "postgresql":
        for statement in timeouts.settings("blocking"):
            conn.exec_driver_sql(statement)
        conn.commit()
