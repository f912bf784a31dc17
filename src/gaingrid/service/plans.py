"""Exercises in a training plan.

Prisma's schema links an exercise to at most one plan (Exercise.trainingPlanId)
and Exercise has no owner. Setting that column on a shared catalog row would
take the exercise out of every other user's catalog, move it between users'
plans, and show one user's plan id to all. So attaching a catalog exercise
creates the plan's own copy of it (same name, category and catalog fields),
carrying trainingPlanId, defaultSets and defaultReps; detaching deletes the
copy. The catalog is the rows with no trainingPlanId.

A copy that workout logs (or legacy workout entries) refer to can't be
deleted: the foreign keys restrict it, and the history must stay. Detaching
it, or deleting its plan, answers 409; archive the plan instead.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gaingrid.models import Exercise, TrainingPlan, new_id, utcnow

from .dates import sortable
from .tables import table

COPIED = ("name", "description", "category", "equipment", "primaryMuscleGroup", "otherMuscles",
          "durationMinutes", "difficulty", "instructions")


def plan_exercises(session: Session, plan_id: str) -> list[Exercise]:
    created = sortable(Exercise.createdAt, session.get_bind().dialect.name)
    return list(session.scalars(sa.select(Exercise).where(Exercise.trainingPlanId == plan_id)
                                .order_by(created, Exercise.id)))


def attach(session: Session, plan: TrainingPlan, source: Exercise, sets: int | None, reps: int | None) -> Exercise:
    now = utcnow()
    copy = Exercise(id=new_id(), trainingPlanId=plan.id, defaultSets=sets, defaultReps=reps,
                    createdAt=now, updatedAt=now, **{c: getattr(source, c) for c in COPIED})
    session.add(copy)
    plan.updatedAt = now
    return copy


def references(conn: sa.Connection, phase: int, exercise_ids: list[str]) -> int:
    """Workout logs and legacy workout entries that point at these exercises."""
    if not exercise_ids:
        return 0
    count = 0
    for name in ("WorkoutLog", "WorkoutExercise"):
        try:
            t = table(name, phase)
        except KeyError:  # WorkoutLog before phase 5, WorkoutExercise from phase 7
            continue
        count += conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.exerciseId.in_(exercise_ids))
                              ).scalar_one()
    return count
