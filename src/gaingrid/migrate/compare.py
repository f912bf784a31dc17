"""Row-level check of a backfill: every source row against its target row.

All set-based, inside the database, over keyset ranges of the key: per range
one statement, a join with a null-safe comparison of every mapped field plus
an anti-join, returning only the rows that differ, are missing or are extra. A million rows never
cross the wire, memory stays flat, and progress can be reported per range.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

from .backfill import SOURCE, Backfill, BackfillSQL, expr, q
from .namespace import Namespace

SAMPLE = 20  # rows kept per kind of difference, for the report


@dataclass
class RowComparison:
    backfill: str
    source_rows: int = 0
    migrated: int = 0
    quarantined: int = 0
    differing: int = 0
    missing: int = 0
    extra: int = 0
    differing_rows: list[dict] = field(default_factory=list)  # {key, fields: {col: [expected, actual]}}
    missing_keys: list[str] = field(default_factory=list)
    extra_keys: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.source_rows == self.migrated + self.quarantined

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in (
            "backfill", "source_rows", "migrated", "quarantined", "differing", "missing", "extra",
            "differing_rows", "missing_keys", "extra_keys")}


def _json_value(value):
    return value if isinstance(value, (int, float, str, type(None))) else str(value)


def compare(conn: sa.Connection, ns: Namespace, backfill: Backfill, *, chunk: int = 100_000,
            on_progress: Callable[[int, int], None] | None = None) -> RowComparison:
    sql = BackfillSQL(backfill, conn.dialect.name, ns)
    b = backfill
    cols = [c for c in b.columns if c != b.key]
    quarantine = ns.qualified("quarantine")
    has_quarantine = sa.inspect(conn).has_table(ns.table_name("quarantine"), schema=ns.schema)
    source = q(b.source)
    result = RowComparison(b.name)
    total = conn.exec_driver_sql(f"SELECT count(*) FROM {source}").scalar_one()
    result.source_rows = total
    if has_quarantine:
        result.quarantined = conn.exec_driver_sql(
            f"SELECT count(*) FROM {quarantine} AS qq WHERE qq.backfill = '{b.name}' AND EXISTS "
            f"(SELECT 1 FROM {source} AS {SOURCE} WHERE {SOURCE}.{q(b.key)} = qq.source_key)").scalar_one()
    key = q(b.key)
    exprs = ", ".join(f"{expr(b.columns[c])} AS e{i}" for i, c in enumerate(cols))
    differs = " OR ".join(sql._distinct(f"t.{q(c)}", f"src.e{i}") for i, c in enumerate(cols))
    flags = ", ".join(f"CASE WHEN {sql._distinct(f't.{q(c)}', f'src.e{i}')} THEN 1 ELSE 0 END"
                      for i, c in enumerate(cols))
    values = ", ".join(f"src.e{i}, t.{q(c)}" for i, c in enumerate(cols))
    quarantined = (f"EXISTS (SELECT 1 FROM {quarantine} AS qq WHERE qq.backfill = '{b.name}' "
                   f"AND qq.source_key = src.k)") if has_quarantine else "FALSE"
    lo, done = None, 0
    while True:
        hi = conn.execute(sa.text(sql.next_boundary(lo is not None)), {"lo": lo, "offset": chunk - 1}).scalar()
        params = {"lo": lo, "hi": hi}
        where = sql.range_where(lo is not None, hi is not None)
        in_chunk = chunk if hi is not None else conn.execute(sa.text(
            f"SELECT count(*) FROM {source} AS {SOURCE} WHERE {where}"), params).scalar_one()
        rows = conn.execute(sa.text(_range_query(conn.dialect.name, sql, where, key, exprs, flags, values, differs,
                                                 quarantined, len(cols))), params)
        without_target = 0
        for row in rows:
            source_key, target_key, is_quarantined = row[0], row[1], row[2]
            if source_key is None:
                result.extra += 1
                if len(result.extra_keys) < SAMPLE:
                    result.extra_keys.append(target_key)
            elif target_key is None:
                without_target += 1
                if not is_quarantined:
                    result.missing += 1
                    if len(result.missing_keys) < SAMPLE:
                        result.missing_keys.append(source_key)
            else:
                result.differing += 1
                if len(result.differing_rows) < SAMPLE:
                    base = 3 + len(cols)
                    fields = {c: [_json_value(row[base + 2 * i]), _json_value(row[base + 2 * i + 1])]
                              for i, c in enumerate(cols) if row[3 + i]}
                    result.differing_rows.append({"key": source_key, "fields": fields})
        result.migrated += in_chunk - without_target
        done = min(total, done + chunk) if hi is not None else total
        if on_progress:
            on_progress(done, total)
        if hi is None:
            return result
        lo = hi


def _range_query(dialect: str, sql: BackfillSQL, where: str, key: str, exprs: str, flags: str, values: str,
                 differs: str, quarantined: str, width: int) -> str:
    """The rows of one key range that differ, are missing or are extra."""
    b = sql.b
    source, target = q(b.source), q(b.target)
    mapped = (f"(SELECT {SOURCE}.{key} AS k, {exprs} FROM {source} AS {SOURCE} {sql._joins(outer=True)} "
              f"WHERE {where}) AS src")
    target_where = where.replace(f"{SOURCE}.", "t.")
    head = f"SELECT src.k, t.{key}, {quarantined}, {flags}, {values} "
    if dialect == "postgresql":
        # One merge full join of the two ranges.
        return (head + f"FROM {mapped} FULL OUTER JOIN (SELECT * FROM {target} AS t WHERE {target_where}) AS t "
                f"ON t.{key} = src.k WHERE src.k IS NULL OR t.{key} IS NULL OR {differs}")
    # SQLite cannot index a subquery's rows for a full join: a join and an anti-join on the key's index.
    nulls = ", ".join(["NULL"] * width)
    return (head + f"FROM {mapped} LEFT JOIN {target} AS t ON t.{key} = src.k WHERE t.{key} IS NULL OR {differs} "
            f"UNION ALL SELECT NULL, t.{key}, FALSE, {nulls}, {nulls}, {nulls} FROM {target} AS t "
            f"WHERE {target_where} AND NOT EXISTS (SELECT 1 FROM {source} AS {SOURCE} WHERE {SOURCE}.{key} = t.{key})")
