"""Progress on one exercise, from a user's workout logs.

Days are the user's local calendar days; a week starts on Monday. Volume is
sets × reps × weight (a log without a weight adds no volume). The estimated
one-rep max uses Epley's formula, weight × (1 + reps / 30), for more than
one rep; a single's 1RM is its weight. A personal record is a log or a day
that beats every earlier one on weight, estimated 1RM or daily volume.

The answer is bounded: logs are summed into day, week or month buckets, and
only the latest `limit` buckets (and the records within them) are listed;
the bests cover every log in the range.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .schedule import UTC

BUCKETS = ("day", "week", "month")


@dataclass(frozen=True)
class LogPoint:
    id: str
    date: datetime  # naive UTC, as stored
    sets: int
    reps: int
    weight: float | None


@dataclass
class Bucket:
    start: date  # its first day
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
    buckets: list[Bucket] = field(default_factory=list)
    truncated: bool = False  # earlier buckets were left out
    best_weight: float | None = None
    best_estimated_1rm: float | None = None
    best_volume: float | None = None  # of a day
    records: list[Record] = field(default_factory=list)


def epley(weight: float, reps: int) -> float:
    return weight if reps <= 1 else weight * (1 + reps / 30)


def bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def compute(points: list[LogPoint], tz: ZoneInfo, bucket: str = "day", limit: int | None = None) -> Progress:
    """`points` in any order; the result's buckets are in calendar order."""
    out = Progress()
    by_bucket: dict[date, Bucket] = {}
    daily_volume: dict[date, float] = {}
    for p in sorted(points, key=lambda p: (p.date, p.id)):
        local_day = p.date.replace(tzinfo=UTC).astimezone(tz).date()
        start = bucket_start(local_day, bucket)
        b = by_bucket.setdefault(start, Bucket(start))
        b.logs += 1
        b.sets += p.sets
        b.reps += p.sets * p.reps
        daily_volume.setdefault(local_day, 0.0)
        if p.weight is None:
            continue
        e1rm = round(epley(p.weight, p.reps), 2)
        b.volume += p.sets * p.reps * p.weight
        daily_volume[local_day] += p.sets * p.reps * p.weight
        b.best_weight = _max(b.best_weight, p.weight)
        b.estimated_1rm = _max(b.estimated_1rm, e1rm)
        # Strictly better than everything before: a tie is not a new record.
        if p.weight > 0 and (out.best_weight is None or p.weight > out.best_weight):
            out.records.append(Record("weight", p.weight, local_day, p.id))
        if e1rm > 0 and (out.best_estimated_1rm is None or e1rm > out.best_estimated_1rm):
            out.records.append(Record("estimated1RM", e1rm, local_day, p.id))
        out.best_weight = _max(out.best_weight, p.weight)
        out.best_estimated_1rm = _max(out.best_estimated_1rm, e1rm)
    for day in sorted(daily_volume):
        volume = round(daily_volume[day], 2)
        if volume > 0 and (out.best_volume is None or volume > out.best_volume):
            out.records.append(Record("volume", volume, day, None))
            out.best_volume = volume
    ordered = [by_bucket[k] for k in sorted(by_bucket)]
    for b in ordered:
        b.volume = round(b.volume, 2)
    if limit is not None and len(ordered) > limit:
        ordered, out.truncated = ordered[-limit:], True
    out.buckets = ordered
    first = ordered[0].start if ordered else None
    out.records = sorted((r for r in out.records if first is not None and r.day >= first),
                         key=lambda r: (r.day, r.kind))
    return out
