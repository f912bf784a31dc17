from __future__ import annotations

import enum
from datetime import time
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

from .common import Flag, Id, Input, Omittable, Output, Page, Patch, Text, UtcDatetime


class Frequency(str, enum.Enum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


class Weekday(str, enum.Enum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"

    @property
    def index(self) -> int:
        return list(Weekday).index(self)


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("is a time of day in the user's timezone: leave out the offset")
    return value.replace(microsecond=0)


# Documented as a pattern, not format "time": RFC 3339 times carry an offset, and this one must not.
TimeOfDay = Annotated[time, AfterValidator(_wall_clock), WithJsonSchema({
    "type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "examples": ["07:30"],
    "description": "HH:MM or HH:MM:SS, wall-clock time in the user's timezone"})]
TimeOfDayOut = Annotated[time, PlainSerializer(lambda t: t.strftime("%H:%M:%S"), return_type=str), WithJsonSchema({
    "type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$", "examples": ["07:30:00"],
    "description": "HH:MM:SS, wall-clock time in the user's timezone"})]
Message = Text(500)


def check_schedule(frequency: str, weekday: Weekday | None) -> str | None:
    """Why this frequency/weekday pair is invalid, or None."""
    if frequency == Frequency.WEEKLY and weekday is None:
        return "a WEEKLY reminder needs a weekday"
    if frequency == Frequency.DAILY and weekday is not None:
        return "a DAILY reminder has no weekday"
    return None


# The rule, in the spec too: DAILY has no weekday, WEEKLY needs one.
_SCHEDULE = {"oneOf": [
    {"properties": {"frequency": {"const": "DAILY"}, "weekday": {"type": "null"}}},
    {"properties": {"frequency": {"const": "WEEKLY"}, "weekday": {"type": "string"}}, "required": ["weekday"]},
]}
# A patch alone can only contradict itself with DAILY and a weekday; the rest depends on the stored reminder (409).
_PATCH_SCHEDULE = {"if": {"properties": {"frequency": {"const": "DAILY"}}, "required": ["frequency"]},
                   "then": {"properties": {"weekday": {"type": "null"}}}}


class ReminderIn(Input):
    model_config = ConfigDict(json_schema_extra=_SCHEDULE)

    time: TimeOfDay
    frequency: Frequency
    weekday: Weekday | None = Field(default=None, description="WEEKLY only")
    message: Message | None = None
    trainingPlanId: Id | None = None
    active: Flag = True

    @model_validator(mode="after")
    def _schedule(self) -> ReminderIn:
        problem = check_schedule(self.frequency, self.weekday)
        if problem:
            raise ValueError(problem)
        return self


class ReminderPatch(Patch):
    schema_rule = _PATCH_SCHEDULE

    time: Omittable(TimeOfDay)
    frequency: Omittable(Frequency)
    weekday: Weekday | None = None
    message: Message | None = None
    trainingPlanId: Id | None = None
    active: Omittable(Flag)

    @model_validator(mode="after")
    def _consistent(self) -> ReminderPatch:
        if self.frequency == Frequency.DAILY and self.weekday is not None:
            raise ValueError("a DAILY reminder has no weekday")
        return self


class ReminderOut(Output):
    id: str
    time: TimeOfDayOut
    frequency: str
    weekday: str | None
    message: str | None
    trainingPlanId: str | None
    active: bool
    lastSent: UtcDatetime | None
    createdAt: UtcDatetime
    updatedAt: UtcDatetime

    @classmethod
    def of(cls, row: Any) -> ReminderOut:
        weekly = row.frequency == Frequency.WEEKLY
        return cls(id=row.id, time=row.time.time(), frequency=row.frequency,
                   weekday=list(Weekday)[row.time.weekday()].value if weekly else None,
                   message=row.message, trainingPlanId=row.trainingPlanId, active=row.active,
                   lastSent=row.lastSent, createdAt=row.createdAt, updatedAt=row.updatedAt)


class ReminderPage(Page):
    items: list[ReminderOut]
