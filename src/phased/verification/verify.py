"""Verification: run the project's checks at the database's phase, and the checks
of every applied phase (checks/: each kind of check, declared as data)."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable

import sqlalchemy as sa

from phased.declare.phase import Phase, Project
from phased.state import fingerprint
from phased.state.state import namespace_for
from phased.verification.checks import CheckResult, Context, Work
from phased.verification.checks.backfill import BackfillMatches
from phased.verification.checks.keys import KeyIsText
from phased.verification.parallel import Readers

__all__ = ["CheckResult", "Verification", "verify"]


@dataclass
class Verification:
    phase: int
    checks: list[CheckResult]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok or c.warning for c in self.checks)

    def to_json(self) -> dict:
        return {"phase": self.phase, "ok": self.ok, "seconds": round(self.seconds, 3),
                "checks": [asdict(c) for c in self.checks]}


def verify(project: Project, conn: sa.Connection, phase: Phase, *, baseline: fingerprint.Fingerprint | None,
           strict: bool = True, only_latest: bool = False,
           on_progress: Callable[[int, int], None] | None = None,
           engine: sa.Engine | None = None, jobs: int = 1) -> Verification:
    """`strict`: nothing but the migration wrote. Otherwise legacy rows changed since the
    baseline, and target rows without a source (the new app's), are warnings, not failures.
    `only_latest`: the per-phase checks of `phase` alone (what `up` runs after each phase).
    `engine` and `jobs`: the reads run on that many connections at once, sharing the snapshot of `conn`."""
    started = time.perf_counter()
    ctx = Context(project, conn, namespace_for(project, conn), phase, baseline, strict, on_progress)
    work = Work()
    for check in project.checks:
        check.plan(ctx, phase, work)
    for p in ([phase] if only_latest else project.phases[:phase.number]):
        for check in p.checks:
            check.plan(ctx, p, work)
    return Verification(phase.number, work.run(Readers(conn, engine, jobs)), time.perf_counter() - started)


def preflight(project: Project, conn: sa.Connection, phase: Phase, *, engine: sa.Engine | None = None,
              jobs: int = 1) -> Verification:
    """Validate, before `phase` starts: is the database, at the phase before it, ready for it?

    The engine's own conditions: each backfill the phase starts has a text key in an existing
    source (checks/keys.py), and each sync it retires has a target that matches its source row
    for row (checks/backfill.py), since retiring it drops the source. Then the phase's own
    `requires` checks. The app may be writing: its new rows are no failure.
    """
    if phase.number == 1:
        return Verification(0, [])  # an empty database
    started = time.perf_counter()
    at = project.phase(phase.number - 1)
    ctx = Context(project, conn, namespace_for(project, conn), at, None, False, None)
    work = Work()
    retired = [b for p in project.phases for b in p.backfills if b.name in phase.retires]
    for check in [*map(KeyIsText, phase.backfills), *map(BackfillMatches, retired), *phase.requires]:
        check.plan(ctx, phase, work)
    return Verification(at.number, work.run(Readers(conn, engine, jobs)), time.perf_counter() - started)
