"""The live schema is exactly the phase's expected schema."""
from __future__ import annotations

from phased.state.state import expected_shape, live_shape
from phased.verification.checks import CheckResult, Context, Work


class SchemaMatches:
    def plan(self, ctx: Context, owner, work: Work) -> None:
        diff = expected_shape(ctx.project, owner, ctx.conn.dialect).diff(live_shape(ctx.project, ctx.conn))
        work.result(CheckResult(owner.number, "schema is the phase's", not diff,
                                "; ".join(diff) if diff else "tables, columns, types, defaults, keys and indexes match"))
