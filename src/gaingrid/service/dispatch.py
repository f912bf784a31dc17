"""Sending the reminders that are due: `gaingrid reminders dispatch`.

Run it every few minutes (cron, a systemd timer). A reminder is due when its
latest scheduled time in the user's timezone has passed, after the reminder
was created (one made at 09:00 for 07:00 first fires tomorrow), no longer ago than
`window` (a reminder for 07:00 arriving at noon, after an outage, is noise),
and it has not been sent since. Each reminder is claimed by a conditional
UPDATE of lastSent, committed before it is sent, so two dispatchers running
at once never both send it and a rerun in the same period sends nothing.
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from phased import MigrateError

from .dates import sort_value, sortable
from .phase import PhaseReader
from .schedule import UTC, latest_occurrence, zone
from .tables import table

log = logging.getLogger("gaingrid.reminders")
DEFAULT_WINDOW = timedelta(minutes=60)


@dataclass(frozen=True)
class Notification:
    reminder_id: str
    user_id: str
    email: str
    message: str
    scheduled_for: datetime  # aware UTC
    local_time: datetime  # the same instant in the user's timezone


Sender = Callable[[Notification], None]


def log_sender(n: Notification) -> None:
    """The default sender: one log line per reminder."""
    log.info("reminder %s to %s at %s: %s", n.reminder_id, n.email, n.local_time.isoformat(), n.message)


def load_sender(spec: str) -> Sender:
    """A sender named "package.module:attribute" (a callable taking a Notification)."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"--sender must look like package.module:function, not {spec!r}")
    try:
        found = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load sender {spec!r}: {exc}") from None
    if not callable(found):
        raise ValueError(f"sender {spec!r} is not callable")  # noqa: TRY004  the CLI reports ValueErrors
    return found


@dataclass
class DispatchResult:
    checked: int = 0
    sent: list[Notification] = field(default_factory=list)
    failed: list[tuple[Notification, str]] = field(default_factory=list)


def _candidates(conn: sa.Connection, phase: int) -> list[sa.Row]:
    reminder, user, plan = table("Reminder", phase), table("User", phase), table("TrainingPlan", phase)
    query = (
        sa.select(reminder.c.id, reminder.c.userId, reminder.c.time, reminder.c.frequency, reminder.c.message,
                  reminder.c.lastSent, reminder.c.createdAt, user.c.email, user.c.timezone, plan.c.name.label("plan_name"))
        .join(user, user.c.id == reminder.c.userId)
        .outerjoin(plan, plan.c.id == reminder.c.trainingPlanId)
        .where(reminder.c.active.is_(True), user.c.isActive.is_(True),
               reminder.c.frequency.in_(("DAILY", "WEEKLY")))
        .order_by(reminder.c.id)
    )
    return list(conn.execute(query))


def _text(row: sa.Row) -> str:
    text = row.message or "Time to train"
    return f"{text} ({row.plan_name})" if row.plan_name else text


def dispatch(engine: sa.Engine, now: datetime, sender: Sender = log_sender,
             window: timedelta = DEFAULT_WINDOW) -> DispatchResult:
    """Send every due reminder once. `now` is aware (a naive one is taken as UTC)."""
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    stamp = now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)
    result = DispatchResult()
    with engine.connect() as conn:
        phase = PhaseReader().read(conn)
        if phase.number < 3:
            raise MigrateError(f"the database is at phase {phase.number}; reminders need phase 3")
        reminder = table("Reminder", phase.number)
        dialect = conn.dialect.name
        rows = _candidates(conn, phase.number)
        conn.rollback()
        result.checked = len(rows)
        for row in rows:
            tz = zone(row.timezone)
            due_at = latest_occurrence(row.frequency, row.time, tz, now)
            if (now - due_at > window or due_at < row.createdAt.replace(tzinfo=UTC)  # due before it existed
                    or (row.lastSent is not None and row.lastSent.replace(tzinfo=UTC) >= due_at)):
                continue
            last_sent = sortable(reminder.c.lastSent, dialect)  # Prisma may have stored it in another format
            claim = (reminder.update()
                     .where(reminder.c.id == row.id,
                            sa.or_(reminder.c.lastSent.is_(None),
                                   last_sent < sort_value(due_at.replace(tzinfo=None), dialect)))
                     .values(lastSent=stamp))
            claimed = conn.execute(claim).rowcount == 1
            conn.commit()
            if not claimed:
                continue  # another dispatcher got it first
            note = Notification(row.id, row.userId, row.email, _text(row), due_at, due_at.astimezone(tz))
            try:
                sender(note)
            except Exception as exc:  # noqa: BLE001  a failing sender must not stop the others
                # Give the claim back, so the next run retries it.
                conn.execute(reminder.update().where(reminder.c.id == row.id, reminder.c.lastSent == stamp)
                             .values(lastSent=row.lastSent))
                conn.commit()
                log.warning("reminder %s not sent: %s", row.id, exc)
                result.failed.append((note, str(exc)))
                continue
            result.sent.append(note)
    return result
