"""The database's sessions as sets: what the export writes, the verification compares, and a
re-import finds already there. One reading, so those three can't disagree.

A session is a user's WorkoutLog rows at one instant, with the Workout at that
instant for its name and notes. Imported logs carry their place in their tag
(see notes.py). A log without a tag (written by the app or the backfill) takes
the places after the tagged ones, in the order it was created, and a log of
N sets stands for N identical sets. A session's duration is the sum of its
logs' durationMinutes (an import stores it once, on the session's first set).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import NullType

from gaingrid.service.dates import read_stored
from gaingrid.service.tables import table

from . import notes


@dataclass(slots=True)  # not frozen: built per set, and a frozen __init__ is slow
class StoredSet:
    exercise: str
    ex: int
    set: int
    type: str
    reps: int
    weight: float | None
    rpe: float | None
    sec: float | None
    km: float | None
    ss: str | None
    note: str


@dataclass
class StoredSession:
    start: datetime
    workout: str | None = None
    workout_notes: str | None = None
    minutes: int | None = None
    logs: list[sa.Row] = field(default_factory=list)

    def sets(self) -> list[StoredSet]:
        return sets_of(self.logs)


def log_query(phase: int, user_id: str) -> sa.Select:
    log, exercise = table("WorkoutLog", phase), table("Exercise", phase)
    return (sa.select(log.c.id, log.c.date, log.c.sets, log.c.reps, log.c.weight, log.c.durationMinutes,
                      log.c.notes, log.c.createdAt, exercise.c.name.label("exercise"))
            .join(exercise, exercise.c.id == log.c.exerciseId).where(log.c.userId == user_id))


def workout_query(phase: int, user_id: str) -> sa.Select:
    workout = table("Workout", phase)
    return (sa.select(workout.c.date, workout.c.name, workout.c.notes).where(workout.c.userId == user_id)
            .order_by(workout.c.createdAt, workout.c.id))


class Instants:
    """Where the user has a log or a workout: each instant with the values stored for it.

    On SQLite one instant may be stored several ways (integer milliseconds,
    ISO text, SQLAlchemy's text: see gaingrid.service.dates). Looking rows up
    by the exact values stored lets the (userId, date) index serve, where
    comparing a normalised expression would read every row of the user.
    """

    def __init__(self, conn: sa.Connection, phase: int, user_id: str) -> None:
        self.stored: dict[datetime, set[Any]] = {}
        self._write = table("WorkoutLog", phase).c.date.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        for name in ("WorkoutLog", "Workout"):
            t = table(name, phase)
            raw = sa.type_coerce(t.c.date, NullType())
            for value in conn.scalars(sa.select(raw).where(t.c.userId == user_id).distinct()):
                self.stored.setdefault(read_stored(value), set()).add(value)

    def __contains__(self, start: datetime) -> bool:
        return start in self.stored

    def written(self, starts: Iterable[datetime]) -> None:
        for start in starts:
            self.stored.setdefault(start, set()).add(self.as_written(start))

    def as_written(self, start: datetime) -> Any:
        return self._write(start) if self._write else start

    def values(self, starts: Iterable[datetime]) -> list[Any]:
        out = set()
        for start in starts:
            out.update(self.stored.get(start, ()))
        return list(out)


def sessions_at(conn: sa.Connection, phase: int, user_id: str, starts: Iterable[datetime],
                known: Instants) -> dict[datetime, StoredSession]:
    """The user's sessions at these instants (empty ones where nothing is stored)."""
    out = {s: StoredSession(s) for s in sorted(set(starts))}
    values = known.values(out)
    if not values:
        return out
    log, workout = table("WorkoutLog", phase), table("Workout", phase)
    workouts = workout_query(phase, user_id).where(sa.type_coerce(workout.c.date, NullType()).in_(values))
    for row in conn.execute(workouts):
        session = out.get(row.date)
        if session is not None and session.workout is None:
            session.workout, session.workout_notes = row.name, row.notes
    for row in conn.execute(log_query(phase, user_id).where(sa.type_coerce(log.c.date, NullType()).in_(values))):
        if row.date in out:
            out[row.date].logs.append(row)
    for session in out.values():
        minutes = [r.durationMinutes for r in session.logs if r.durationMinutes is not None]
        session.minutes = sum(minutes) if minutes else None
    return out


def sets_of(logs: list[sa.Row]) -> list[StoredSet]:
    """One session's logs as its sets, in order: by exercise, then by place."""
    by_exercise: dict[str, list[tuple[notes.SetTag | None, str, sa.Row]]] = {}
    for row in sorted(logs, key=lambda r: (r.createdAt, r.id)):
        tag, note = notes.parse(row.notes)
        by_exercise.setdefault(row.exercise, []).append((tag, note, row))

    def exercise_order(item: tuple[str, list]) -> tuple:
        tags = [t.ex for t, _, _ in item[1] if t is not None]
        return (0, min(tags)) if tags else (1, 0)  # untagged exercises after, in creation order (stable sort)

    out: list[StoredSet] = []
    for place, (name, entries) in enumerate(sorted(by_exercise.items(), key=exercise_order), start=1):
        tagged = sorted(((t, n, r) for t, n, r in entries if t is not None), key=lambda e: e[0].set)
        places = [StoredSet(name, place, t.set, t.type, r.reps, r.weight, t.rpe, t.sec, t.km, t.ss, n)
                  for t, n, r in tagged]
        next_place = max((s.set for s in places), default=0) + 1
        for tag, note, row in entries:
            if tag is None:
                for _ in range(max(row.sets, 1)):
                    places.append(StoredSet(name, place, next_place, "normal", row.reps, row.weight,
                                            None, None, None, None, note))
                    next_place += 1
        out.extend(places)
    return out
