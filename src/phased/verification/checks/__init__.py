"""Checks: what must hold once a database is at a phase, declared as data.

A project lists the checks that hold at every phase (`Project.checks`: the
schema is the phase's, constraints are valid, the legacy data untouched), and
each phase the checks of what it added (`Phase.checks`: its new rows are
consistent, its backfill matches its source, its sync is installed).
`verify` runs the project's checks at the database's phase, and the checks
of every applied phase. A project adds a check of its own by writing a class
with a `plan` method; the engine does not change.

A check adds its reads to the work (they run on parallel connections that
share one snapshot, see parallel.py) and turns their results into
CheckResults once they are done.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import sqlalchemy as sa

from phased.declare.namespace import Namespace
from phased.verification.parallel import Readers, Task


@dataclass(frozen=True)
class CheckResult:
    phase: int
    name: str
    ok: bool
    detail: str
    warning: bool = False  # failed, but does not fail the verification
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What every check may look at."""

    project: Any  # phase.Project
    conn: sa.Connection  # the coordinator's connection, in the verification's snapshot
    ns: Namespace
    at: Any  # phase.Phase: the phase the database is at
    baseline: Any = None  # fingerprint.Fingerprint | None: the legacy tables before the first phase
    strict: bool = True  # False: the app may have written since (legacy changes, new-app rows are warnings)
    on_progress: Callable[[int, int], None] | None = None


class Check(Protocol):
    def plan(self, ctx: Context, owner: Any, work: "Work") -> None:
        """Add this check's reads for `owner` (the phase that declares it, or the phase the database
        is at for a project's check) to `work`."""


class Work:
    """Every read of a verification as a task, and how each check turns its tasks' results into results."""

    def __init__(self) -> None:
        self.tasks: list[Task] = []
        self.long: set[int] = set()
        self._checks: list[tuple[int, int, Callable[[list], list[CheckResult]]]] = []

    def add(self, tasks: list[Task], finish: Callable[[list], list[CheckResult]], *, long: bool = False) -> None:
        """`long`: start these first, so the short tasks fill in around them."""
        self._checks.append((len(self.tasks), len(tasks), finish))
        if long:
            self.long.update(range(len(self.tasks), len(self.tasks) + len(tasks)))
        self.tasks += tasks

    def result(self, *results: CheckResult) -> None:
        """A check that needed no parallel read."""
        self.add([], lambda _: list(results))

    def run(self, readers: Readers) -> list[CheckResult]:
        order = sorted(range(len(self.tasks)), key=lambda i: i not in self.long)
        results: list = [None] * len(self.tasks)
        for i, result in zip(order, readers.map([self.tasks[i] for i in order])):
            results[i] = result
        return [c for start, n, finish in self._checks for c in finish(results[start:start + n])]
