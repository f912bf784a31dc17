from __future__ import annotations

import enum
from datetime import date

from pydantic import Field

from .common import Id, Input, Instant, Int, Notes, Number, Omittable, Output, Patch, UtcDatetime


class Bucket(str, enum.Enum):
    day = "day"
    week = "week"
    month = "month"


class Mood(str, enum.Enum):
    GREAT = "GREAT"
    GOOD = "GOOD"
    OKAY = "OKAY"
    TIRED = "TIRED"
    BAD = "BAD"


Sets = Int(ge=1, le=1000)
Reps = Int(ge=1, le=10_000)
Weight = Number(ge=0, le=2000, description="kg")
Minutes = Int(ge=0, le=24 * 60)
Rating = Int(ge=1, le=5)


class LogIn(Input):
    exerciseId: Id
    date: Instant
    sets: Sets
    reps: Reps
    weight: Weight | None = None
    durationMinutes: Minutes | None = None
    rating: Rating | None = None
    mood: Mood | None = None
    notes: Notes | None = None


class LogPatch(Patch):
    exerciseId: Omittable(Id)
    date: Omittable(Instant)
    sets: Omittable(Sets)
    reps: Omittable(Reps)
    weight: Weight | None = None
    durationMinutes: Minutes | None = None
    rating: Rating | None = None
    mood: Mood | None = None
    notes: Notes | None = None


class LogOut(Output):
    id: str
    exerciseId: str
    date: UtcDatetime
    sets: int
    reps: int
    weight: float | None
    durationMinutes: int | None
    rating: int | None
    mood: str | None
    notes: str | None
    createdAt: UtcDatetime
    updatedAt: UtcDatetime


class LogPage(Output):
    items: list[LogOut]
    nextCursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class BucketOut(Output):
    start: date = Field(description="the bucket's first day: the day, the Monday of the week, the 1st of the month")
    logs: int
    sets: int
    reps: int = Field(description="sets × reps, summed")
    volume: float = Field(description="sets × reps × weight, summed")
    bestWeight: float | None
    estimated1RM: float | None = Field(description="best of the bucket: weight × (1 + reps / 30), "
                                                   "a single's is its weight (Epley)")


class RecordOut(Output):
    kind: str = Field(description="weight | estimated1RM | volume")
    value: float
    date: date
    logId: str | None = Field(description="null for a daily volume record")


class ProgressOut(Output):
    exerciseId: str
    exerciseName: str
    timezone: str = Field(description="days are calendar days in this timezone")
    bucket: Bucket
    bestWeight: float | None
    bestEstimated1RM: float | None
    bestDailyVolume: float | None
    buckets: list[BucketOut] = Field(description="the latest `limit` buckets with logs, oldest first")
    truncated: bool = Field(description="true when earlier buckets were left out (raise limit or narrow from/to)")
    personalRecords: list[RecordOut] = Field(description="the records set within the buckets listed")
