"""An import: the file, streamed in batches of sessions, into Workout and WorkoutLog, verified.

The mapping: one Workout per session (name, start, workout notes) and one
WorkoutLog per set (`sets` = 1, its reps and weight in kg), so that nothing is
averaged away. A set's place, type, RPE, duration and distance go in its
notes' tag (notes.py), the exercise's notes after it. The session's duration
goes on its first set's durationMinutes, once, so that sums over logs stay
right.

Idempotent without a table of its own: a set is identified by the user, its
session's start, its exercise and its place, which is how the database's
sessions read back (stored.py). A set already there is counted as present and
left alone, so importing a file again adds nothing, a newer export of the same
app adds only what is new, and an export of ours imported back adds nothing.

The caller owns the transaction: one per file. On PostgreSQL the import holds
a per-user advisory lock, so two imports for one user run one after the other
(SQLite's BEGIN IMMEDIATE already does that).
"""
from __future__ import annotations

import zlib
from typing import Any, BinaryIO

import sqlalchemy as sa

from gaingrid.models import new_id, utcnow
from gaingrid.service.schedule import zone
from gaingrid.service.tables import table

from . import notes, stored
from .csvfile import ImportRefused
from .formats import FORMATS
from .matching import Matcher
from .report import ImportReport
from .source import Quarantined, Source, SourceSession
from .verify import Expected, check

BATCH_SETS = 2000  # sets per insert batch: memory stays flat, statements stay few
LOCK_CLASS = 0x676701  # pg_advisory_xact_lock(class, user): "gg" 1, the import lock


def run_import(conn: sa.Connection, phase: int, user: dict[str, Any], app: str, raw: BinaryIO, name: str,
               unit: str = "kg") -> ImportReport:
    """Import one export file for `user` (a User row). Caller commits; any exception means roll back."""
    if app not in FORMATS:
        raise ImportRefused(f"unknown source {app!r}: import strong or hevy")
    if unit not in ("kg", "lb"):
        raise ImportRefused(f"unknown unit {unit!r}: use kg or lb")
    tz = zone(user.get("timezone"))
    source = Source(raw, name, app, tz, unit)
    report = ImportReport(app, name, user["email"], tz.key, unit, ignored_columns=list(source.layout.ignored))
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_CLASS, _int4(user["id"]))))
    batches = _Batches(conn, phase, user["id"], report, Matcher(conn, phase, user["id"], FORMATS[app].label),
                       source.layout.unknown())
    pending: list[SourceSession] = []
    size = 0
    for item in source.items():
        if isinstance(item, Quarantined):
            report.quarantine_row(item)
            continue
        pending.append(item)
        size += len(item.sets)
        if size >= BATCH_SETS:
            batches.write(pending)
            pending, size = [], 0
    batches.write(pending)
    report.rows = source.rows
    report.mappings = list(batches.matcher.mappings.values())
    if report.rows == 0:
        raise ImportRefused(f"{name} has a header but no sets: export your workouts again and import that file")
    if report.quarantined == report.rows:
        first = report.quarantine[0]
        raise ImportRefused(f"none of the {report.rows} rows of {name} could be read, nothing was imported; "
                            f"line {first.line}: {first.reason}")
    return report


class _Batches:
    def __init__(self, conn: sa.Connection, phase: int, user_id: str, report: ImportReport, matcher: Matcher,
                 unknown: frozenset[str]) -> None:
        self.conn, self.phase, self.user_id, self.report, self.matcher = conn, phase, user_id, report, matcher
        self.unknown = unknown
        self.known = stored.Instants(conn, phase, user_id)
        self.workout, self.log = table("Workout", phase), table("WorkoutLog", phase)

    def write(self, sessions: list[SourceSession]) -> None:
        """Insert a batch of sessions' new sets, then check every set of the batch against the database."""
        if not sessions:
            return
        starts = [s.start for s in sessions]
        before = stored.sessions_at(self.conn, self.phase, self.user_id, [s for s in starts if s in self.known],
                                    self.known)
        workouts: list[dict] = []
        logs: list[dict] = []
        expected: list[Expected] = []
        for session in sessions:
            self._session(session, before.get(session.start), workouts, logs, expected)
        if workouts:
            self.conn.execute(self.workout.insert(), workouts)
        if logs:
            self.conn.execute(self.log.insert(), logs)
        self.known.written(starts)
        after = stored.sessions_at(self.conn, self.phase, self.user_id, starts, self.known)
        self.report.verified += check(expected, after, self.report.kept, self.unknown)

    def _session(self, session: SourceSession, existing: stored.StoredSession | None, workouts: list[dict],
                 logs: list[dict], expected: list[Expected]) -> None:
        """The rows for one session's sets that the database does not have yet."""
        have = {(s.exercise, s.set) for s in existing.sets()} if existing else set()
        created = existing is None or (not existing.logs and existing.workout is None)
        now = utcnow()
        self.report.sessions += 1
        if created:
            self.report.new_sessions += 1
            workouts.append({"id": new_id(), "userId": self.user_id, "name": session.workout, "date": session.start,
                             "notes": session.workout_notes, "createdAt": now, "updatedAt": now})
        places: dict[str, int] = {}
        order: dict[str, int] = {}
        minutes = session.minutes if created else None  # once, on the session's first set
        for s in session.sets:
            mapping = self.matcher.match(s.exercise)
            mapping.sets += 1
            ex = order.setdefault(mapping.exercise, len(order) + 1)
            places[mapping.exercise] = place = places.get(mapping.exercise, 0) + 1
            tag = notes.SetTag(ex, place, s.type, s.rpe, s.sec, s.km, s.ss)
            written = (mapping.exercise, place) not in have
            if written:
                self.report.imported += 1
                logs.append({"id": new_id(), "userId": self.user_id, "exerciseId": mapping.exercise_id,
                             "date": session.start, "sets": 1, "reps": s.reps, "weight": s.weight,
                             "durationMinutes": minutes, "rating": None, "mood": None,
                             "notes": notes.render(tag, s.note), "createdAt": now, "updatedAt": now})
                minutes = None
            else:
                self.report.present += 1
            expected.append(Expected(session, s, mapping.exercise, tag, written, created))


def _int4(text: str) -> int:
    return zlib.crc32(text.encode()) - (1 << 31)
