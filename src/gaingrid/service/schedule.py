"""When a reminder is due, in its user's own timezone.

Reminder.time is a Prisma DateTime, but a reminder means a wall-clock time
of day in the user's timezone (07:30 stays 07:30 across DST), so the service
stores it as a naive timestamp in the week of Monday 2024-01-01: the time
part is the time of day and, for WEEKLY reminders, the date's weekday is the
day. Rows written by other apps with any date read the same way.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

REFERENCE_MONDAY = date(2024, 1, 1)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_names() -> list[str]:
    return sorted(_zone_names())


def is_timezone(name: str) -> bool:
    """A valid IANA name (ZoneInfo alone would also accept file paths under the tz database)."""
    return name in _zone_names()


def zone(name: str | None) -> ZoneInfo:
    """The user's zone; UTC when unset or unknown (another app may have stored anything)."""
    if name and is_timezone(name):
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:
            pass
    return ZoneInfo("UTC")


def stored_time(at: time, weekday: int | None) -> datetime:
    """The Reminder.time value for a time of day (and weekday 0=Monday for WEEKLY)."""
    day = REFERENCE_MONDAY + timedelta(days=weekday or 0)
    return datetime.combine(day, at.replace(microsecond=0, tzinfo=None))


def wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` in `tz`, as aware UTC.

    fold=0: a time skipped by spring-forward maps to the instant the clock
    would have shown it without the change (02:30 → 03:30 local), and a time
    that occurs twice at fall-back is its first occurrence.
    """
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def latest_occurrence(frequency: str, stored: datetime, tz: ZoneInfo, now: datetime) -> datetime:
    """The most recent scheduled instant at or before `now` (aware UTC)."""
    local_today = now.astimezone(tz).date()
    step = 7 if frequency == "WEEKLY" else 1
    day = local_today - timedelta(days=(local_today.weekday() - stored.weekday()) % 7) if step == 7 else local_today
    occurrence = wall_clock(day, stored.time(), tz)
    while occurrence > now:  # a loop: a gap at midnight can push the previous day's time past `now`
        day -= timedelta(days=step)
        occurrence = wall_clock(day, stored.time(), tz)
    return occurrence
