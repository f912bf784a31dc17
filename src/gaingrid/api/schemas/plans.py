from __future__ import annotations

import enum

from pydantic import Field

from .common import Id, Input, Int, Name, Notes, Omittable, Output, Page, Patch, UtcDatetime
from .exercises import ExerciseOut


class PlanStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ARCHIVED = "ARCHIVED"


Weeks = Int(ge=1, le=520)
Sets = Int(ge=1, le=100)
Reps = Int(ge=1, le=1000)


class PlanIn(Input):
    name: Name
    description: Notes | None = None
    status: PlanStatus = PlanStatus.ACTIVE
    targetDurationWeeks: Weeks | None = None


class PlanPatch(Patch):
    name: Omittable(Name)
    description: Notes | None = None
    status: Omittable(PlanStatus)
    targetDurationWeeks: Weeks | None = None


class PlanExerciseIn(Input):
    exerciseId: Id = Field(description="a shared catalog exercise; the plan gets its own copy")
    defaultSets: Sets | None = None
    defaultReps: Reps | None = None


class PlanExercisePatch(Patch):
    defaultSets: Sets | None = None
    defaultReps: Reps | None = None


class PlanExerciseOut(ExerciseOut):
    trainingPlanId: str
    defaultSets: int | None
    defaultReps: int | None


class PlanOut(Output):
    id: str
    name: str
    description: str | None
    status: str
    targetDurationWeeks: int | None
    createdAt: UtcDatetime
    updatedAt: UtcDatetime


class PlanDetailOut(PlanOut):
    exercises: list[PlanExerciseOut] = Field(description="empty before phase 4")


class PlanPage(Page):
    items: list[PlanOut]
