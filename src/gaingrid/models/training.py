from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import TRUE, Base, PrismaDateTime, created_at_column, fk, id_column, phase, updated_at_column

if TYPE_CHECKING:
    from .exercise import Exercise
    from .user import User


class TrainingPlan(Base):
    __tablename__ = "TrainingPlan"
    __table_args__ = (
        sa.PrimaryKeyConstraint("id", name="TrainingPlan_pkey"),
        sa.Index("TrainingPlan_userId_status_idx", "userId", "status", info=phase(6)),
        {"info": phase(3)},
    )

    id: Mapped[str] = id_column()
    userId: Mapped[str] = mapped_column(sa.Text, fk("User.id", "TrainingPlan_userId_fkey"), nullable=False)
    name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text, nullable=False, server_default=sa.text("'ACTIVE'"), default="ACTIVE")
    targetDurationWeeks: Mapped[int | None] = mapped_column(sa.Integer)
    createdAt: Mapped[datetime] = created_at_column()
    updatedAt: Mapped[datetime] = updated_at_column()

    user: Mapped[User] = relationship(back_populates="trainingPlans")
    exercises: Mapped[list[Exercise]] = relationship(back_populates="trainingPlan")
    reminders: Mapped[list[Reminder]] = relationship(back_populates="trainingPlan")


class Reminder(Base):
    __tablename__ = "Reminder"
    __table_args__ = (
        sa.PrimaryKeyConstraint("id", name="Reminder_pkey"),
        sa.Index("Reminder_userId_active_idx", "userId", "active", info=phase(6)),
        {"info": phase(3)},
    )

    id: Mapped[str] = id_column()
    userId: Mapped[str] = mapped_column(sa.Text, fk("User.id", "Reminder_userId_fkey"), nullable=False)
    trainingPlanId: Mapped[str | None] = mapped_column(
        sa.Text, fk("TrainingPlan.id", "Reminder_trainingPlanId_fkey", ondelete="SET NULL")
    )
    time: Mapped[datetime] = mapped_column(PrismaDateTime, nullable=False)
    frequency: Mapped[str] = mapped_column(sa.Text, nullable=False)  # DAILY | WEEKLY
    message: Mapped[str | None] = mapped_column(sa.Text)
    lastSent: Mapped[datetime | None] = mapped_column(PrismaDateTime)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, server_default=TRUE, default=True)
    createdAt: Mapped[datetime] = created_at_column()
    updatedAt: Mapped[datetime] = updated_at_column()

    user: Mapped[User] = relationship(back_populates="reminders")
    trainingPlan: Mapped[TrainingPlan | None] = relationship(back_populates="reminders")
