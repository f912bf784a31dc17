"""Before a backfill starts: its source exists, and its key is text.

The engine keeps a backfill's checkpoint, the keys its sync notes and the
ranges it compares as text, ordered as the database orders text. A numeric
key would order 10 before 9 there: refused before anything changes, not
discovered half way through a backfill.
"""
from __future__ import annotations

import sqlalchemy as sa

from phased.declare.backfill import Backfill
from phased.verification.checks import CheckResult, Context, Work


class KeyIsText:
    def __init__(self, backfill: Backfill) -> None:
        self.backfill = backfill

    def plan(self, ctx: Context, owner, work: Work) -> None:
        b = self.backfill
        name = f"{b.name}: the source {b.source}.{b.key} exists and is text"
        inspector = sa.inspect(ctx.conn)
        if not inspector.has_table(b.source):
            work.result(CheckResult(owner.number, name, False, f"there is no table {b.source} to fill {b.target} from"))
            return
        types = {c["name"]: c["type"] for c in inspector.get_columns(b.source)}
        key_type = types.get(b.key)
        ok = isinstance(key_type, sa.String)
        detail = ("the key is text" if ok else
                  f"{b.source} has no column {b.key}" if key_type is None else
                  f"{b.source}.{b.key} is {key_type}: the engine backfills by text keys only (see checks/keys.py)")
        work.result(CheckResult(owner.number, name, ok, detail))
