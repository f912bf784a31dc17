"""Reminders (phase 3): a time of day in the user's timezone, DAILY or WEEKLY."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Response, status

from gaingrid.models import Reminder, TrainingPlan
from gaingrid.service.dates import sortable
from gaingrid.service.schedule import stored_time

from ..deps import CurrentUser, SessionDep, requires
from ..errors import conflict, documented, not_found
from ..schemas.reminders import (
    Frequency,
    ReminderIn,
    ReminderOut,
    ReminderPage,
    ReminderPatch,
    Weekday,
    check_schedule,
)
from .paths import IdPath, Limit, Offset

router = APIRouter(prefix="/reminders", tags=["reminders"], dependencies=[requires("reminders")],
                   responses=documented(401, 404, 409, 503))


def _owned(session, user_id: str, reminder_id: str) -> Reminder:
    found = session.scalar(sa.select(Reminder).where(Reminder.id == reminder_id, Reminder.userId == user_id))
    if found is None:
        raise not_found("reminder")
    return found


def _check_plan(session, user_id: str, plan_id: str | None) -> None:
    if plan_id is not None and session.scalar(
            sa.select(TrainingPlan.id).where(TrainingPlan.id == plan_id, TrainingPlan.userId == user_id)) is None:
        raise not_found("training plan")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReminderOut)
def create_reminder(body: ReminderIn, session: SessionDep, user: CurrentUser):
    _check_plan(session, user.id, body.trainingPlanId)
    weekday = body.weekday.index if body.weekday else None
    reminder = Reminder(userId=user.id, time=stored_time(body.time, weekday), frequency=body.frequency.value,
                        message=body.message, trainingPlanId=body.trainingPlanId, active=body.active)
    session.add(reminder)
    session.commit()
    return ReminderOut.of(reminder)


@router.get("", response_model=ReminderPage)
def list_reminders(session: SessionDep, user: CurrentUser, limit: Limit = 50, offset: Offset = 0,
                   active: Annotated[bool | None, Query()] = None):
    where = [Reminder.userId == user.id]
    if active is not None:
        where.append(Reminder.active.is_(active))
    total = session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(*where)) or 0
    created = sortable(Reminder.createdAt, session.get_bind().dialect.name)
    rows = session.scalars(sa.select(Reminder).where(*where).order_by(created, Reminder.id)
                           .limit(limit).offset(offset))
    return ReminderPage(total=total, limit=limit, offset=offset, items=[ReminderOut.of(r) for r in rows])


@router.get("/{reminder_id}", response_model=ReminderOut)
def get_reminder(reminder_id: IdPath, session: SessionDep, user: CurrentUser):
    return ReminderOut.of(_owned(session, user.id, reminder_id))


@router.patch("/{reminder_id}", response_model=ReminderOut)
def update_reminder(reminder_id: IdPath, body: ReminderPatch, session: SessionDep, user: CurrentUser):
    reminder = _owned(session, user.id, reminder_id)
    current = ReminderOut.of(reminder)
    changes = body.changes()
    frequency = changes.get("frequency", current.frequency)
    weekday = changes["weekday"] if "weekday" in changes else (Weekday(current.weekday) if current.weekday else None)
    if "frequency" in changes and changes["frequency"] == Frequency.DAILY and "weekday" not in changes:
        weekday = None  # switching to DAILY drops the weekday
    # The patch is consistent in itself (its schema says so); what is left conflicts with the stored reminder.
    if frequency not in {f.value for f in Frequency}:
        raise conflict(f"the stored frequency {frequency!r} is neither DAILY nor WEEKLY: set one")
    problem = check_schedule(frequency, weekday)
    if problem:
        raise conflict(f"{problem} (the reminder is {current.frequency})")
    if "trainingPlanId" in changes:
        _check_plan(session, user.id, changes["trainingPlanId"])
        reminder.trainingPlanId = changes["trainingPlanId"]
    for name in ("message", "active"):
        if name in changes:
            setattr(reminder, name, changes[name])
    reminder.frequency = Frequency(frequency).value
    reminder.time = stored_time(changes.get("time", current.time), weekday.index if weekday else None)
    session.commit()
    return ReminderOut.of(reminder)


@router.delete("/{reminder_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_reminder(reminder_id: IdPath, session: SessionDep, user: CurrentUser):
    session.execute(sa.delete(Reminder).where(Reminder.id == _owned(session, user.id, reminder_id).id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
