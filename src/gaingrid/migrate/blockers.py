"""Who is in the migrator's way: sessions holding locks on the application's
tables, named by pid, state and transaction age (PostgreSQL).

The usual culprit is a session sitting idle in a transaction: it holds its
locks until it ends, and no retry can outlast it.
"""
from __future__ import annotations

import sqlalchemy as sa

from .backfill import q


def _describe(rows) -> list[str]:
    out = []
    for pid, state, age, what in rows:
        out.append(f"pid {pid} ({state or 'unknown'} for {age:.0f} s) holds a lock on {what}")
    return out


def holding_locks(conn: sa.Connection, tables: list[str], *, older_than: float = 0.0) -> list[str]:
    """Other sessions holding a lock on any of `tables`, in transactions older than `older_than` seconds."""
    if conn.dialect.name != "postgresql" or not tables:
        return []
    rows = conn.exec_driver_sql(
        "SELECT a.pid, a.state, extract(epoch FROM now() - a.xact_start)::float8, "
        "string_agg(DISTINCT '\"' || c.relname || '\"', ', ') FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.granted AND a.pid <> pg_backend_pid() AND a.datname = current_database() "
        "AND c.relname = ANY(%(tables)s) AND a.xact_start < now() - make_interval(secs => %(age)s) "
        "GROUP BY a.pid, a.state, a.xact_start ORDER BY a.xact_start", {"tables": tables, "age": older_than}).fetchall()
    return _describe(rows)


def holding_rows(conn: sa.Connection, table: str, key: str, keys: list[str]) -> list[str]:
    """Other sessions whose transaction has locked (or is deleting) rows of `table` with these keys."""
    if conn.dialect.name != "postgresql" or not keys:
        return []
    rows = conn.exec_driver_sql(
        f"SELECT DISTINCT a.pid, a.state, extract(epoch FROM now() - a.xact_start)::float8, "
        f"'rows of {q(table)}' FROM {q(table)} AS t JOIN pg_stat_activity a ON a.backend_xid = t.xmax "
        f"WHERE t.{q(key)} = ANY(%(keys)s)", {"keys": keys}).fetchall()
    return _describe(rows)
