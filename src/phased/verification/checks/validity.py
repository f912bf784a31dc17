"""No INVALID index and no NOT VALID constraint is left behind (where the database has such states)."""
from __future__ import annotations

from phased import dialects
from phased.verification.checks import CheckResult, Context, Work


class ConstraintsValid:
    def plan(self, ctx: Context, owner, work: Work) -> None:
        bad = dialects.of(ctx.conn).invalid_objects(ctx.conn)
        if bad is None:
            return
        work.result(CheckResult(owner.number, "indexes and constraints are valid", not bad,
                                f"invalid: {', '.join(bad)}" if bad else "every index and constraint is valid"))
