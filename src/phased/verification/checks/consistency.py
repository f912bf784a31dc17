"""No row of what a phase added (and still stands) points at a row that does not exist."""
from __future__ import annotations

import sqlalchemy as sa

from phased import dialects
from phased.schema.shapes import metadata_at_phase
from phased.verification.checks import CheckResult, Context, Work


def _foreign_keys_added(project, phase) -> list[tuple[str, sa.ForeignKeyConstraint]]:
    before = metadata_at_phase(project.metadata, phase.number - 1) if phase.number > 1 else sa.MetaData()
    known = {fk.name for t in before.tables.values() for fk in t.foreign_key_constraints}
    now = metadata_at_phase(project.metadata, phase.number)
    return [(t.name, fk) for t in now.sorted_tables for fk in t.foreign_key_constraints if fk.name not in known]


class NewRowsConsistent:
    """The phase's new foreign keys hold for every row (validated constraints already guarantee it)."""

    def plan(self, ctx: Context, owner, work: Work) -> None:
        standing = metadata_at_phase(ctx.project.metadata, ctx.at.number).tables
        added = [(t, fk) for t, fk in _foreign_keys_added(ctx.project, owner) if t in standing]
        if not added:
            return
        dialect = dialects.of(ctx.conn)
        unchecked: dict[str, list[sa.ForeignKeyConstraint]] = {}
        for table, fk in added:
            if not dialect.validated(ctx.conn, fk.name):
                unchecked.setdefault(table, []).append(fk)

        def finish(counts: list[dict[str, int]]) -> list[CheckResult]:
            orphans = {name: n for found in counts for name, n in found.items() if n}
            detail = ", ".join(f"{n}: {c:,} orphan rows" for n, c in orphans.items()) or \
                f"{len(added)} relationship(s) intact"
            return [CheckResult(owner.number, "new tables are consistent", not orphans, detail, data=orphans)]

        work.add([lambda c, t=table, fks=fks: dialect.orphans(c, t, fks) for table, fks in unchecked.items()], finish)
