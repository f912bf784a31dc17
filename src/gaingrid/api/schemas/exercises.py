from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from .common import Output, Page, UtcDatetime

# The catalog's vocabulary (its "level"); what the difficulty filter accepts.
DIFFICULTIES = ("beginner", "intermediate", "expert")


class ExerciseOut(Output):
    id: str
    name: str
    description: str | None
    category: str
    createdAt: UtcDatetime
    updatedAt: UtcDatetime
    # Catalog fields: null before phase 4.
    equipment: str | None = None
    primaryMuscleGroup: str | None = None
    otherMuscles: list[str] = Field(default_factory=list)
    difficulty: str | None = None
    durationMinutes: int | None = None
    instructions: str | None = None

    @field_validator("category", mode="before")
    @classmethod
    def _enum_value(cls, value: Any) -> Any:
        return getattr(value, "value", value)

    @field_validator("otherMuscles", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        # Stored comma-separated (one text column in Prisma's schema).
        if value is None:
            return []
        if isinstance(value, str):
            return [m.strip() for m in value.split(",") if m.strip()]
        return value


class ExercisePage(Page):
    items: list[ExerciseOut]
