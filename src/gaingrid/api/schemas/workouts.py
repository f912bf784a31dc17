"""The legacy workouts API's bodies: Workout and its WorkoutExercise rows, as the old app has them."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .common import Id, Input, Instant, Name, Notes, Omittable, Output, Page, Patch, UtcDatetime
from .logs import Minutes, Reps, Sets, Weight


class WorkoutExerciseIn(Input):
    exerciseId: Id
    sets: Sets
    reps: Reps
    weight: Weight | None = None
    time: Minutes | None = Field(default=None, description="minutes")
    notes: Notes | None = None


class WorkoutExercisePatch(Patch):
    exerciseId: Omittable(Id)
    sets: Omittable(Sets)
    reps: Omittable(Reps)
    weight: Weight | None = None
    time: Minutes | None = None
    notes: Notes | None = None


class WorkoutIn(Input):
    name: Name | None = None
    date: Instant
    notes: Notes | None = None
    exercises: Annotated[list[WorkoutExerciseIn], Field(max_length=100, default_factory=list)]


class WorkoutPatch(Patch):
    name: Name | None = None
    date: Omittable(Instant)
    notes: Notes | None = None


class WorkoutExerciseOut(Output):
    id: str
    exerciseId: str
    sets: int
    reps: int
    weight: float | None
    time: int | None
    notes: str | None
    createdAt: UtcDatetime
    updatedAt: UtcDatetime


class WorkoutOut(Output):
    id: str
    name: str | None
    date: UtcDatetime
    notes: str | None
    createdAt: UtcDatetime
    updatedAt: UtcDatetime
    exercises: list[WorkoutExerciseOut]


class WorkoutPage(Page):
    items: list[WorkoutOut]
