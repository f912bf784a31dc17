"""A user's workout logs as a Strong export, streamed session by session.

Strong's layout with notes (`Date,Workout Name,Duration,Exercise Name,Set
Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE`), one row per set.
The sets are the database's sessions as stored.py reads them, so the tags'
places, types, RPE, seconds and distance come back in Strong's own columns:
a warm-up, drop or failure set's Set Order is W, D or F, as Strong labels
them, and normal sets are numbered. Times are in the account's timezone,
weights in kg unless asked for lb. Importing this file back adds nothing.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa

from gaingrid.service.dates import sortable
from gaingrid.service.schedule import zone
from gaingrid.service.tables import table

from . import stored
from .values import LB, plain
from .verify import DEFAULT_WORKOUT

HEADER = ["Date", "Workout Name", "Duration", "Exercise Name", "Set Order", "Weight", "Reps", "Distance",
          "Seconds", "Notes", "Workout Notes", "RPE"]
_LETTER = {"warmup": "W", "drop": "D", "failure": "F"}
STREAMED = 1000  # logs fetched at a time


class StrongExport:
    """The CSV text, in chunks of about one session each; counts what it wrote."""

    def __init__(self, conn: sa.Connection, phase: int, user: dict[str, Any], unit: str = "kg") -> None:
        self.conn, self.phase, self.user, self.unit = conn, phase, user, unit
        self.sessions = self.sets = 0

    def __iter__(self) -> Iterator[str]:
        return _write(self)


def _write(export: StrongExport) -> Iterator[str]:
    conn, phase, user, unit = export.conn, export.phase, export.user, export.unit
    tz = zone(user.get("timezone"))
    workouts: dict[datetime, tuple[str | None, str | None]] = {}
    for row in conn.execute(stored.workout_query(phase, user["id"])):
        workouts.setdefault(row.date, (row.name, row.notes))
    log = table("WorkoutLog", phase)
    query = stored.log_query(phase, user["id"]).order_by(sortable(log.c.date, conn.dialect.name), log.c.id)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(HEADER)
    rows = conn.execute(query.execution_options(yield_per=STREAMED))
    for start, logs in groupby(rows, key=lambda r: r.date):
        logs = list(logs)
        name, workout_notes = workouts.get(start, (None, None))
        minutes = [r.durationMinutes for r in logs if r.durationMinutes is not None]
        session = [start.replace(tzinfo=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                   name or DEFAULT_WORKOUT, _duration(sum(minutes) if minutes else None)]
        normal: dict[str, int] = {}
        export.sessions += 1
        for s in stored.sets_of(logs):
            export.sets += 1
            if s.type == "normal":
                normal[s.exercise] = normal.get(s.exercise, 0) + 1
            weight = None if s.weight is None else (s.weight / LB if unit == "lb" else s.weight)
            out.writerow([*session, s.exercise, _LETTER.get(s.type, normal.get(s.exercise)), _num(weight),
                          s.reps, _num(s.km) or "0", _num(s.sec) or "0", s.note, workout_notes or "", _num(s.rpe)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else plain(float(value))


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest}m" if hours else f"{rest}m"
