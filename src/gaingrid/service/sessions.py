"""Per-user token versions: what lets logout, a password change or a reset end old tokens.

A token carries the version its user had when it was issued, and is refused
once the version has moved on. The version is a digest of two things:

- the stored password hash, which changes on a password change or reset (also
  one made by another app, such as the Prisma app still running beside us);
- a logout counter, kept in a table of the service's own.

Prisma's schema has no column for either, and its tables must keep their
shape, so the counter lives outside them: in schema `gaingrid_service` on
PostgreSQL, and in table `gaingrid_service_token_version` on SQLite (which
has no schemas). A user without a row is at 0.

On PostgreSQL the service creates it once the database has reached phase 1
(never in an empty database, which the migration must find empty). On SQLite
only the first logout creates it: the migration's drift check would count
the table as an unexpected one there (until the toolkit ignores the
`gaingrid_service_` prefix) and refuse to run.
"""
from __future__ import annotations

import hashlib
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

import phased

NAMESPACE = "gaingrid_service"
SQLITE_TABLE = phased.namespace(NAMESPACE, "sqlite").table_name("token_version")


@cache
def _table(dialect: str) -> sa.Table:
    ns = phased.namespace(NAMESPACE, dialect)
    return sa.Table(ns.table_name("token_version"), sa.MetaData(schema=ns.schema),
                    sa.Column("userId", sa.Text, primary_key=True),
                    sa.Column("logouts", sa.BigInteger, nullable=False))


class TokenVersions:
    def __init__(self) -> None:
        self.ready = False

    def create(self, conn: sa.Connection) -> None:
        """Create the table if it is missing (idempotent). Caller commits."""
        phased.namespace(NAMESPACE, conn.dialect.name).ensure(conn)
        _table(conn.dialect.name).create(conn, checkfirst=True)
        self.ready = True

    def created_up_front(self, dialect: str) -> bool:
        return dialect != "sqlite"

    def current(self, conn: sa.Connection, user_id: str, password_hash: str) -> str:
        t = _table(conn.dialect.name)
        try:
            logouts = conn.execute(sa.select(t.c.logouts).where(t.c.userId == user_id)).scalar() or 0
        except OperationalError as exc:
            # SQLite before the first logout; a failed statement leaves its transaction as it was.
            if "no such table" not in str(exc.orig):
                raise
            logouts = 0
        return version(logouts, password_hash)

    def log_out(self, conn: sa.Connection, user_id: str) -> None:
        """Move the user's version on: every token issued so far stops working. Caller commits."""
        if not self.created_up_front(conn.dialect.name):
            self.create(conn)
        t = _table(conn.dialect.name)
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t)
        conn.execute(insert.values(userId=user_id, logouts=1)
                     .on_conflict_do_update(index_elements=[t.c.userId], set_={"logouts": t.c.logouts + 1}))


def version(logouts: int, password_hash: str) -> str:
    return hashlib.sha256(f"{logouts}:{password_hash}".encode()).hexdigest()[:16]
