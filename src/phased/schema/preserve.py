"""Archive what a migration step drops, and put it back when the step is reversed.

Called from Alembic revision scripts, so the archive happens in the same
transaction as the DDL that drops the data, and shows in `plan --sql`.
Archives live in the toolkit's namespace, without constraints, under a name
fixed by (label, table): the reverse step restores from it and drops it.

An archive is taken under an exclusive lock on its table, held until the
drop commits: nothing the application commits in between is missed.

Restoring reconciles the archive with what happened while the step was
reversed. The rule: a row is not brought back once what it belongs to is gone.
An archived row whose `requires` reference names a row deleted since (its
owner, or its source) is dropped, and counted; a `nulls` reference to a
deleted row is emptied, as the database's ON DELETE SET NULL would have done.
The counts go into the step's ledger entry (`reconciled`).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import sqlalchemy as sa
from alembic import op

from phased import dialects
from phased.declare.backfill import Backfill
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
    lock = dialects.of(op.get_context().dialect.name).lock_exclusive(table)
    if lock:
        op.execute(lock)
    op.execute(f"DROP TABLE IF EXISTS {archive}")
    op.execute(f'CREATE TABLE {archive} AS SELECT {_cols(columns)} FROM {quote(table)}')


def _names(column: str, table: str) -> str:
    return f"a.{quote(column)} IN (SELECT {quote('id')} FROM {quote(table)})"


def restore(label: str, table: str, columns: Sequence[str], *, key: str | None = None,
            requires: Mapping[str, str] | None = None, nulls: Mapping[str, str] | None = None) -> None:
    """Put archived rows back: whole rows (key=None) or columns of existing rows, matched on `key`.

    `requires`: column -> table whose `id` it must name, or the row is not restored (whole rows only).
    `nulls`: column -> table whose `id` it must name, or it is restored empty.
    """
    ctx = op.get_context()
    requires, nulls = dict(requires or {}), dict(nulls or {})
    archive = _archive(label, table)
    kept = " AND ".join(f"({_names(c, t)})" for c, t in requires.items()) or "TRUE"
    value = {c: (f"CASE WHEN {_names(c, nulls[c])} THEN a.{quote(c)} END" if c in nulls else f"a.{quote(c)}")
             for c in columns}
    if key is None:
        statement = (f'INSERT INTO {quote(table)} ({_cols(columns)}) SELECT {", ".join(value.values())} '
                     f'FROM {archive} AS a WHERE {kept}')
    else:
        sets = ", ".join(f"{quote(c)} = {value[c]}" for c in columns if c != key)
        statement = (f'UPDATE {quote(table)} AS t SET {sets} FROM {archive} AS a '
                     f'WHERE t.{quote(key)} = a.{quote(key)}')
    name = _namespace().table_name(f"archive_{label}_{table}")
    if not ctx.as_sql and sa.inspect(ctx.connection).has_table(name, schema=_namespace().schema):
        _count(ctx, label, table, archive, requires, nulls, kept)
    dialects.of(ctx.dialect.name).restore_archive(op, archive, name, statement)


def _count(ctx, label: str, table: str, archive: str, requires: dict[str, str], nulls: dict[str, str],
           kept: str) -> None:
    """What the restore leaves out or empties, for the ledger."""
    conn = ctx.connection
    counts = {f"dropped, {c} names no {t}": f"NOT ({_names(c, t)})" for c, t in requires.items()}
    counts.update({f"emptied, {c} names no {t}": f"{kept} AND a.{quote(c)} IS NOT NULL AND NOT ({_names(c, t)})"
                   for c, t in nulls.items()})
    found = {what: conn.exec_driver_sql(f"SELECT count(*) FROM {archive} AS a WHERE {where}").scalar_one()
             for what, where in counts.items()}
    found = {what: n for what, n in found.items() if n}
    if found:
        ctx.config.attributes.setdefault("migrate.reconciled", []).append(
            {"archive": label, "table": table, **found})


def rebuild_source(label: str, backfill: Backfill) -> None:
    """Going back past a two-way sync's end: rebuild its source from the target as it is now (the
    reverse of the backfill, set-based), not from the archive taken when the source was dropped, so
    that what was written through the target since is kept. Each row goes back to its archived parent
    if that parent still matches it, else to the first parent that does, else to one created for it.
    """
    ctx = op.get_context()
    p, b = backfill.parents[0], backfill
    tgt, par, pk = quote(b.target), quote(p.table), quote(p.key)
    match = " AND ".join(f"w.{quote(pc)} = l.{quote(tc)}" for pc, tc in b.parent_match.items())
    new = b.reverse.new_parent if b.reverse else {}
    group = ", ".join(f"l.{quote(tc)}" for tc in b.parent_match.values())
    op.execute(f"INSERT INTO {par} ({pk}, {_cols([*b.parent_match, *new])}) "
               f"SELECT {dialects.of(ctx.dialect.name).new_key}, {group}, "
               + ", ".join(f"min(l.{quote(tc)})" for tc in new.values())
               + f" FROM {tgt} AS l WHERE NOT EXISTS (SELECT 1 FROM {par} AS w WHERE {match}) GROUP BY {group}")
    archive, back = _archive(label, b.source), b.written_back
    archived = (f"(SELECT a.{quote(p.on)} FROM {archive} AS a JOIN {par} AS w ON w.{pk} = a.{quote(p.on)} "
                f"WHERE a.{quote(b.key)} = l.{quote(b.key)} AND {match})")
    first = f"(SELECT w.{pk} FROM {par} AS w WHERE {match} ORDER BY w.{pk} LIMIT 1)"
    statement = (f"INSERT INTO {quote(b.source)} ({_cols([b.key, p.on, *back])}) "
                 f"SELECT l.{quote(b.key)}, coalesce({archived}, {first}), "
                 + ", ".join(f"l.{quote(t)}" for t in back.values()) + f" FROM {tgt} AS l")
    name = _namespace().table_name(f"archive_{label}_{b.source}")
    if ctx.as_sql or sa.inspect(ctx.connection).has_table(name, schema=_namespace().schema):
        dialects.of(ctx.dialect.name).restore_archive(op, archive, name, statement)
    else:
        op.execute(statement.replace(f"coalesce({archived}, {first})", first))
