"""Workout logs (phase 5): CRUD, filtered keyset-paginated lists, progress."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, unquote

import sqlalchemy as sa
from fastapi import APIRouter, Query, Response, status
from pydantic import AfterValidator

from gaingrid.models import WorkoutLog
from gaingrid.service import exercises, progress
from gaingrid.service.dates import EPOCH, from_sort_key, in_range, sort_value, sortable
from gaingrid.service.schedule import zone

from ..deps import AuthUser, CurrentUser, PhaseDep, SessionDep, requires
from ..errors import documented, not_found
from ..schemas.common import Bound, Id
from ..schemas.logs import (
    Bucket,
    BucketOut,
    LogIn,
    LogOut,
    LogPage,
    LogPatch,
    ProgressOut,
    RecordOut,
)
from .paths import IdPath

router = APIRouter(prefix="/logs", tags=["workout logs"], dependencies=[requires("logs")],
                   responses=documented(401, 404, 503))


# "<milliseconds since 1970>.<the log id, percent-encoded>": the (date, id) of the page's last log.
# Every string of this shape is a cursor (the page after that point), so the spec can say exactly which it takes.
CURSOR_PATTERN = r"^[0-9]{1,14}\.[A-Za-z0-9_.~%-]{1,300}$"


def encode_cursor(key: datetime, log_id: str) -> str:
    return f"{(key - EPOCH) // timedelta(milliseconds=1)}.{quote(log_id, safe='')}"


def _decode_cursor(value: str | None) -> tuple[datetime, str] | None:
    if value is None:
        return None
    ms, _, log_id = value.partition(".")
    return EPOCH + timedelta(milliseconds=int(ms)), unquote(log_id)


Cursor = Annotated[str | None, Query(pattern=CURSOR_PATTERN, description="nextCursor of the previous page"),
                   AfterValidator(_decode_cursor)]
Range = Annotated[Bound | None, Query()]


def _owned(session, user_id: str, log_id: str) -> WorkoutLog:
    found = session.scalar(sa.select(WorkoutLog).where(WorkoutLog.id == log_id, WorkoutLog.userId == user_id))
    if found is None:
        raise not_found("workout log")
    return found


def _check_exercise(session, phase, user: AuthUser, exercise_id: str) -> dict:
    found = exercises.visible(session.connection(), phase.number, user.id, exercise_id)
    if found is None:
        raise not_found("exercise")
    return found


@router.post("", status_code=status.HTTP_201_CREATED, response_model=LogOut)
def create_log(body: LogIn, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    _check_exercise(session, phase, user, body.exerciseId)
    log = WorkoutLog(userId=user.id, **body.model_dump(mode="python"))
    log.mood = body.mood.value if body.mood else None
    session.add(log)
    session.commit()
    return log


@router.get("", response_model=LogPage)
def list_logs(session: SessionDep, user: CurrentUser,
              from_: Annotated[Range, Query(alias="from", description="inclusive")] = None,
              to: Annotated[Range, Query(description="exclusive")] = None,
              exerciseId: Annotated[Id | None, Query()] = None,
              cursor: Cursor = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """Newest first. Keyset pagination: follow nextCursor until it is null."""
    dialect = session.get_bind().dialect.name
    date = sortable(WorkoutLog.date, dialect)  # the stored format may vary on SQLite; this order may not
    where = [WorkoutLog.userId == user.id, *in_range(date, dialect, from_, to)]
    if exerciseId is not None:
        where.append(WorkoutLog.exerciseId == exerciseId)
    if cursor is not None:
        when, last_id = cursor
        key = sort_value(when, dialect)
        where.append(sa.or_(date < key, sa.and_(date == key, WorkoutLog.id < last_id)))
    rows = session.execute(sa.select(WorkoutLog, date.label("key")).where(*where)
                           .order_by(date.desc(), WorkoutLog.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return LogPage(items=[LogOut.model_validate(r.WorkoutLog) for r in rows],
                   nextCursor=encode_cursor(from_sort_key(rows[-1].key), rows[-1].WorkoutLog.id) if more else None)


@router.get("/progress/{exercise_id}", response_model=ProgressOut)
def exercise_progress(exercise_id: IdPath, session: SessionDep, phase: PhaseDep, user: CurrentUser,
                      from_: Annotated[Range, Query(alias="from")] = None,
                      to: Annotated[Range, Query()] = None,
                      bucket: Annotated[Bucket, Query(description="sum logs per day, week or month")] = Bucket.day,
                      limit: Annotated[int, Query(ge=1, le=1000, description="at most this many buckets")] = 366):
    """Volume, best weight, estimated 1RM (Epley) and personal records on one exercise.

    An exercise and the user's plan copies of it share one history: logs against either count.
    """
    exercise = _check_exercise(session, phase, user, exercise_id)
    conn = session.connection()
    same = exercises.same_exercise(conn, phase.number, user.id, exercise)
    dialect = conn.dialect.name
    where = [WorkoutLog.userId == user.id, WorkoutLog.exerciseId.in_(same),
             *in_range(sortable(WorkoutLog.date, dialect), dialect, from_, to)]
    points = [progress.LogPoint(*r) for r in session.execute(
        sa.select(WorkoutLog.id, WorkoutLog.date, WorkoutLog.sets, WorkoutLog.reps, WorkoutLog.weight).where(*where))]
    tz = zone(user.row.get("timezone"))
    result = progress.compute(points, tz, bucket.value, limit)
    return ProgressOut(
        exerciseId=exercise_id, exerciseName=exercise["name"], timezone=tz.key, bucket=bucket,
        bestWeight=result.best_weight, bestEstimated1RM=result.best_estimated_1rm, bestDailyVolume=result.best_volume,
        buckets=[BucketOut(start=b.start, logs=b.logs, sets=b.sets, reps=b.reps, volume=b.volume,
                           bestWeight=b.best_weight, estimated1RM=b.estimated_1rm) for b in result.buckets],
        truncated=result.truncated,
        personalRecords=[RecordOut(kind=r.kind, value=r.value, date=r.day, logId=r.log_id) for r in result.records],
    )


@router.get("/{log_id}", response_model=LogOut)
def get_log(log_id: IdPath, session: SessionDep, user: CurrentUser):
    return _owned(session, user.id, log_id)


@router.patch("/{log_id}", response_model=LogOut)
def update_log(log_id: IdPath, body: LogPatch, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    log = _owned(session, user.id, log_id)
    changes = body.changes()
    if "exerciseId" in changes:
        _check_exercise(session, phase, user, changes["exerciseId"])
    if "mood" in changes:
        changes["mood"] = changes["mood"].value if changes["mood"] else None
    for name, value in changes.items():
        setattr(log, name, value)
    session.commit()
    return log


@router.delete("/{log_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_log(log_id: IdPath, session: SessionDep, user: CurrentUser):
    session.execute(sa.delete(WorkoutLog).where(WorkoutLog.id == _owned(session, user.id, log_id).id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

