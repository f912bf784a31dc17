"""Strong's and Hevy's CSV exports: which column holds what, and one record read as one set.

Both write one row per set, the session's fields repeated on each. Columns are
found by header name (the apps have moved and renamed them between versions);
a column this reader does not know is reported, never silently used or lost.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from . import values
from .csvfile import ImportRefused
from .values import BadValue


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is several times slower, per row
class SourceSet:
    """One set as the file has it, in GainGrid's units (kg, km, seconds, UTC)."""

    line: int
    start: datetime  # the session's start, naive UTC
    workout: str
    minutes: int | None  # the session's duration
    workout_notes: str | None
    exercise: str  # the name the file uses
    type: str  # normal | warmup | failure | drop
    reps: int
    weight: float | None  # kg; None for a bodyweight set
    rpe: float | None
    sec: float | None
    km: float | None
    ss: str | None
    note: str  # the exercise's notes



@dataclass(frozen=True)
class Format:
    app: str  # "strong" | "hevy"
    label: str
    # role -> header names that hold it, the first found wins; roles in `required` must be found
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    read: Callable[[dict[str, str], "Context"], SourceSet]


@dataclass(frozen=True)
class Context:
    line: int
    zone: ZoneInfo
    unit: str  # the weight unit of a column that does not say (Strong's "Weight")
    weight_unit: str  # of the weight column found: "kg", "lb" or `unit`
    distance_scale: float  # to km


_STRONG_TYPES = {"w": "warmup", "d": "drop", "f": "failure"}
_HEVY_TYPES = {"normal": "normal", "warmup": "warmup", "failure": "failure", "dropset": "drop"}


def _strong(row: dict[str, str], ctx: Context) -> SourceSet:
    order = row["set"].strip()
    if order.lower() in _STRONG_TYPES:
        kind = _STRONG_TYPES[order.lower()]
    elif order.isdigit():
        kind = "normal"
    else:
        raise BadValue(f"set order {order!r} is not a number or W, D, F")
    unit = _unit(row["weight_unit"]) if row.get("weight_unit", "").strip() else ctx.weight_unit
    to_km = _DISTANCE_UNITS.get(row.get("distance_unit", "").strip().lower(), ctx.distance_scale)
    return SourceSet(
        line=ctx.line, start=values.to_utc(values.local_time(row["date"], "date"), ctx.zone),
        workout=_name(row["workout"], "workout name"), minutes=values.duration_minutes(row.get("duration", "")),
        workout_notes=_text(row.get("workout_notes", "")) or None, exercise=_name(row["exercise"], "exercise name"),
        type=kind, reps=values.reps(row["reps"]), weight=values.weight_kg(row["weight"], unit),
        rpe=values.rpe(row.get("rpe", "")), sec=values.positive(row.get("seconds", ""), "seconds"),
        km=values.positive(row.get("distance", ""), "distance", to_km), ss=None,
        note=_text(row.get("note", "")))


def _hevy(row: dict[str, str], ctx: Context) -> SourceSet:
    start = values.local_time(row["start"], "start_time")
    minutes = None
    if row.get("end", "").strip():
        end = values.local_time(row["end"], "end_time")
        if end < start:
            raise BadValue(f"end_time {row['end'].strip()!r} is before start_time {row['start'].strip()!r}")
        minutes = values.minutes_between(start, end)
    kind = _HEVY_TYPES.get(row.get("set_type", "").strip().lower() or "normal")
    if kind is None:
        raise BadValue(f"set_type {row['set_type'].strip()!r} is not normal, warmup, failure or dropset")
    superset = row.get("superset", "").strip() or None
    if superset is not None and not superset.replace("-", "").isalnum():
        raise BadValue(f"superset_id {superset!r} is not an id")
    return SourceSet(
        line=ctx.line, start=values.to_utc(start, ctx.zone), workout=_name(row["workout"], "title"),
        minutes=minutes, workout_notes=_text(row.get("workout_notes", "")) or None,
        exercise=_name(row["exercise"], "exercise_title"), type=kind, reps=values.reps(row["reps"]),
        weight=values.weight_kg(row["weight"], ctx.weight_unit), rpe=values.rpe(row.get("rpe", "")),
        sec=values.positive(row.get("seconds", ""), "duration_seconds"),
        km=values.positive(row.get("distance", ""), "distance", ctx.distance_scale), ss=superset,
        note=_text(row.get("note", "")))


def _name(text: str, field: str) -> str:
    name = text.strip()
    if not name:
        raise BadValue(f"{field} is empty")
    return name


def _text(text: str) -> str:
    return values.unescape(text).strip()


