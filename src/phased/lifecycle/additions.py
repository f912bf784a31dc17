"""What the engine adds to a phase's revision, as statements: the sync's
indexes before its transaction, the bookkeeping, the sync and the backfill's
reset inside it, and the deferred foreign keys after it.

The executor runs them against what the live database holds; the planner
renders them for a database assumed to be exactly at the phase before. One
list of statements for both: `plan --sql` shows what `up` runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from phased.declare.namespace import Namespace
from phased.declare.phase import Phase, Project
from phased.movement import batches, sync
from phased.schema import deferred
from phased.schema.shapes import metadata_at_phase
from phased.state import bookkeeping


@dataclass(frozen=True)
class Situation:
    """What the statements depend on: the sync objects installed, the toolkit's indexes, the tables there."""

    sync: sync.Installed
    indexes: dict[str, bool]
    tables: set[str]


def live(conn: sa.Connection, ns: Namespace) -> Situation:
    return Situation(sync.installed(conn, ns), sync.index_state(conn, ns), set(sa.inspect(conn).get_table_names()))


def execute(conn: sa.Connection, statement: str | sa.schema.DDLElement) -> None:
    if isinstance(statement, str):
        conn.exec_driver_sql(statement)
    else:
        conn.execute(statement)


def assumed(project: Project, ns: Namespace, at: Phase | None) -> Situation:
    """A database exactly at phase `at` (None: empty), as this version of the engine leaves it."""
    if at is None:
        return Situation({}, {}, set())
    active, _ = project.syncs_at(at.number)
    tables = set(metadata_at_phase(project.metadata, at.number).tables)
    indexes = {i.name: True for b in active for i in sync.support_indexes(b, ns) if i.table in tables}
    return Situation(sync.assumed(ns, active), indexes, tables)


def _declared_indexes(project: Project, ns: Namespace) -> list[sync.SupportIndex]:
    return [i for p in project.phases for b in p.backfills for i in sync.support_indexes(b, ns)]


def indexes(project: Project, ns: Namespace, at: Phase, now: Situation, *, drops: bool) -> list[str]:
    """The sync's indexes for phase `at`: built before the phase's transaction (so they are there
    before the triggers that use them) and after it (a table it restored); dropped after it, once
    the sync that used them has ended."""
    active, _ = project.syncs_at(at.number)
    wanted = [i for b in active for i in sync.support_indexes(b, ns)]
    return sync.index_statements(now.indexes, now.tables, ns, wanted, _declared_indexes(project, ns), drops=drops)


def in_transaction(project: Project, ns: Namespace, phase: Phase, *, down: bool, now: Situation) -> list:
    """What runs inside the phase's own transaction, after its revision's DDL."""
    arrive = project.phase(phase.number - 1) if down else phase
    active, retired = project.syncs_at(arrive.number)
    out: list = []
    if not down and phase.backfills:
        out += bookkeeping.create_statements(ns)
    out += sync.changes(now.sync, ns, active, retired)
    if not down:
        out += [s for b in phase.backfills for s in batches.reset_statements(ns, b)]
    return out


def ending_syncs(project: Project, ns: Namespace, phase: Phase, *, now: Situation) -> list:
    """Going down from `phase`: what removes the syncs that end with it, before its revision runs."""
    _, retired = project.syncs_at(phase.number - 1)
    return sync.changes(now.sync, ns, [], retired)


def deferred_keys(project: Project, phase: Phase) -> list[tuple[str, str, str]]:
    """(key, step, statement) for each deferred key, in order: add NOT VALID where the engine adds it, then validate.

    A deferred key on a table the phase backfills is left out of the revision (so the
    batches are not checked row by row) and added by the engine; any other is added
    NOT VALID by the revision itself.
    """
    targets = {b.target for b in phase.backfills}
    out = []
    for name in phase.deferred_foreign_keys:
        add, validate = deferred.statements(project, phase, name)
        if deferred.table_of(project, phase, name) in targets:
            out.append((name, "add", add))
        out.append((name, "validate", validate))
    return out
