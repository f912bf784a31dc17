"""Another tool's history agrees with the phase the database is at (state/histories.py)."""
from __future__ import annotations

from phased.state.histories import History
from phased.verification.checks import CheckResult, Context, Work


class HistoryAgrees:
    def __init__(self, history: History) -> None:
        self.history = history

    def plan(self, ctx: Context, owner, work: Work) -> None:
        if not self.history.active(ctx.conn):
            return
        problems = self.history.problems(ctx.conn, ctx.at)
        work.result(CheckResult(owner.number, f"{self.history.title} agrees", not problems,
                                "; ".join(problems) if problems else self.history.agrees(ctx.conn, ctx.at)))
