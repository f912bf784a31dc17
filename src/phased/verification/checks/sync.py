"""A backfill's sync is installed, exactly as this version renders it, while the transition lasts.

Without it, legacy writes stop reaching the target: a dropped trigger must fail
verification, not pass it until the rows drift apart.
"""
from __future__ import annotations

from phased.declare.backfill import Backfill
from phased.movement import sync
from phased.verification.checks import CheckResult, Context, Work


class SyncInstalled:
    def __init__(self, backfill: Backfill) -> None:
        self.backfill = backfill

    def plan(self, ctx: Context, owner, work: Work) -> None:
        active, _ = ctx.project.syncs_at(ctx.at.number)
        if self.backfill not in active:
            return
        missing = sync.missing(ctx.conn, ctx.ns, self.backfill)
        previous = ctx.project.phase(owner.number - 1).number
        work.result(CheckResult(owner.number, f"{self.backfill.name}: sync installed", not missing,
                                f"missing or changed: {', '.join(missing)}: legacy writes may not have reached "
                                f"{self.backfill.target}; rebuild it with `{ctx.project.command} down --to {previous}` "
                                "then `up`" if missing else "every trigger of the sync is in place"))
