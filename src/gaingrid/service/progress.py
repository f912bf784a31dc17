"""Progress on one exercise, from a user's workout logs.

Days are the user's local calendar days. Volume is sets × reps × weight (a
log without a weight adds no volume). The estimated one-rep max uses Epley's
formula, weight × (1 + reps / 30). A personal record is a log or a day that
beats every earlier one on weight, estimated 1RM or daily volume.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .schedule import UTC


@dataclass(frozen=True)
class LogPoint:
    id: str
    date: datetime  # naive UTC, as stored
    sets: int
    reps: int
    weight: float | None


@dataclass
class Day:
    day: date
    logs: int = 0
    sets: int = 0
    reps: int = 0
    volume: float = 0.0
    best_weight: float | None = None
    estimated_1rm: float | None = None


@dataclass(frozen=True)
class Record:
    kind: str  # "weight" | "estimated1RM" | "volume"
    value: float
    day: date
    log_id: str | None  # None for a daily volume record


@dataclass
class Progress:
    days: list[Day] = field(default_factory=list)
    best_weight: float | None = None
    best_estimated_1rm: float | None = None
    best_volume: float | None = None
    records: list[Record] = field(default_factory=list)


def epley(weight: float, reps: int) -> float:
    return weight * (1 + reps / 30)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def compute(points: list[LogPoint], tz: ZoneInfo) -> Progress:
    """`points` in any order; the result's days are in calendar order."""
    out = Progress()
    by_day: dict[date, Day] = {}
    for p in sorted(points, key=lambda p: (p.date, p.id)):
        local_day = p.date.replace(tzinfo=UTC).astimezone(tz).date()
        day = by_day.setdefault(local_day, Day(local_day))
        day.logs += 1
        day.sets += p.sets
        day.reps += p.sets * p.reps
        if p.weight is None:
            continue
        e1rm = round(epley(p.weight, p.reps), 2)
        day.volume += p.sets * p.reps * p.weight
        day.best_weight = _max(day.best_weight, p.weight)
        day.estimated_1rm = _max(day.estimated_1rm, e1rm)
        # Strictly better than everything before: a tie is not a new record.
        if p.weight > 0 and (out.best_weight is None or p.weight > out.best_weight):
            out.records.append(Record("weight", p.weight, local_day, p.id))
        if e1rm > 0 and (out.best_estimated_1rm is None or e1rm > out.best_estimated_1rm):
            out.records.append(Record("estimated1RM", e1rm, local_day, p.id))
        out.best_weight = _max(out.best_weight, p.weight)
        out.best_estimated_1rm = _max(out.best_estimated_1rm, e1rm)
    for day in sorted(by_day.values(), key=lambda d: d.day):
        day.volume = round(day.volume, 2)
        if day.volume > 0 and (out.best_volume is None or day.volume > out.best_volume):
            out.records.append(Record("volume", day.volume, day.day, None))
            out.best_volume = day.volume
        out.days.append(day)
    out.records.sort(key=lambda r: (r.day, r.kind))
    return out
