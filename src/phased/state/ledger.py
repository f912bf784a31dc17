"""The ledger: one row per phase run (and per adopt, backfill and verify),
with the sha256 of the migration script that ran, as Flyway and Prisma keep."""
from __future__ import annotations

import getpass
import hashlib
import json
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from phased.declare.errors import NAMES
from phased.declare.namespace import Namespace
from phased.declare.phase import Phase, Project
from phased.schema import alembic_bridge
from phased.state import bookkeeping, fingerprint


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def operator() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class Entry:
    phase: int
    direction: str
    started_at: datetime
    finished_at: datetime
    seconds: float
    outcome: str
    rows_moved: int = 0
    error: str | None = None
    backup: str | None = None
    script_sha256: str | None = None
    details: dict = field(default_factory=dict)
    operator: str = field(default_factory=operator)
    tool_version: str = field(default_factory=lambda: NAMES.get().version)
    run: str | None = None
    id: int | None = None


# Entries that record a decision, not a step: an environment's rule overridden (with its reason), a
# maintenance window planned. Reports of a run leave them out.
OVERRIDE, SCHEDULE = "override", "schedule"
NOTES = (OVERRIDE, SCHEDULE)


def script_sha256(project: Project, phase: Phase) -> str:
    return hashlib.sha256(Path(alembic_bridge.scripts(project).get_revision(phase.revision).path).read_bytes()).hexdigest()


def record(engine: sa.Engine, ns: Namespace, entry: Entry) -> None:
    """Written in its own transaction: a failed phase's entry survives the phase's rollback."""
    with engine.begin() as conn:
        # Creating the bookkeeping needs CREATE on the database: only when it is not there yet.
        table = (bookkeeping.tables(ns) if bookkeeping.exists(conn, ns, "ledger") else bookkeeping.ensure(conn, ns))["ledger"]
        values = {k: v for k, v in vars(entry).items() if k != "id"}
        values["details"] = json.dumps(entry.details, default=str)
        conn.execute(table.insert().values(**values))


def merge(engine: sa.Engine, ns: Namespace, history: list[Entry]) -> None:
    """Put back the entries of `history` the ledger no longer has (a restore brought back an older ledger)."""
    with engine.connect() as conn:
        have = {(e.started_at, e.direction, e.phase, e.run) for e in entries(conn, ns)}
    for e in history:
        if (e.started_at, e.direction, e.phase, e.run) not in have:
            record(engine, ns, e)


def entries(conn: sa.Connection, ns: Namespace, limit: int | None = None) -> list[Entry]:
    if not bookkeeping.exists(conn, ns, "ledger"):
        return []
    table = bookkeeping.tables(ns)["ledger"]
    query = sa.select(table).order_by(table.c.id.desc())
    if limit:
        query = query.limit(limit)
    out = []
    for row in conn.execute(query).mappings():
        data = dict(row)
        data["details"] = json.loads(data["details"] or "{}")
        out.append(Entry(**data))
    return list(reversed(out))


def changed_scripts(conn: sa.Connection, ns: Namespace, project: Project, current: int) -> list[str]:
    """Applied phases whose migration script differs from the one that ran."""
    applied: dict[int, str] = {}
    for e in entries(conn, ns):
        if e.outcome == "ok" and e.direction in ("up", "redo", "adopt") and e.script_sha256:
            applied[e.phase] = e.script_sha256
    warnings = []
    for phase in project.phases[:current]:
        ran = applied.get(phase.number)
        if ran and ran != script_sha256(project, phase):
            warnings.append(f"the migration script of phase {phase.label} has changed since it was applied "
                            f"(sha256 {ran[:12]}… then, {script_sha256(project, phase)[:12]}… now)")
    return warnings


def save_baseline(conn: sa.Connection, ns: Namespace, fp: fingerprint.Fingerprint, phase: int) -> None:
    table = bookkeeping.ensure(conn, ns)["fingerprint"]
    conn.execute(table.delete().where(table.c.label == "baseline"))
    conn.execute(table.insert().values(label="baseline", phase=phase, taken_at=now(),
                                       data=json.dumps(fingerprint.to_json(fp))))


def load_baseline(conn: sa.Connection, ns: Namespace) -> fingerprint.Fingerprint | None:
    if not bookkeeping.exists(conn, ns, "fingerprint"):
        return None
    table = bookkeeping.tables(ns)["fingerprint"]
    data = conn.execute(sa.select(table.c.data).where(table.c.label == "baseline")).scalar()
    return fingerprint.from_json(json.loads(data)) if data else None
