"""Reading one field of an export: numbers, dates, durations. Each raises BadValue with the reason.

Real exports write reps as `13.0`, leave bodyweight weights empty, give
durations as `2h 38m` or in seconds, and dates as `2024-11-28 17:36:08`
(Strong) or `15 Sep 2025, 07:48` (Hevy). Month names are matched here, not by
strptime, whose `%b` follows the process's locale.
"""
from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LB = 0.45359237  # kg in a pound, exactly (the international pound)
MAX_KG = 2000.0  # the API's bound on a weight; beyond it a value is a typo or a unit mix-up
MAX_REPS = 10_000

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# "15 Sep 2025, 07:48" (Hevy), also with a full month name, seconds, or without the comma.
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DURATION = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$")


class BadValue(ValueError):
    """A field that cannot be read; the message names the field and why."""


def number(text: str, field: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadValue(f"{field} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise BadValue(f"{field} {text!r} is not a finite number")
    return value


def reps(text: str) -> int:
    """Whole reps; `13.0` is 13, and an empty field (a timed set) is 0."""
    value = number(text, "reps")
    if value is None:
        return 0
    if not value.is_integer() or not 0 <= value <= MAX_REPS:
        raise BadValue(f"reps {text.strip()!r} is not a whole number from 0 to {MAX_REPS}")
    return int(value)


def weight_kg(text: str, unit: str) -> float | None:
    value = number(text, "weight")
    if value is None:
        return None
    kg = value * LB if unit == "lb" else value
    if abs(kg) > MAX_KG:
        raise BadValue(f"weight {text.strip()!r} {unit} is more than {MAX_KG:g} kg")
    return kg


def rpe(text: str) -> float | None:
    value = number(text, "rpe")
    if value is not None and not 0 <= value <= 10:
        raise BadValue(f"rpe {text.strip()!r} is not from 0 to 10")
    return value


def positive(text: str, field: str, scale: float = 1.0) -> float | None:
    """A non-negative amount (seconds, distance); 0 means not recorded, as the apps write it."""
    value = number(text, field)
    if value is not None and value < 0:
        raise BadValue(f"{field} {text.strip()!r} is negative")
    return value * scale if value else None


def duration_minutes(text: str) -> int | None:
    """`2h 38m`, `35m`, `1h`, `45s`, or plain seconds (`3600`), to whole minutes (rounded)."""
    text = text.strip().lower()
    if not text:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return round(float(text) / 60)
    match = _DURATION.fullmatch(text)
    if not match or not any(match.groups()):
        raise BadValue(f"duration {text!r} is not like '1h 5m', '35m' or a number of seconds")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 60 + minutes + round(seconds / 60)


@lru_cache(maxsize=4096)  # a session's rows repeat its times
def local_time(text: str, field: str) -> datetime:
    """A wall-clock time as the app wrote it: naive, or aware if the text carries an offset."""
    text = text.strip()
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        number_of_month = _MONTHS.get(month[:3].lower())
        if number_of_month is not None:
            try:
                return datetime(int(year), number_of_month, int(day), int(hour), int(minute), int(second or 0))
            except ValueError:
                pass
    else:
        try:
            return datetime.fromisoformat(text)  # 2024-11-28 17:36:08, T or space, Z or an offset, any fraction
        except ValueError:
            pass
    raise BadValue(f"{field} {text!r} is not a date-time like '2024-11-28 17:36:08' or '15 Sep 2025, 07:48'")


@lru_cache(maxsize=4096)
def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Stored as Prisma does: naive UTC at millisecond precision. A naive time is in the account's zone."""
    aware = local if local.tzinfo else local.replace(tzinfo=zone)
    utc = aware.astimezone(UTC).replace(tzinfo=None)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def minutes_between(start: datetime, end: datetime) -> int:
    return round((end - start) / timedelta(minutes=1))


def unescape(text: str) -> str:
    """Notes: Hevy writes a line break inside a note as the two characters `\\n`."""
    return text.replace("\\n", "\n")


def plain(value: float) -> str:
    """A number as an export writes it: `10`, `102.5`, no trailing `.0`."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
