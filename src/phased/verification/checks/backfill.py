"""A backfill's target matches its source row for row, field by field, and the counts reconcile."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from phased.declare.backfill import Backfill
from phased.verification import compare
from phased.verification.checks import CheckResult, Context, Work


class BackfillMatches:
    def __init__(self, backfill: Backfill) -> None:
        self.backfill = backfill

    def plan(self, ctx: Context, owner, work: Work) -> None:
        b = self.backfill
        active, _ = ctx.project.syncs_at(ctx.at.number)
        if b not in active:
            return  # retired: its source is gone
        totals = compare.totals(ctx.conn, ctx.ns, b)
        done, lock = [0], threading.Lock()

        def one(c: sa.Connection, key_range: compare.KeyRange) -> compare.RowComparison:
            part = compare.compare_range(c, ctx.ns, b, key_range)
            if ctx.on_progress:
                with lock:
                    done[0] = min(totals.source_rows, done[0] + part.source_rows)
                    ctx.on_progress(done[0], totals.source_rows)
            return part

        def finish(parts: list[compare.RowComparison]) -> list[CheckResult]:
            r = compare.merge(totals, parts)
            n = owner.number
            return [
                CheckResult(n, f"{b.name}: every row matches its source", r.differing == 0,
                            f"{r.differing:,} rows differ" if r.differing else f"{r.migrated:,} rows equal field by field",
                            data={"rows": r.differing_rows}),
                CheckResult(n, f"{b.name}: no row missing", r.missing == 0,
                            f"{r.missing:,} source rows have no {b.target} row and are not quarantined" if r.missing
                            else "every source row is migrated or quarantined", data={"keys": r.missing_keys}),
                CheckResult(n, f"{b.name}: no extra row", r.extra == 0,
                            f"{r.extra:,} {b.target} rows have no {b.source} source (the new app's, or left behind)"
                            if r.extra else f"every {b.target} row has a source",
                            warning=not ctx.strict and r.extra > 0, data={"keys": r.extra_keys}),
                CheckResult(n, f"{b.name}: counts reconcile", r.reconciles,
                            f"source {r.source_rows:,} = migrated {r.migrated:,} + quarantined {r.quarantined:,}"
                            + ("" if r.reconciles else "  ✗"), data=r.to_json()),
            ]

        work.add([lambda c, k=k: one(c, k) for k in compare.ranges(ctx.conn, b)], finish)
