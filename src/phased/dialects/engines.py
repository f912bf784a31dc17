"""Database URLs, engines and connections; what differs per database is in dialects/."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from phased import dialects
from phased.declare.errors import MigrateError


def parse_url(raw: str) -> sa.URL:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise MigrateError(f"malformed database URL: {redact(raw)}") from None
    if url.get_backend_name() not in dialects.SUPPORTED:
        raise MigrateError(f"unsupported database {url.get_backend_name()!r} in {redact(raw)}: use "
                           + " or ".join(f"{name}://" for name in dialects.SUPPORTED))
    return dialects.of(url).normalize_url(url)


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
    """An engine whose transactions really cover DDL, on every database (see dialects/)."""
    return dialects.of(url).create_engine(url, migrating=migrating)


def connect(engine: sa.Engine) -> sa.Connection:
    try:
        conn = engine.connect()
        conn.exec_driver_sql("SELECT 1")
        conn.rollback()
        return conn
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        raise MigrateError(f"cannot connect to {redact(engine.url)}: {reason}; check the database URL") from None


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
    return dialects.of(conn).foreign_key_violations(conn, tables)


def migrator_lock(conn: sa.Connection):
    """One migrator at a time (a context manager)."""
    return dialects.of(conn).migrator_lock(conn)


def set_timeouts(conn: sa.Connection, timeouts) -> None:
    dialects.of(conn).set_timeouts(conn, timeouts)
