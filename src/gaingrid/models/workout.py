from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, PrismaDateTime, created_at_column, fk, id_column, updated_at_column

if TYPE_CHECKING:
    from .exercise import Exercise
    from .user import User


class Workout(Base):
    __tablename__ = "Workout"
    __table_args__ = (sa.PrimaryKeyConstraint("id", name="Workout_pkey"),)

    id: Mapped[str] = id_column()
    userId: Mapped[str] = mapped_column(sa.Text, fk("User.id", "Workout_userId_fkey"), nullable=False)
    name: Mapped[str | None] = mapped_column(sa.Text)
    date: Mapped[datetime] = mapped_column(PrismaDateTime, nullable=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    createdAt: Mapped[datetime] = created_at_column()
    updatedAt: Mapped[datetime] = updated_at_column()

    user: Mapped[User] = relationship(back_populates="workouts")
    exercises: Mapped[list[WorkoutExercise]] = relationship(
        back_populates="workout", cascade="all, delete-orphan", passive_deletes=True
    )


class WorkoutExercise(Base):
    """Legacy: one row per exercise in a workout. WorkoutLog takes over from it."""

    __tablename__ = "WorkoutExercise"
    __table_args__ = (
        sa.PrimaryKeyConstraint("id", name="WorkoutExercise_pkey"),
        {"info": {"phase": 1, "dropped_in": 7}},
    )

    id: Mapped[str] = id_column()
    workoutId: Mapped[str] = mapped_column(
        sa.Text, fk("Workout.id", "WorkoutExercise_workoutId_fkey", ondelete="CASCADE"), nullable=False
    )
    exerciseId: Mapped[str] = mapped_column(sa.Text, fk("Exercise.id", "WorkoutExercise_exerciseId_fkey"), nullable=False)
    sets: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    reps: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    weight: Mapped[float | None] = mapped_column(sa.Double)
    time: Mapped[int | None] = mapped_column(sa.Integer)  # minutes
    notes: Mapped[str | None] = mapped_column(sa.Text)
    createdAt: Mapped[datetime] = created_at_column()
    updatedAt: Mapped[datetime] = updated_at_column()

    workout: Mapped[Workout] = relationship(back_populates="exercises")
    exercise: Mapped[Exercise] = relationship(back_populates="workouts")
