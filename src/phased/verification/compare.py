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

from phased import dialects
from phased.declare.backfill import SOURCE, Backfill, expr, q
from phased.declare.namespace import Namespace
from phased.dialects.backfill_sql import BackfillSQL

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


@dataclass(frozen=True)
class KeyRange:
    lo: str | None  # exclusive; None: from the first key
    hi: str | None  # inclusive; None: to the last key
    rows: int | None = None  # source rows in it, when known


def ranges(conn: sa.Connection, backfill: Backfill, chunk: int = 100_000) -> list[KeyRange]:
    """The source's keys cut into ranges of about `chunk` rows.

    Where the database keeps a histogram of the key (PostgreSQL's planner
    statistics), from it, at no cost: stale statistics only make the ranges
    uneven, together they always cover every key. Otherwise an index-only walk.
    """
    bounds = dialects.of(conn).key_bounds(conn, backfill.source, backfill.key, chunk)
    if bounds is not None:
        edges = [None, *bounds, None]
        return [KeyRange(lo, hi) for lo, hi in zip(edges, edges[1:])]
    sql = BackfillSQL(backfill, dialects.of(conn), dialects.of(conn).namespace(""))
    out, lo = [], None
    while True:
        hi = conn.execute(sa.text(sql.next_boundary(lo is not None)), {"lo": lo, "offset": chunk - 1}).scalar()
        out.append(KeyRange(lo, hi, chunk if hi is not None else None))
        if hi is None:
            return out
        lo = hi


def totals(conn: sa.Connection, ns: Namespace, backfill: Backfill) -> RowComparison:
    """The source's row count and its quarantined rows: what the ranges' results add up against."""
    b = backfill
    result = RowComparison(b.name)
    source = q(b.source)
    result.source_rows = conn.exec_driver_sql(f"SELECT count(*) FROM {source}").scalar_one()
    if _has_quarantine(conn, ns):
        result.quarantined = conn.exec_driver_sql(
            f"SELECT count(*) FROM {ns.qualified('quarantine')} AS qq WHERE qq.backfill = '{b.name}' AND EXISTS "
            f"(SELECT 1 FROM {source} AS {SOURCE} WHERE {SOURCE}.{q(b.key)} = qq.source_key)").scalar_one()
    return result


def _has_quarantine(conn: sa.Connection, ns: Namespace) -> bool:
    return sa.inspect(conn).has_table(ns.table_name("quarantine"), schema=ns.schema)


def compare_range(conn: sa.Connection, ns: Namespace, backfill: Backfill, key_range: KeyRange) -> RowComparison:
    """The differing, missing and extra rows of one key range (their counts, and a sample)."""
    sql = BackfillSQL(backfill, dialects.of(conn), ns)
    b = backfill
    cols = [c for c in b.columns if c != b.key]
    lo, hi = key_range.lo, key_range.hi
    params = {"lo": lo, "hi": hi}
    where = sql.range_where(lo is not None, hi is not None)
    target_where = sql.range_where(lo is not None, hi is not None, "t")
    in_range = key_range.rows if key_range.rows is not None else conn.execute(sa.text(
        f"SELECT count(*) FROM {q(b.source)} AS {SOURCE} WHERE {where}"), params).scalar_one()
    result = RowComparison(b.name)
    without_target = 0
    query, extras = _range_queries(conn, sql, ns, where, target_where, cols)
    with dialects.of(conn).range_plan(conn):
        rows = list(conn.execute(sa.text(query), params))
    if extras is not None:
        # Target rows in the range beyond those matched to a source row are extra. Counting
        # them on the key's index is cheap; only when there are some, the anti-join names them.
        matched = in_range - sum(1 for r in rows if r[1] is None)
        targets = conn.execute(sa.text(f"SELECT count(*) FROM {q(b.target)} AS t WHERE {target_where}"),
                               params).scalar_one()
        if targets != matched:
            rows += conn.execute(sa.text(extras), params).all()
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
    result.source_rows = in_range
    result.migrated = in_range - without_target
    return result


def merge(total: RowComparison, parts: list[RowComparison]) -> RowComparison:
    """Add the ranges' results (in key order) to the totals (whose source count stands)."""
    for part in parts:
        total.migrated += part.migrated
        for kind in ("differing", "missing", "extra"):
            setattr(total, kind, getattr(total, kind) + getattr(part, kind))
        for sample in ("differing_rows", "missing_keys", "extra_keys"):
            kept = getattr(total, sample)
            kept += getattr(part, sample)[:SAMPLE - len(kept)]
    return total


def compare(conn: sa.Connection, ns: Namespace, backfill: Backfill, *, chunk: int = 100_000,
            on_progress: Callable[[int, int], None] | None = None) -> RowComparison:
    """Every source row against its target row, one key range after the other."""
    total = totals(conn, ns, backfill)
    parts, done = [], 0
    for key_range in ranges(conn, backfill, chunk):
        parts.append(compare_range(conn, ns, backfill, key_range))
        done = min(total.source_rows, done + parts[-1].source_rows)
        if on_progress:
            on_progress(done, total.source_rows)
    return merge(total, parts)


def _range_queries(conn: sa.Connection, sql: BackfillSQL, ns: Namespace, where: str, target_where: str,
                   cols: list[str]) -> tuple[str, str | None]:
    """The rows of one key range that differ or are missing, and (SQLite) apart, those that are extra."""
    b = sql.b
    key = q(b.key)
    source, target = q(b.source), q(b.target)
    exprs = ", ".join(f"{expr(b.columns[c])} AS e{i}" for i, c in enumerate(cols))
    differs = " OR ".join(sql._distinct(f"t.{q(c)}", f"src.e{i}") for i, c in enumerate(cols))
    flags = ", ".join(f"CASE WHEN {sql._distinct(f't.{q(c)}', f'src.e{i}')} THEN 1 ELSE 0 END"
                      for i, c in enumerate(cols))
    values = ", ".join(f"src.e{i}, t.{q(c)}" for i, c in enumerate(cols))
    quarantined = (f"EXISTS (SELECT 1 FROM {ns.qualified('quarantine')} AS qq WHERE qq.backfill = '{b.name}' "
                   f"AND qq.source_key = src.k)") if _has_quarantine(conn, ns) else "FALSE"
    mapped = (f"(SELECT {SOURCE}.{key} AS k, {exprs} FROM {source} AS {SOURCE} {sql._joins(outer=True)} "
              f"WHERE {where}) AS src")
    head = f"SELECT src.k, t.{key}, {quarantined}, {flags}, {values} "
    if dialects.of(conn).full_join_on_subqueries:
        # One merge full join of the two ranges.
        return (head + f"FROM {mapped} FULL OUTER JOIN (SELECT * FROM {target} AS t WHERE {target_where}) AS t "
                f"ON t.{key} = src.k WHERE src.k IS NULL OR t.{key} IS NULL OR {differs}"), None
    # SQLite cannot index a subquery's rows for a full join: a join, and an anti-join on the key's index.
    nulls = ", ".join(["NULL"] * len(cols))
    return (head + f"FROM {mapped} LEFT JOIN {target} AS t ON t.{key} = src.k WHERE t.{key} IS NULL OR {differs}",
            f"SELECT NULL, t.{key}, FALSE, {nulls}, {nulls}, {nulls} FROM {target} AS t WHERE {target_where} "
            f"AND NOT EXISTS (SELECT 1 FROM {source} AS {SOURCE} WHERE {SOURCE}.{key} = t.{key})")
