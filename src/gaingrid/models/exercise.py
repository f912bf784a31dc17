from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at_column, fk, id_column, phase, updated_at_column

if TYPE_CHECKING:
    from .training import TrainingPlan
    from .workout import WorkoutExercise
    from .workout_log import WorkoutLog


class ExerciseCategory(enum.Enum):
    STRENGTH = "STRENGTH"
    CARDIO = "CARDIO"
    FLEXIBILITY = "FLEXIBILITY"
    BALANCE = "BALANCE"
    PLYOMETRICS = "PLYOMETRICS"
    OTHER = "OTHER"


EXERCISE_CATEGORY = sa.Enum(ExerciseCategory, name="ExerciseCategory", native_enum=True, create_constraint=False)


class Exercise(Base):
    __tablename__ = "Exercise"
    __table_args__ = (
        sa.PrimaryKeyConstraint("id", name="Exercise_pkey"),
        sa.Index("Exercise_primaryMuscleGroup_idx", "primaryMuscleGroup", info=phase(6)),
        sa.Index("Exercise_trainingPlanId_idx", "trainingPlanId", info=phase(6)),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[ExerciseCategory] = mapped_column(EXERCISE_CATEGORY, nullable=False)
    createdAt: Mapped[datetime] = created_at_column()
    updatedAt: Mapped[datetime] = updated_at_column()

    trainingPlanId: Mapped[str | None] = mapped_column(
        sa.Text, fk("TrainingPlan.id", "Exercise_trainingPlanId_fkey", ondelete="SET NULL"), info=phase(4)
    )
    defaultSets: Mapped[int | None] = mapped_column(sa.Integer, info=phase(4))
    defaultReps: Mapped[int | None] = mapped_column(sa.Integer, info=phase(4))
    equipment: Mapped[str | None] = mapped_column(sa.Text, info=phase(4))
    primaryMuscleGroup: Mapped[str | None] = mapped_column(sa.Text, info=phase(4))
    otherMuscles: Mapped[str | None] = mapped_column(sa.Text, info=phase(4))
    durationMinutes: Mapped[int | None] = mapped_column(sa.Integer, info=phase(4))
    difficulty: Mapped[str | None] = mapped_column(sa.Text, info=phase(4))
    instructions: Mapped[str | None] = mapped_column(sa.Text, info=phase(4))

    workouts: Mapped[list[WorkoutExercise]] = relationship(back_populates="exercise")
    workoutLogs: Mapped[list[WorkoutLog]] = relationship(back_populates="exercise")
    trainingPlan: Mapped[TrainingPlan | None] = relationship(back_populates="exercises")
