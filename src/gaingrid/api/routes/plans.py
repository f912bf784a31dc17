"""Training plans (phase 3) and the exercises in them (phase 4)."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Response, status

from gaingrid.models import Exercise, TrainingPlan
from gaingrid.service import plans
from gaingrid.service.dates import sortable
from gaingrid.service.phase import DbPhase

from ..deps import CurrentUser, PhaseDep, SessionDep, requires
from ..errors import conflict, documented, not_found
from ..schemas.plans import (
    PlanDetailOut,
    PlanExerciseIn,
    PlanExerciseOut,
    PlanExercisePatch,
    PlanIn,
    PlanOut,
    PlanPage,
    PlanPatch,
    PlanStatus,
)
from .paths import IdPath, Limit, Offset

router = APIRouter(prefix="/plans", tags=["training plans"], dependencies=[requires("plans")],
                   responses=documented(401, 404, 409, 503))
with_exercises = [requires("planExercises")]


def owned_plan(session, user_id: str, plan_id: str) -> TrainingPlan:
    plan = session.scalar(sa.select(TrainingPlan).where(TrainingPlan.id == plan_id, TrainingPlan.userId == user_id))
    if plan is None:
        raise not_found("training plan")
    return plan


def _detail(session, phase: DbPhase, plan: TrainingPlan) -> PlanDetailOut:
    found = plans.plan_exercises(session, plan.id) if phase.has("planExercises") else []
    return PlanDetailOut.model_validate({**PlanOut.model_validate(plan).model_dump(),
                                         "exercises": [PlanExerciseOut.model_validate(e) for e in found]})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlanOut)
def create_plan(body: PlanIn, session: SessionDep, user: CurrentUser):
    plan = TrainingPlan(userId=user.id, **body.model_dump(mode="json"))
    session.add(plan)
    session.commit()
    return plan


@router.get("", response_model=PlanPage)
def list_plans(session: SessionDep, user: CurrentUser, limit: Limit = 50, offset: Offset = 0,
               status_: Annotated[PlanStatus | None, Query(alias="status")] = None):
    where = [TrainingPlan.userId == user.id]
    if status_:
        where.append(TrainingPlan.status == status_.value)
    total = session.scalar(sa.select(sa.func.count()).select_from(TrainingPlan).where(*where))
    created = sortable(TrainingPlan.createdAt, session.get_bind().dialect.name)
    items = session.scalars(sa.select(TrainingPlan).where(*where)
                            .order_by(created.desc(), TrainingPlan.id).limit(limit).offset(offset))
    return PlanPage(total=total or 0, limit=limit, offset=offset, items=[PlanOut.model_validate(p) for p in items])


@router.get("/{plan_id}", response_model=PlanDetailOut)
def get_plan(plan_id: IdPath, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    return _detail(session, phase, owned_plan(session, user.id, plan_id))


@router.patch("/{plan_id}", response_model=PlanDetailOut)
def update_plan(plan_id: IdPath, body: PlanPatch, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    plan = owned_plan(session, user.id, plan_id)
    for name, value in body.model_dump(exclude_unset=True, mode="json").items():
        setattr(plan, name, value)
    session.commit()
    return _detail(session, phase, plan)


@router.delete("/{plan_id}", status_code=status.HTTP_204_NO_CONTENT, responses={409: {"description": "logged"}})
def delete_plan(plan_id: IdPath, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    """Deletes the plan and its exercise copies; its reminders stay, without a plan."""
    plan = owned_plan(session, user.id, plan_id)
    if phase.has("planExercises"):
        copies = [e.id for e in plans.plan_exercises(session, plan.id)]
        if plans.references(session.connection(), phase.number, copies):
            raise conflict("the plan's exercises have logged workouts; archive the plan instead (status ARCHIVED)")
        # Explicitly: the foreign key's ON DELETE SET NULL would turn the copies into shared catalog rows.
        session.execute(sa.delete(Exercise).where(Exercise.trainingPlanId == plan.id))
    # Core deletes: the ORM would first load related rows from tables an earlier or later phase may lack.
    session.execute(sa.delete(TrainingPlan).where(TrainingPlan.id == plan.id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{plan_id}/exercises", response_model=list[PlanExerciseOut], dependencies=with_exercises)
def list_plan_exercises(plan_id: IdPath, session: SessionDep, user: CurrentUser):
    return plans.plan_exercises(session, owned_plan(session, user.id, plan_id).id)


@router.post("/{plan_id}/exercises", status_code=status.HTTP_201_CREATED, response_model=PlanExerciseOut,
             dependencies=with_exercises)
def attach_exercise(plan_id: IdPath, body: PlanExerciseIn, session: SessionDep, user: CurrentUser):
    """Adds the plan's own copy of a shared catalog exercise, with its default sets and reps."""
    plan = owned_plan(session, user.id, plan_id)
    source = session.scalar(sa.select(Exercise).where(Exercise.id == body.exerciseId, Exercise.trainingPlanId.is_(None)))
    if source is None:
        raise not_found("catalog exercise")
    if any(e.name == source.name for e in plans.plan_exercises(session, plan.id)):
        raise conflict(f"the plan already has {source.name!r}")
    copy = plans.attach(session, plan, source, body.defaultSets, body.defaultReps)
    session.commit()
    return copy


def _plan_exercise(session, user_id: str, plan_id: str, exercise_id: str) -> Exercise:
    plan = owned_plan(session, user_id, plan_id)
    found = session.scalar(sa.select(Exercise).where(Exercise.id == exercise_id, Exercise.trainingPlanId == plan.id))
    if found is None:
        raise not_found("exercise in this plan")
    return found


@router.patch("/{plan_id}/exercises/{exercise_id}", response_model=PlanExerciseOut, dependencies=with_exercises)
def update_plan_exercise(plan_id: IdPath, exercise_id: IdPath, body: PlanExercisePatch,
                         session: SessionDep, user: CurrentUser):
    found = _plan_exercise(session, user.id, plan_id, exercise_id)
    for name, value in body.changes().items():
        setattr(found, name, value)
    session.commit()
    return found


@router.delete("/{plan_id}/exercises/{exercise_id}", status_code=status.HTTP_204_NO_CONTENT,
               dependencies=with_exercises, responses={409: {"description": "logged"}})
def detach_exercise(plan_id: IdPath, exercise_id: IdPath, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    found = _plan_exercise(session, user.id, plan_id, exercise_id)
    if plans.references(session.connection(), phase.number, [found.id]):
        raise conflict("this exercise has logged workouts; it stays in the plan")
    session.execute(sa.delete(Exercise).where(Exercise.id == found.id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
