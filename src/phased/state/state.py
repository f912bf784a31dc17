"""Where a database stands: its recorded phase, or the phase its schema matches.

The version record in the toolkit's namespace is the source of truth; the
schema comparison identifies unrecorded databases (adopt) and detects drift.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from phased import dialects
from phased.declare.errors import MigrateError
from phased.declare.namespace import Namespace
from phased.declare.phase import Phase, Project
from phased.schema import deferred
from phased.schema.shapes import SchemaShape, metadata_at_phase, shape_from_database, shape_from_metadata
from phased.state import inflight
from phased.state.inflight import InFlight


@dataclass(frozen=True)
class DatabaseState:
    recorded: Phase | None
    matched: Phase | None
    empty: bool
    differences: list[str] = field(default_factory=list)  # from `recorded` (drift) or the closest phase
    closest: Phase | None = None
    in_flight: InFlight | None = None  # a phase step stopped part way: the next up or down completes it
    progress: list[str] = field(default_factory=list)  # what that step has done and has left

    @property
    def managed(self) -> bool:
        return self.recorded is not None

    @property
    def phase_number(self) -> int:
        """0 for an empty database, else the recorded (or matched) phase."""
        phase = self.recorded or self.matched
        return phase.number if phase else 0


def namespace_for(project: Project, conn: sa.Connection) -> Namespace:
    return dialects.of(conn).namespace(project.namespace)


_EXPECTED: dict[tuple[str, int, str], SchemaShape] = {}


def expected_shape(project: Project, phase: Phase, dialect: Dialect) -> SchemaShape:
    key = (project.name, phase.number, dialect.name)
    if key not in _EXPECTED:
        _EXPECTED[key] = shape_from_metadata(metadata_at_phase(project.metadata, phase.number), dialect)
    return _EXPECTED[key]


def live_shape(project: Project, conn: sa.Connection) -> SchemaShape:
    ns = namespace_for(project, conn)
    shape = shape_from_database(conn, ignore=lambda name: project.is_foreign(name) or ns.owns(name),
                                ignore_index=ns.owns_index)
    for added in project.additions:
        shape = shape.without(added(conn))
    return shape


def recorded_revision(project: Project, conn: sa.Connection) -> str | None:
    ns = namespace_for(project, conn)
    table = ns.table_name("alembic_version")
    if not sa.inspect(conn).has_table(table, schema=ns.schema):
        return None
    rows = conn.exec_driver_sql(f"SELECT version_num FROM {ns.qualified('alembic_version')}").fetchall()
    if len(rows) > 1:
        raise MigrateError(f"the version record holds {len(rows)} revisions; expected one: another tool changed "
                           f"{ns.qualified('alembic_version')}; restore it from a backup")
    return rows[0][0] if rows else None


def read_state(project: Project, conn: sa.Connection) -> DatabaseState:
    revision = recorded_revision(project, conn)
    recorded = project.by_revision(revision) if revision else None
    live = live_shape(project, conn)
    dialect = conn.dialect
    if recorded:
        flight = inflight.read(conn, namespace_for(project, conn))
        expected = expected_shape(project, recorded, dialect)
        if flight and flight.phase in (recorded.number, recorded.number + 1) and flight.phase <= len(project.phases):
            moving = project.phase(flight.phase)
            other = (expected_shape(project, project.phase(flight.phase - 1), dialect) if flight.phase > 1
                     else SchemaShape()) if flight.phase == recorded.number else expected_shape(project, moving, dialect)
            drift = expected.diff_between(other, live)
            progress = _progress(project, conn, moving, flight.direction, live)
            return DatabaseState(recorded, None if drift else recorded, False, drift, recorded, flight, progress)
        drift = expected.diff(live)
        return DatabaseState(recorded, None if drift else recorded, False, drift, recorded, flight)
    if not live.tables and not live.enums:
        return DatabaseState(None, None, True)
    scored = [(p, expected_shape(project, p, dialect).diff(live)) for p in project.phases]
    for phase, diff in scored:
        if not diff:
            return DatabaseState(None, phase, False, [], phase)
    closest, diff = min(scored, key=lambda pd: len(pd[1]))
    return DatabaseState(None, None, False, diff, closest)


def _progress(project: Project, conn: sa.Connection, phase: Phase, direction: str, live: SchemaShape) -> list[str]:
    """What the in-flight step of `phase` has done, in its own terms: its indexes and its deferred keys."""
    before = expected_shape(project, project.phase(phase.number - 1), conn.dialect) if phase.number > 1 else SchemaShape()
    after = expected_shape(project, phase, conn.dialect)
    added = [(t, i) for t, shape in after.tables.items() for i in shape.indexes
             if i not in (before.tables[t].indexes if t in before.tables else {})]
    out = []
    if added:
        built = sum(1 for t, i in added if t in live.tables and i in live.tables[t].indexes)
        out.append(f"{built} of {len(added)} indexes built" if direction == "up"
                   else f"{len(added) - built} of {len(added)} indexes dropped")
    waiting = deferred.pending(conn, phase) if direction == "up" else []
    if waiting:
        out.append(f"foreign keys to add or validate: {', '.join(waiting)}")
    return out


def validate_phase(project: Project, conn: sa.Connection, phase: Phase, *, deferred: tuple[str, ...] = ()) -> None:
    """Raise unless the live schema is exactly `phase`'s, but for the `deferred` foreign keys."""
    expected, live = expected_shape(project, phase, conn.dialect), live_shape(project, conn)
    if deferred:  # the engine adds or validates these after the phase's transaction
        expected, live = expected.without_foreign_keys(deferred), live.without_foreign_keys(deferred)
    diff = expected.diff(live)
    if diff:
        raise MigrateError(f"after phase {phase.label} the schema differs from what is expected, so the phase was "
                           f"rolled back: " + "; ".join(diff))
