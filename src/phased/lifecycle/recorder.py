"""The record of one phase step, kept whatever happens to the step.

`with Recorder(engine, ns, entry) as rec:` times each part of the step
(`with rec.step("start"):`) and writes the ledger entry when the block ends,
ok or failed, in a transaction of its own: a failed step's entry survives the
step's rollback. Other recorders join (`rec.join(other)`) and are given the
same entry once it is written: a project that keeps a second history (Prisma's
`_prisma_migrations`, say) adds a recorder, not a branch in the engine.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator, Protocol

import sqlalchemy as sa

from phased.declare.namespace import Namespace
from phased.state import ledger


class Joined(Protocol):
    def record(self, entry: ledger.Entry) -> None:
        """Called with every entry once the ledger holds it."""


class Recorder:
    def __init__(self, engine: sa.Engine, ns: Namespace, entry: ledger.Entry,
                 settle: Callable[[], None] | None = None) -> None:
        """`settle`: runs when the step ends, before the entry is written (to end the step's transaction)."""
        self.engine, self.ns, self.entry, self._settle = engine, ns, entry, settle
        self._joined: list[Joined] = []
        self._started = time.perf_counter()

    def join(self, other: Joined) -> "Recorder":
        self._joined.append(other)
        return self

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """One part of the step (validate, start, complete, verify …), its start and end in the entry."""
        started_at = ledger.now()
        try:
            yield
        finally:
            self.entry.details.setdefault("steps", []).append(
                {"step": name, "started_at": started_at.isoformat(sep=" "), "finished_at": ledger.now().isoformat(sep=" ")})

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, kind, exc, _tb) -> None:
        entry = self.entry
        if exc is None:
            entry.outcome = "ok"
        else:
            entry.outcome = "failed"
            entry.error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self._settle:
            self._settle()
        entry.finished_at = ledger.now()
        entry.seconds = self.elapsed
        ledger.record(self.engine, self.ns, entry)
        for other in self._joined:
            other.record(entry)


def step_seconds(entry: ledger.Entry) -> list[tuple[str, float]]:
    """(part, seconds) of each recorded part of a step, in order."""
    out = []
    for s in entry.details.get("steps", []):
        took = datetime.fromisoformat(s["finished_at"]) - datetime.fromisoformat(s["started_at"])
        out.append((s["step"], took.total_seconds()))
    return out
