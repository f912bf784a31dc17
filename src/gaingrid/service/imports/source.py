"""An export file read as sessions of sets, streamed, with the rows that can't be read set aside.

A session is the rows that share a start time: a WorkoutLog has no link to
its Workout but the user and the instant, so two workouts that start at the
same moment would be one. The apps
write each session's rows together; holding only the current session (and
the key of each one seen, a few dozen bytes per session) keeps memory flat
however large the file. A row that breaks that (a session that
resumes after another began), or that disagrees with its session's first row
on the session's workout name, duration or notes, is quarantined like an
unreadable one.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from . import formats
from .csvfile import CsvFile
from .formats import Layout, SourceSet
from .values import BadValue

SHOWN = 300  # characters of a quarantined row kept in the report


@dataclass(frozen=True, slots=True)
class Quarantined:
    line: int
    reason: str
    row: str  # the record as the file has it, shortened


@dataclass
class SourceSession:
    start: datetime
    workout: str
    minutes: int | None
    workout_notes: str | None
    first_line: int
    sets: list[SourceSet] = field(default_factory=list)


class Source:
    """The sessions and quarantined rows of one export, in file order."""

    def __init__(self, raw: BinaryIO, name: str, app: str, zone: ZoneInfo, unit: str) -> None:
        self.file = CsvFile(raw, name)
        self.layout: Layout = formats.layout(formats.FORMATS[app], self.file.header, name, unit)
        self.zone, self.unit = zone, unit
        self.rows = 0  # data records read

    def items(self) -> Iterator[SourceSession | Quarantined]:
        current: SourceSession | None = None
        finished: dict[datetime, int] = {}  # each session's start -> its first line
        for record in self.file.records():
            self.rows += 1
            try:
                row = formats.read(self.layout, record.line, record.fields, self.zone, self.unit)
                if current is None or row.start != current.start:
                    if row.start in finished:
                        raise BadValue(f"belongs to the session {row.workout!r} that began on line "
                                       f"{finished[row.start]}, after other sessions; keep a session's rows together")
                    if current is not None:
                        yield current
                    current = SourceSession(row.start, row.workout, row.minutes, row.workout_notes, row.line)
                    finished[row.start] = row.line
                _check_same_session(current, row)
                current.sets.append(row)
            except BadValue as exc:
                yield Quarantined(record.line, str(exc), self._shown(record.fields))
        if current is not None:
            yield current

    def _shown(self, fields: list[str]) -> str:
        text = ",".join(fields)
        return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


def _check_same_session(session: SourceSession, row: SourceSet) -> None:
    if row.workout != session.workout:
        raise BadValue(f"workout {row.workout!r} starts at the same time as {session.workout!r} (line "
                       f"{session.first_line}); GainGrid keeps one session per start time")
    if row.minutes != session.minutes:
        raise BadValue(f"duration ({row.minutes} min) differs from its session's ({session.minutes} min, "
                       f"line {session.first_line})")
    if row.workout_notes != session.workout_notes:
        raise BadValue(f"workout notes differ from its session's (line {session.first_line})")
