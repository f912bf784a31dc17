"""The legacy workouts API, kept working at every phase from 1 to 6.

It reads and writes only Workout and WorkoutExercise, whose shape no phase
changes, and checks exercises through phase-aware Core queries. From phase 5
the database's sync triggers mirror what it writes into WorkoutLog. Phase 7
drops WorkoutExercise, and with it this API (410 Gone).
"""
from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Response, status

from gaingrid.models import Workout, WorkoutExercise, utcnow
from gaingrid.service import exercises
from gaingrid.service.dates import sortable
from gaingrid.service.phase import LAST_LEGACY, DbPhase

from ..deps import AuthUser, CurrentUser, PhaseDep, SessionDep
from ..errors import PhaseUnavailable, documented, not_found
from ..schemas.workouts import (
    WorkoutExerciseIn,
    WorkoutExerciseOut,
    WorkoutExercisePatch,
    WorkoutIn,
    WorkoutOut,
    WorkoutPage,
    WorkoutPatch,
)
from .paths import IdPath, Limit, Offset


def _legacy_tables_exist(phase: PhaseDep) -> DbPhase:
    if not phase.legacy_api:
        raise PhaseUnavailable(f"the database is at phase {phase.number}, which dropped WorkoutExercise after phase "
                               f"{LAST_LEGACY}: the legacy workouts API is retired; use /logs", status_code=410)
    return phase


router = APIRouter(prefix="/workouts", tags=["legacy workouts"], dependencies=[Depends(_legacy_tables_exist)],
                   responses=documented(401, 404, 410, 503))


def _owned(session, user_id: str, workout_id: str) -> Workout:
    found = session.scalar(sa.select(Workout).where(Workout.id == workout_id, Workout.userId == user_id))
    if found is None:
        raise not_found("workout")
    return found


def _check_exercise(session, phase: DbPhase, user: AuthUser, exercise_id: str) -> None:
    if exercises.visible(session.connection(), phase.number, user.id, exercise_id) is None:
        raise not_found(f"exercise {exercise_id!r}")


def _entries(session, workout_ids: list[str]) -> dict[str, list[WorkoutExercise]]:
    out: dict[str, list[WorkoutExercise]] = {i: [] for i in workout_ids}
    if workout_ids:
        created = sortable(WorkoutExercise.createdAt, session.get_bind().dialect.name)
        for e in session.scalars(sa.select(WorkoutExercise).where(WorkoutExercise.workoutId.in_(workout_ids))
                                 .order_by(created, WorkoutExercise.id)):
            out[e.workoutId].append(e)
    return out


def _out(workout: Workout, entries: list[WorkoutExercise]) -> WorkoutOut:
    return WorkoutOut(id=workout.id, name=workout.name, date=workout.date, notes=workout.notes,
                      createdAt=workout.createdAt, updatedAt=workout.updatedAt,
                      exercises=[WorkoutExerciseOut.model_validate(e) for e in entries])


def _add_entry(session, workout: Workout, body: WorkoutExerciseIn) -> WorkoutExercise:
    now = utcnow()
    entry = WorkoutExercise(workoutId=workout.id, createdAt=now, updatedAt=now, **body.model_dump())
    session.add(entry)
    return entry


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkoutOut)
def create_workout(body: WorkoutIn, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    for e in body.exercises:
        _check_exercise(session, phase, user, e.exerciseId)
    now = utcnow()
    workout = Workout(userId=user.id, name=body.name, date=body.date, notes=body.notes, createdAt=now, updatedAt=now)
    session.add(workout)
    session.flush()  # the workout row first: its entries reference it
    for e in body.exercises:
        _add_entry(session, workout, e)
    session.commit()
    return _out(workout, _entries(session, [workout.id])[workout.id])


@router.get("", response_model=WorkoutPage)
def list_workouts(session: SessionDep, user: CurrentUser, limit: Limit = 50, offset: Offset = 0):
    """Newest first, each with its exercises."""
    total = session.scalar(sa.select(sa.func.count()).select_from(Workout).where(Workout.userId == user.id)) or 0
    date = sortable(Workout.date, session.get_bind().dialect.name)
    page = list(session.scalars(sa.select(Workout).where(Workout.userId == user.id)
                                .order_by(date.desc(), Workout.id.desc()).limit(limit).offset(offset)))
    entries = _entries(session, [w.id for w in page])
    return WorkoutPage(total=total, limit=limit, offset=offset, items=[_out(w, entries[w.id]) for w in page])


@router.get("/{workout_id}", response_model=WorkoutOut)
def get_workout(workout_id: IdPath, session: SessionDep, user: CurrentUser):
    workout = _owned(session, user.id, workout_id)
    return _out(workout, _entries(session, [workout.id])[workout.id])


@router.patch("/{workout_id}", response_model=WorkoutOut)
def update_workout(workout_id: IdPath, body: WorkoutPatch, session: SessionDep, user: CurrentUser):
    workout = _owned(session, user.id, workout_id)
    for name, value in body.changes().items():
        setattr(workout, name, value)
    session.commit()
    return _out(workout, _entries(session, [workout.id])[workout.id])


@router.delete("/{workout_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_workout(workout_id: IdPath, session: SessionDep, user: CurrentUser):
    """Its exercises go with it (ON DELETE CASCADE), and from phase 5 their logs too (the sync triggers)."""
    session.execute(sa.delete(Workout).where(Workout.id == _owned(session, user.id, workout_id).id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _owned_entry(session, user_id: str, workout_id: str, entry_id: str) -> WorkoutExercise:
    workout = _owned(session, user_id, workout_id)
    entry = session.scalar(sa.select(WorkoutExercise).where(WorkoutExercise.id == entry_id,
                                                            WorkoutExercise.workoutId == workout.id))
    if entry is None:
        raise not_found("exercise in this workout")
    return entry


@router.post("/{workout_id}/exercises", status_code=status.HTTP_201_CREATED, response_model=WorkoutExerciseOut)
def add_workout_exercise(workout_id: IdPath, body: WorkoutExerciseIn, session: SessionDep, phase: PhaseDep,
                         user: CurrentUser):
    workout = _owned(session, user.id, workout_id)
    _check_exercise(session, phase, user, body.exerciseId)
    entry = _add_entry(session, workout, body)
    session.commit()
    return entry


@router.patch("/{workout_id}/exercises/{entry_id}", response_model=WorkoutExerciseOut)
def update_workout_exercise(workout_id: IdPath, entry_id: IdPath, body: WorkoutExercisePatch, session: SessionDep,
                            phase: PhaseDep, user: CurrentUser):
    entry = _owned_entry(session, user.id, workout_id, entry_id)
    changes = body.changes()
    if "exerciseId" in changes:
        _check_exercise(session, phase, user, changes["exerciseId"])
    for name, value in changes.items():
        setattr(entry, name, value)
    session.commit()
    return entry


@router.delete("/{workout_id}/exercises/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_workout_exercise(workout_id: IdPath, entry_id: IdPath, session: SessionDep, user: CurrentUser):
    entry = _owned_entry(session, user.id, workout_id, entry_id)
    session.execute(sa.delete(WorkoutExercise).where(WorkoutExercise.id == entry.id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
