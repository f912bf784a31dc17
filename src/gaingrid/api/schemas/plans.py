from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field

from .common import Id, Input, Name, Notes, Output, Page, Patch, UtcDatetime
from .exercises import ExerciseOut


class PlanStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ARCHIVED = "ARCHIVED"


Weeks = Annotated[int, Field(ge=1, le=520)]
Sets = Annotated[int, Field(ge=1, le=100)]
Reps = Annotated[int, Field(ge=1, le=1000)]


class PlanIn(Input):
    name: Name
    description: Notes | None = None
    status: PlanStatus = PlanStatus.ACTIVE
    targetDurationWeeks: Weeks | None = None


class PlanPatch(Patch):
    required = frozenset({"name", "status"})

    name: Name | None = None
    description: Notes | None = None
    status: PlanStatus | None = None
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
