"""Foreign keys added after a backfill, the lock-safe way (PostgreSQL).

`ADD CONSTRAINT … NOT VALID` needs only a brief lock and checks new writes;
`VALIDATE CONSTRAINT` then scans the table once, set-based, without blocking
writers. That replaces a per-row check for every backfilled row, and ends in
the same constraint Prisma's SQL declares.
"""
from __future__ import annotations

import sqlalchemy as sa

from phased import dialects
from phased.declare.backfill import q
from phased.declare.phase import Phase, Project
from phased.schema.shapes import metadata_at_phase


def _constraint(project: Project, phase: Phase, name: str) -> tuple[sa.Table, sa.ForeignKeyConstraint]:
    for table in metadata_at_phase(project.metadata, phase.number).tables.values():
        for fk in table.foreign_key_constraints:
            if fk.name == name:
                return table, fk
    raise ValueError(f"phase {phase.label} defers foreign key {name}, which its models do not declare")


def table_of(project: Project, phase: Phase, name: str) -> str:
    return _constraint(project, phase, name)[0].name


def pending(conn: sa.Connection, phase: Phase) -> list[str]:
    """The phase's deferred foreign keys that are missing or not yet validated."""
    if not dialects.of(conn).defers_foreign_keys or not phase.deferred_foreign_keys:
        return []
    rows = dict(conn.exec_driver_sql(
        "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' AND conname = ANY(%(names)s)",
        {"names": list(phase.deferred_foreign_keys)}).fetchall())
    return [n for n in phase.deferred_foreign_keys if not rows.get(n)]


def existing(conn: sa.Connection, phase: Phase) -> set[str]:
    """The phase's deferred keys that exist, validated or not."""
    if not dialects.of(conn).defers_foreign_keys or not phase.deferred_foreign_keys:
        return set()
    return {r[0] for r in conn.exec_driver_sql(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conname = ANY(%(names)s)",
        {"names": list(phase.deferred_foreign_keys)})}


def statements(project: Project, phase: Phase, name: str) -> tuple[str, str]:
    """(add NOT VALID, validate) for one deferred foreign key."""
    table, fk = _constraint(project, phase, name)
    add = (f"ALTER TABLE {q(table.name)} ADD CONSTRAINT {q(name)} FOREIGN KEY "
           f"({', '.join(q(c.name) for c in fk.columns)}) REFERENCES {q(fk.referred_table.name)} "
           f"({', '.join(q(e.column.name) for e in fk.elements)}) "
           f"ON DELETE {fk.ondelete or 'NO ACTION'} ON UPDATE {fk.onupdate or 'NO ACTION'} NOT VALID")
    return add, f"ALTER TABLE {q(table.name)} VALIDATE CONSTRAINT {q(name)}"