def _unit(text: str) -> str:
    unit = text.strip().lower()
    if unit in ("kg", "kgs"):
        return "kg"
    if unit in ("lb", "lbs"):
        return "lb"
    raise BadValue(f"weight unit {text.strip()!r} is not kg or lbs")


STRONG = Format("strong", "Strong", columns={
    "date": ("Date",), "workout": ("Workout Name",), "duration": ("Duration", "Duration (sec)", "Workout Duration"),
    "exercise": ("Exercise Name",), "set": ("Set Order",),
    "weight": ("Weight", "Weight (kg)", "Weight (lbs)", "Weight (lb)"), "weight_unit": ("Weight Unit",),
    "reps": ("Reps",), "distance": ("Distance", "Distance (km)", "Distance (meters)", "Distance (miles)"),
    "distance_unit": ("Distance Unit",), "seconds": ("Seconds",), "rpe": ("RPE",), "note": ("Notes",),
    "workout_notes": ("Workout Notes",), "number": ("Workout #",),
}, required=("date", "workout", "exercise", "set", "weight", "reps"), read=_strong)

HEVY = Format("hevy", "Hevy", columns={
    "workout": ("title",), "start": ("start_time",), "end": ("end_time",), "workout_notes": ("description",),
    "exercise": ("exercise_title",), "superset": ("superset_id",), "note": ("exercise_notes",),
    "set_index": ("set_index",), "set_type": ("set_type",), "weight": ("weight_kg", "weight_lbs"),
    "reps": ("reps",), "distance": ("distance_km", "distance_miles"), "seconds": ("duration_seconds",),
    "rpe": ("rpe",),
}, required=("workout", "start", "exercise", "weight", "reps"), read=_hevy)

FORMATS = {f.app: f for f in (STRONG, HEVY)}
# Strong's "Workout #" and Hevy's set_index are known but not needed: they repeat what the rows'
# order says (a set's place is its place among its exercise's rows in the session).
_DISTANCE_UNITS = {"km": 1.0, "m": 0.001, "mi": 1.609344, "miles": 1.609344}
_DISTANCE_TO_KM = {"Distance (meters)": 0.001, "Distance (miles)": 1.609344, "distance_miles": 1.609344}
_WEIGHT_UNITS = {"Weight (kg)": "kg", "weight_kg": "kg", "Weight (lbs)": "lb", "Weight (lb)": "lb", "weight_lbs": "lb"}


@dataclass(frozen=True)
class Layout:
    """Where each role is in a file's header."""

    format: Format
    positions: dict[str, int]
    width: int
    ignored: tuple[str, ...]  # header names of columns not imported
    weight_unit: str
    distance_scale: float

    def unknown(self) -> frozenset[str]:
        """What this file cannot tell (a set's or session's fields with no column): not compared."""
        roles = {"rpe": "rpe", "sec": "seconds", "km": "distance", "ss": "superset", "note": "note",
                 "workout notes": "workout_notes", "duration": "duration" if self.format is STRONG else "end"}
        return frozenset(name for name, role in roles.items() if role not in self.positions)


def layout(fmt: Format, header: list[str], file_name: str, unit: str) -> Layout:
    positions: dict[str, int] = {}
    found: dict[str, str] = {}
    for role, names in fmt.columns.items():
        for name in names:
            if name in header:
                positions[role], found[role] = header.index(name), name
                break
    missing = [fmt.columns[r][0] for r in fmt.required if r not in positions]
    if missing:
        other = next((f for f in FORMATS.values() if f is not fmt and all(
            any(n in header for n in f.columns[r]) for r in f.required)), None)
        hint = (f"it looks like a {other.label} export: import it as {other.app} "
                f"(`gaingrid import {other.app} FILE`, or source={other.app})" if other
                else f"export your workouts from {fmt.label} again and import that file")
        shown = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
        raise ImportRefused(f"{file_name} is not a {fmt.label} export: its header ({shown}) has no "
                            f"{', '.join(repr(m) for m in missing)} column; {hint}")
    used = set(positions.values())
    ignored = tuple(h for i, h in enumerate(header) if i not in used and h)
    return Layout(fmt, positions, len(header), ignored,
                  weight_unit=_WEIGHT_UNITS.get(found["weight"], unit),
                  distance_scale=_DISTANCE_TO_KM.get(found.get("distance", ""), 1.0))


def read(lay: Layout, line: int, fields: list[str], zone: ZoneInfo, unit: str) -> SourceSet:
    if len(fields) != lay.width:
        raise BadValue(f"has {len(fields)} fields where the header has {lay.width}")
    row = {role: fields[i] for role, i in lay.positions.items()}
    return lay.format.read(row, Context(line, zone, unit, lay.weight_unit, lay.distance_scale))
