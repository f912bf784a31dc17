"""A project's migration plan as data: its phases, in order."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa

from phased.declare.backfill import Backfill
from phased.declare.errors import MigrateError, cli


@dataclass(frozen=True)
class Phase:
    """One step of a phased schema evolution.

    Its DDL lives in the Alembic revision `revision`; `opt_in` phases (such
    as dropping a legacy table) run only when asked for by number.
    """

    number: int
    name: str
    summary: str
    opt_in: bool = False
    backfills: tuple[Backfill, ...] = ()
    # Foreign keys the engine completes on PostgreSQL after the phase's transaction:
    # added NOT VALID if the revision left them out (so a backfill is not checked
    # row by row), then validated in a transaction of their own.
    deferred_foreign_keys: tuple[str, ...] = ()
    retires: tuple[str, ...] = ()  # backfills whose sync this phase ends (it drops their source)
    checks: tuple[Any, ...] = ()  # checks.Check: what must hold of what this phase added
    requires: tuple[Any, ...] = ()  # checks.Check: what must hold before it starts (verify.preflight)

    @property
    def revision(self) -> str:
        return f"{self.number:04d}_{self.name}"

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}"


@dataclass(frozen=True)
class Project:
    """Everything the engine needs to know about one application's schema."""

    name: str
    phases: tuple[Phase, ...]
    script_location: str
    metadata: sa.MetaData
    namespace: str
    foreign_tables: tuple[str, ...] = field(default=())  # other tools' tables: names or fnmatch patterns
    checks: tuple[Any, ...] = ()  # checks.Check: what must hold at every phase
    # Legacy columns the application writes by design (e.g. a password rehashed at login): not
    # drift, so the legacy fingerprint leaves them out. table -> columns.
    app_writes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What other tools' own migrations added, read from the database (callables: conn -> shapes.Additions;
    # a joined History's `additions`): left out of every schema comparison, so it is foreign, not drift.
    additions: tuple[Any, ...] = ()
    command: str = "migrate"  # how the project's CLI runs the engine, for the next step an error names
    title: str = "Database"  # the project's name as people read it (reports)
    version: str = "0"  # the project's release, recorded in the ledger

    def is_foreign(self, table: str) -> bool:
        return any(fnmatch.fnmatchcase(table, pattern) for pattern in self.foreign_tables)

    def __post_init__(self) -> None:
        numbers = [p.number for p in self.phases]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"phases must be numbered 1..n in order, got {numbers}")

    @property
    def first(self) -> Phase:
        return self.phases[0]

    @property
    def default_target(self) -> Phase:
        """Where a plain `up` stops: the last phase before any opt-in one."""
        target = self.first
        for p in self.phases:
            if p.opt_in:
                break
            target = p
        return target

    def syncs_at(self, number: int) -> tuple[list[Backfill], list[Backfill]]:
        """(active, retired) backfills once the database is at phase `number`."""
        declared = [b for p in self.phases for b in p.backfills]
        retired_names = {name for p in self.phases[:number] for name in p.retires}
        active = [b for p in self.phases[:number] for b in p.backfills if b.name not in retired_names]
        return active, [b for b in declared if b not in active]

    def mirrored_at(self, number: int) -> set[str]:
        """The tables a two-way sync writes into while the database is at phase `number`: its source and parents."""
        active, _ = self.syncs_at(number)
        return {t for b in active if b.reverse is not None for t in (b.source, *(p.table for p in b.parents))}

    def phase(self, number: int) -> Phase:
        if not 1 <= number <= len(self.phases):
            raise MigrateError(f"unknown phase {number}: phases are 1..{len(self.phases)}")
        return self.phases[number - 1]

    def by_revision(self, revision: str) -> Phase:
        for p in self.phases:
            if p.revision == revision:
                return p
        raise MigrateError(f"the version record names revision {revision!r}, which this version of the tool does "
                           f"not know: use the version that migrated the database (see {cli('history')})")
