"""pgroll's harness, for any project: each phase through its lifecycle, with hooks.

A case names a phase and what must hold after its `start`, its `complete`
and its `rollback`. `run_case` brings a database to the phase before it
(`prepare` fills it with data first), then drives the engine's Executor
through start → complete → rollback → start → complete, calling each hook
after its step, and checks that the rollback left every row the database
held before the phase exactly as it was. The first phase is the baseline:
nothing comes before it to roll back to, so its case is start and complete.
A failure names the phase and the step it followed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from phased.declare.phase import Project
from phased.declare.sql import quote
from phased.dialects import engines, retry
from phased.lifecycle.commands import Migrator
from phased.lifecycle.executor import Executor
from phased.movement.batches import BatchSettings

Hook = Callable[[sa.Engine], None]


def nothing(_engine: sa.Engine) -> None:
    """A hook with nothing more to check than the harness checks itself."""


@dataclass(frozen=True)
class Case:
    phase: int
    after_start: Hook = nothing
    after_complete: Hook = nothing
    after_rollback: Hook = nothing

    def __str__(self) -> str:
        return f"phase {self.phase}"


def rows_of(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the application sees, sorted: what a rollback must give back."""
    out = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in inspector.get_table_names():
            out[name] = sorted(tuple(map(repr, r)) for r in conn.exec_driver_sql(f"SELECT * FROM {quote(name)}"))
    return out


def run_case(project: Project, url: str, case: Case, prepare: Callable[[Migrator], None]) -> None:
    migrator = Migrator(project, url)
    migrator.up(to=1)
    prepare(migrator)
    if case.phase > 1:
        migrator.up(to=case.phase - 1)
    phase = project.phase(case.phase)
    executor = Executor(project, migrator.url, retries=retry.Retries(), policy=retry.Policy(),
                        timeouts=retry.Timeouts())
    settings = BatchSettings(size=500)
    engine = engines.create_engine(migrator.url)
    try:
        before = {t: r for t, r in rows_of(engine).items() if not _own(project, t)}
        with engines.connection(migrator.url, migrating=True) as conn:
            for attempt in ("first", "second") if case.phase > 1 else ("only",):
                _step(case, f"start ({attempt})", lambda: executor.start(conn, phase), case.after_start, engine)
                _step(case, f"complete ({attempt})", lambda: executor.complete(conn, phase, settings, None),
                      case.after_complete, engine)
                if attempt == "first":
                    _step(case, "rollback", lambda: executor.rollback(conn, phase), case.after_rollback, engine)
                    after = {t: r for t, r in rows_of(engine).items() if not _own(project, t)}
                    assert after == before, f"{case} rollback: the rows differ from before the phase started"
    finally:
        engine.dispose()


def _step(case: Case, name: str, run: Callable[[], object], hook: Hook, engine: sa.Engine) -> None:
    try:
        run()
        hook(engine)
    except AssertionError as exc:
        raise AssertionError(f"{case}, after {name}: {exc}") from exc


def _own(project: Project, table: str) -> bool:
    """The engine's bookkeeping (archives, checkpoints), which a rollback may well add to, and other tools' tables."""
    return table.startswith(project.namespace) or project.is_foreign(table) or table.startswith("sqlite_")
