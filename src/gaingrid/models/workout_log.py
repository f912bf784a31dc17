from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, PrismaDateTime, created_at_column, fk, id_column, phase, updated_at_column

if TYPE_CHECKING:
    from .exercise import Exercise
    from .user import User


class WorkoutLog(Base):
    """One logged exercise. Takes over from WorkoutExercise (phase 5)."""

    __tablename__ = "WorkoutLog"
    __table_args__ = (
        sa.PrimaryKeyConstraint("id", name="WorkoutLog_pkey"),
        sa.Index("WorkoutLog_userId_date_idx", "userId", "date", info=phase(6)),
        sa.Index("WorkoutLog_exerciseId_idx", "exerciseId", info=phase(6)),
        {"info": phase(5)},
    )

    id: Mapped[str] = id_column()
    userId: Mapped[str] = mapped_column(sa.Text, fk("User.id", "WorkoutLog_userId_fkey"), nullable=False)
    exerciseId: Mapped[str] = mapped_column(sa.Text, fk("Exercise.id", "WorkoutLog_exerciseId_fkey"), nullable=False)
    date: Mapped[datetime] = mapped_column(PrismaDateTime, nullable=False)
    sets: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    reps: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    weight: Mapped[float | None] = mapped_column(sa.Double)
    durationMinutes: Mapped[int | None] = mapped_column(sa.Integer)
    rating: Mapped[int | None] = mapped_column(sa.Integer)
    mood: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    createdAt: Mapped[datetime] = created_at_column()
    updatedAt: Mapped[datetime] = updated_at_column()

    user: Mapped[User] = relationship(back_populates="workoutLogs")
    exercise: Mapped[Exercise] = relationship(back_populates="workoutLogs")
