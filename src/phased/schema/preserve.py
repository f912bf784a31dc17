"""Archive what a migration step drops, and put it back when the step is reversed.

Called from Alembic revision scripts, so the archive happens in the same
transaction as the DDL that drops the data, and shows in `plan --sql`.
Archives live in the toolkit's namespace, without constraints, under a name
fixed by (label, table): the reverse step restores from it and drops it.
"""
from __future__ import annotations

from typing import Sequence

from alembic import op

from phased import dialects
from phased.declare.namespace import Namespace
from phased.declare.sql import quote


def _namespace() -> Namespace:
    return op.get_context().config.attributes["migrate.namespace"]


def _archive(label: str, table: str) -> str:
    return _namespace().qualified(f"archive_{label}_{table}")


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(quote(c) for c in columns)


def save(label: str, table: str, columns: Sequence[str]) -> None:
    """Copy `columns` of every row of `table` into the archive (label, table)."""
    archive = _archive(label, table)
    op.execute(f"DROP TABLE IF EXISTS {archive}")
    op.execute(f'CREATE TABLE {archive} AS SELECT {_cols(columns)} FROM {quote(table)}')


def restore(label: str, table: str, columns: Sequence[str], *, key: str | None = None) -> None:
    """Put archived rows back: whole rows (key=None) or columns of existing rows, matched on `key`."""
    ctx = op.get_context()
    archive = _archive(label, table)
    if key is None:
        statement = f'INSERT INTO {quote(table)} ({_cols(columns)}) SELECT {_cols(columns)} FROM {archive}'
    else:
        sets = ", ".join(f"{quote(c)} = a.{quote(c)}" for c in columns if c != key)
        statement = f'UPDATE {quote(table)} AS t SET {sets} FROM {archive} AS a WHERE t.{quote(key)} = a.{quote(key)}'
    dialects.of(ctx.dialect.name).restore_archive(op, archive, _namespace().table_name(f"archive_{label}_{table}"),
                                                  statement)
