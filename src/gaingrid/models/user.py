from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import TRUE, Base, PrismaDateTime, created_at_column, id_column, phase, updated_at_column

if TYPE_CHECKING:
    from .training import Reminder, TrainingPlan
    from .workout import Workout
    from .workout_log import WorkoutLog


class User(Base):
    __tablename__ = "User"
    __table_args__ = (
        sa.PrimaryKeyConstraint("id", name="User_pkey"),
        sa.Index("User_email_key", "email", unique=True),
    )

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(sa.Text, nullable=False)
    name: Mapped[str | None] = mapped_column(sa.Text)
    password: Mapped[str] = mapped_column(sa.Text, nullable=False)
    createdAt: Mapped[datetime] = created_at_column()
    updatedAt: Mapped[datetime] = updated_at_column()

    timezone: Mapped[str | None] = mapped_column(sa.Text, info=phase(2))
    lastLogin: Mapped[datetime | None] = mapped_column(PrismaDateTime, info=phase(2))
    isActive: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, server_default=TRUE, default=True, info=phase(2))
    weight: Mapped[float | None] = mapped_column(sa.Double, info=phase(2))
    height: Mapped[int | None] = mapped_column(sa.Integer, info=phase(2))
    fitnessLevel: Mapped[str | None] = mapped_column(sa.Text, info=phase(2))
    goals: Mapped[str | None] = mapped_column(sa.Text, info=phase(2))

    workouts: Mapped[list[Workout]] = relationship(back_populates="user")
    trainingPlans: Mapped[list[TrainingPlan]] = relationship(back_populates="user")
    reminders: Mapped[list[Reminder]] = relationship(back_populates="user")
    workoutLogs: Mapped[list[WorkoutLog]] = relationship(back_populates="user")
