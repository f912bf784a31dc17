"""The check after an import: each set of the file against the database, read back through the notes format.

A set this import wrote must read back exactly as the file has it (else the
import is rolled back: that would be a bug, never the file's fault). A set
the database already had may differ (the user edited it since, or the file
is an older export): the database's is kept, and the difference is named.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from .csvfile import ImportRefused
from .formats import SourceSet
from .notes import SetTag
from .report import Difference
from .source import SourceSession
from .stored import StoredSession, StoredSet

DEFAULT_WORKOUT = "Workout"  # a session with logs but no Workout row exports under this name


class VerificationFailed(ImportRefused):
    pass


@dataclass(slots=True)  # not frozen: built per set, and a frozen __init__ is slow
class Expected:
    session: SourceSession
    source: SourceSet
    exercise: str  # the matched exercise's name
    tag: SetTag
    written: bool  # by this import (else the database had it)
    created_session: bool

    def as_stored(self) -> StoredSet:
        s, t = self.source, self.tag
        return StoredSet(self.exercise, t.ex, t.set, t.type, s.reps, s.weight, t.rpe, t.sec, t.km, t.ss, s.note)


_COMPARED = [f.name for f in fields(StoredSet) if f.name not in ("exercise", "set")]


def check(expected: list[Expected], stored: dict, kept: list[Difference], unknown: frozenset[str]) -> int:
    """Compare; returns the sets compared. Appends what the database keeps to `kept`; raises on a write that differs.

    A field the file has no column for (`unknown`) is compared only on sets this import wrote.
    """
    failures: list[Difference] = []
    by_key: dict = {}
    for start, session in stored.items():
        for s in session.sets():
            by_key.setdefault((start, s.exercise, s.set), s)
    seen_sessions = set()
    for e in expected:
        start = e.session.start
        if start not in seen_sessions:
            seen_sessions.add(start)
            _check_session(e, stored[start], failures if e.created_session else kept, unknown)
        got = by_key.get((start, e.exercise, e.tag.set))
        where = f"{e.exercise} set {e.tag.set} of {e.session.workout!r} at {start:%Y-%m-%d %H:%M} UTC"
        if got is None:
            failures.append(Difference(e.source.line, f"{where} is not in the database"))
            continue
        want = e.as_stored()
        if want == got:
            continue
        differs = [f"{name} {getattr(want, name)!r} in the file, {getattr(got, name)!r} in the database"
                   for name in _COMPARED if getattr(want, name) != getattr(got, name)
                   and (e.written or (name != "ex" and name not in unknown))]
        if differs:
            (failures if e.written else kept).append(Difference(e.source.line, f"{where}: {'; '.join(differs)}"))
    if failures:
        raise VerificationFailed(f"verification failed, nothing was imported: {len(failures)} set(s) read back "
                                 f"unlike the file, first line {failures[0].line}: {failures[0].what}")
    return len(expected)


def _check_session(e: Expected, stored: StoredSession, into: list[Difference], unknown: frozenset[str]) -> None:
    source = e.session
    pairs = [("workout name", source.workout, stored.workout or DEFAULT_WORKOUT),
             ("workout notes", source.workout_notes, stored.workout_notes),
             ("duration", source.minutes, stored.minutes)]
    for what, want, got in pairs:
        if want != got and (e.created_session or what not in unknown):
            into.append(Difference(source.first_line, f"session {source.workout!r} at {source.start:%Y-%m-%d %H:%M} "
                                                      f"UTC: {what} {want!r} in the file, {got!r} in the database"))
