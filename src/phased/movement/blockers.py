"""Who is in the migrator's way: other sessions holding the locks it waits for, named by pid,
state and transaction age, where the database shows them (dialects/: PostgreSQL).

The usual culprit is a session sitting idle in a transaction: it holds its
locks until it ends, and no retry can outlast it.
"""
from __future__ import annotations

import sqlalchemy as sa

from phased import dialects


def holding_locks(conn: sa.Connection, tables: list[str], *, older_than: float = 0.0) -> list[str]:
    """Other sessions holding a lock on any of `tables`, in transactions older than `older_than` seconds."""
    return [_describe(*s) for s in dialects.of(conn).sessions_holding_locks(conn, tables, older_than)] if tables else []


def holding_rows(conn: sa.Connection, table: str, key: str, keys: list[str]) -> list[str]:
    """Other sessions whose transaction has locked (or is deleting) rows of `table` with these keys."""
    return [_describe(*s) for s in dialects.of(conn).sessions_holding_rows(conn, table, key, keys)] if keys else []


def _describe(pid: int, state: str | None, age: float, what: str) -> str:
    return f"pid {pid} ({state or 'unknown'} for {age:.0f} s) holds a lock on {what}"
