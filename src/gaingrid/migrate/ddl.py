"""Lock-safe DDL for revision scripts, per dialect.

On PostgreSQL, indexes are built CONCURRENTLY (outside a transaction) and
foreign keys are added NOT VALID (the engine validates them in a later
transaction), so that writers are not blocked for the length of a table
scan. The end state is the same as the naive DDL's.
"""
from __future__ import annotations

from typing import Sequence

from alembic import op

from .dialects.base import quote


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(quote(c) for c in columns)


def create_index(name: str, table: str, columns: Sequence[str]) -> None:
    ctx = op.get_context()
    if ctx.dialect.name != "postgresql":
        op.create_index(name, table, list(columns))
        return
    timeouts = ctx.config.attributes["migrate.timeouts"]
    with ctx.autocommit_block():
        # Building CONCURRENTLY blocks no writer, but waits for every transaction already
        # running: it gets the long lock timeout, and the session gets its own back after.
        for setting in timeouts.settings("background"):
            op.execute(setting)
        # A failed CONCURRENTLY build leaves an INVALID index behind: drop it so a rerun rebuilds.
        op.execute(
            f"DO $gg$ BEGIN IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = '{name}' "
            f"AND n.nspname = current_schema() AND NOT i.indisvalid) THEN "
            f"EXECUTE 'DROP INDEX \"{name}\"'; END IF; END $gg$"
        )
        op.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote(name)} ON {quote(table)} ({_cols(columns)})')
        for setting in timeouts.settings("blocking"):
            op.execute(setting)


def drop_index(name: str, table: str) -> None:
    ctx = op.get_context()
    if ctx.dialect.name != "postgresql":
        op.drop_index(name, table_name=table)
        return
    timeouts = ctx.config.attributes["migrate.timeouts"]
    with ctx.autocommit_block():
        for setting in timeouts.settings("background"):
            op.execute(setting)
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}')
        for setting in timeouts.settings("blocking"):
            op.execute(setting)


def add_foreign_key_not_valid(name: str, table: str, columns: Sequence[str], target: str,
                              target_columns: Sequence[str], *, ondelete: str, onupdate: str = "CASCADE") -> None:
    """PostgreSQL only (SQLite adds foreign keys by rebuilding the table).

    NOT VALID needs only a brief lock and checks every new write at once; the
    engine validates it afterwards, in a transaction of its own (the phase's
    deferred_foreign_keys), so no lock is held across the table scan.
    """
    op.execute(
        f'ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} FOREIGN KEY ({_cols(columns)}) '
        f'REFERENCES {quote(target)} ({_cols(target_columns)}) ON DELETE {ondelete} ON UPDATE {onupdate} NOT VALID'
    )
