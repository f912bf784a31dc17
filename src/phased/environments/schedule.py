"""Planned maintenance windows: recorded in the target's ledger by `schedule`, announced to the app's
clients (a service's status endpoint) until they have passed."""
from __future__ import annotations

import json
from datetime import datetime, timezone, tzinfo

import sqlalchemy as sa

from phased.declare.errors import MigrateError
from phased.declare.phase import Project
from phased.dialects import engines
from phased.state import bookkeeping, ledger
from phased.state.state import namespace_for

DIRECTION = ledger.SCHEDULE


def entry(phase: int, start: datetime, end: datetime, phases: list[int], environment: str | None) -> ledger.Entry:
    """The ledger entry that records a planned window (`start`, `end` aware)."""
    at = ledger.now()
    return ledger.Entry(phase, DIRECTION, at, at, 0.0, "ok", details={
        "from": _iso(start), "to": _iso(end), "phases": phases, "environment": environment})


def parse_moment(text: str, zone: tzinfo) -> datetime:
    """An ISO 8601 date and time; without an offset, in `zone`."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise MigrateError(f"--at {text!r} is no date and time: use ISO 8601, such as 2026-12-12T02:00") from None
    return at if at.tzinfo else at.replace(tzinfo=zone)


def record_entry(project: Project, url: sa.URL, planned: ledger.Entry) -> None:
    """Write a planned window into the database's ledger."""
    with engines.connection(url, migrating=True) as conn:
        ns = namespace_for(project, conn)
        ns.ensure(conn)
        conn.commit()
        ledger.record(conn.engine, ns, planned)


def announcement(project: Project, conn: sa.Connection, now: datetime | None = None) -> dict | None:
    """The next planned window that has not ended: {from, to, phases} (UTC, ISO 8601), or None."""
    ns = namespace_for(project, conn)
    if not bookkeeping.exists(conn, ns, "ledger"):
        return None
    table = bookkeeping.tables(ns)["ledger"]
    now = now or datetime.now(timezone.utc)
    planned = []
    for (details,) in conn.execute(sa.select(table.c.details).where(table.c.direction == DIRECTION)):
        data = json.loads(details or "{}")
        try:
            start, end = _parse(data["from"]), _parse(data["to"])
        except (KeyError, ValueError):
            continue
        if end > now:
            planned.append((start, end, data.get("phases", [])))
    if not planned:
        return None
    start, end, phases = min(planned, key=lambda p: p[0])
    return {"from": _iso(start), "to": _iso(end), "phases": phases}


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
