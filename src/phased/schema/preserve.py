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
from phased.declare.backfill import Backfill, expr
from phased.declare.namespace import Namespace
from phased.declare.sql import quote


def _namespace() -> Namespace:
    return op.get_context().config.attributes["migrate.namespace"]


def _archive(label: str, table: str) -> str:
    return _namespace().qualified(f"archive_{label}_{table}")


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(quote(c) for c in columns)


def save(label: str, table: str, columns: Sequence[str]) -> None:
    """Copy `columns` of every row of `table` into the archive (label, table).

    Locks first in the order the application takes them, parents before children: the tables
    `table`'s keys point at (a drop needs them too), then `table` itself."""
    ctx = op.get_context()
    archive = _archive(label, table)
    dialect = dialects.of(ctx.dialect.name)
    declared = ctx.config.attributes["migrate.project"].metadata.tables.get(table)
    parents = sorted({fk.column.table.name for fk in declared.foreign_keys}) if declared is not None else []
    for lock in [*(dialect.lock_writes(p) for p in parents), dialect.lock_exclusive(table)]:
        if lock:
            op.execute(lock)
    op.execute(f"DROP TABLE IF EXISTS {archive}")
    op.execute(f'CREATE TABLE {archive} AS SELECT {_cols(columns)} FROM {quote(table)}')


def _names(column: str, table: str) -> str:
    # EXISTS, not IN (SELECT …): PostgreSQL cannot turn NOT IN into an anti-join, and once the keys
    # outgrow work_mem it rescans them per archived row (200k rows: past the 30 s statement timeout).
    return f"EXISTS (SELECT 1 FROM {quote(table)} AS r WHERE r.{quote('id')} = a.{quote(column)})"


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


def restore_mapped(label: str, backfill: Backfill, columns: Sequence[str]) -> None:
    """Put a two-way sync's archived target rows back, each as its source row maps it now (the
    archive supplies only the columns the source cannot hold), and only those whose source row
    still exists: one deleted while the step was reversed is not brought back (counted).

    Rows are up to date as restored (the source's writers wait for the transaction, which installs
    the sync), so the backfill's batches need not refresh them; and they must not: a batch's row locks
    would make the settle leave rows to it (postgresql_reverse.py)."""
    ctx = op.get_context()
    b = backfill
    # Writers of the source wait from here to the commit (the sync installed in this transaction takes
    # the same lock): a write not yet committed when the rows are read would reach neither them nor
    # the sync's notes, which start with its triggers.
    for table in (b.source, *(p.table for p in b.parents)):
        lock = dialects.of(ctx.dialect.name).lock_writes(table)
        if lock:
            op.execute(lock)
    joins = " ".join(f"JOIN {quote(p.table)} AS {p.alias} ON {p.alias}.{quote(p.key)} = s.{quote(p.on)}"
                     for p in b.parents)
    values = [expr(b.columns[c]) if c in b.columns else f"a.{quote(c)}" for c in columns]
    archive = _archive(label, b.target)
    statement = (f"INSERT INTO {quote(b.target)} ({_cols(columns)}) SELECT {', '.join(values)} FROM {archive} AS a "
                 f"JOIN {quote(b.source)} AS s ON s.{quote(b.key)} = a.{quote(b.key)} {joins}")
    name = _namespace().table_name(f"archive_{label}_{b.target}")
    if not ctx.as_sql and sa.inspect(ctx.connection).has_table(name, schema=_namespace().schema):
        _count(ctx, label, b.target, archive, {b.key: b.source}, {}, "TRUE")
    dialects.of(ctx.dialect.name).restore_archive(op, archive, name, statement)


def rebuild_source(label: str, backfill: Backfill) -> None:
    """Going back past a two-way sync's end: rebuild its source from the target as it is now (the
    reverse of the backfill, set-based), not from the archive taken when the source was dropped, so
    that what was written through the target since is kept. Each row goes back to its archived parent
    if that parent still matches it, else to the first parent that does, else to one created for it.
    """
    ctx = op.get_context()
    p, b = backfill.parents[0], backfill
    lock = dialects.of(ctx.dialect.name).lock_writes(b.target)  # until the sync, installed next, takes over
    if lock:
        op.execute(lock)
    tgt, par, pk = quote(b.target), quote(p.table), quote(p.key)
    match = " AND ".join(f"w.{quote(pc)} = l.{quote(tc)}" for pc, tc in b.parent_match.items())
    new = b.reverse.new_parent if b.reverse else {}
    group = ", ".join(f"l.{quote(tc)}" for tc in b.parent_match.values())
    # Set-based joins only, no subquery per row: the archive has no index, and phase 7 dropped the
    # sync's index on the parents' match columns (per-row lookups: past the 30 s statement timeout
    # at 200k rows on PostgreSQL, quadratic on SQLite).
    cols = ", ".join(quote(pc) for pc in b.parent_match)
    op.execute(f"INSERT INTO {par} ({pk}, {_cols([*b.parent_match, *new])}) "
               f"SELECT {dialects.of(ctx.dialect.name).new_key}, {group}, "
               + ", ".join(f"min(l.{quote(tc)})" for tc in new.values())
               + f" FROM {tgt} AS l LEFT JOIN (SELECT DISTINCT {cols}, 1 AS present FROM {par}) AS w ON {match} "
               f"WHERE w.present IS NULL GROUP BY {group}")
    archive, back = _archive(label, b.source), b.written_back
    first = (f"JOIN (SELECT {cols}, min({pk}) AS {pk} FROM {par} GROUP BY {cols}) AS f ON "
             + " AND ".join(f"f.{quote(pc)} = l.{quote(tc)}" for pc, tc in b.parent_match.items()))
    archived = (f" LEFT JOIN {archive} AS a ON a.{quote(b.key)} = l.{quote(b.key)} LEFT JOIN {par} AS w "
                f"ON w.{pk} = a.{quote(p.on)} AND {match}")
    name = _namespace().table_name(f"archive_{label}_{b.source}")
    has_archive = ctx.as_sql or sa.inspect(ctx.connection).has_table(name, schema=_namespace().schema)
    statement = (f"INSERT INTO {quote(b.source)} ({_cols([b.key, p.on, *back])}) "
                 f"SELECT l.{quote(b.key)}, {f'coalesce(w.{pk}, f.{pk})' if has_archive else f'f.{pk}'}, "
                 + ", ".join(f"l.{quote(t)}" for t in back.values())
                 + f" FROM {tgt} AS l {first}{archived if has_archive else ''}")
    if has_archive:
        dialects.of(ctx.dialect.name).restore_archive(op, archive, name, statement)
    else:
        op.execute(statement)
