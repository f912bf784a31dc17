"""Exercise reads at any phase, and who may see which exercise.

The shared catalog is every Exercise row not tied to a training plan. An
exercise attached to a plan is that plan's own copy (see api/routes/plans.py),
visible only to the plan's owner.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .tables import table


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    muscle: str | None = None
    equipment: str | None = None
    difficulty: str | None = None
    q: str | None = None


def _visible_to(exercise: sa.Table, phase: int, user_id: str) -> sa.ColumnElement[bool]:
    if "trainingPlanId" not in exercise.c:
        return sa.true()  # before phase 4 every exercise is shared
    plan = table("TrainingPlan", phase)
    own_plans = sa.select(plan.c.id).where(plan.c.userId == user_id)
    return sa.or_(exercise.c.trainingPlanId.is_(None), exercise.c.trainingPlanId.in_(own_plans))


def visible(conn: sa.Connection, phase: int, user_id: str, exercise_id: str) -> dict[str, Any] | None:
    """The exercise if it is in the shared catalog or in one of the user's plans."""
    exercise = table("Exercise", phase)
    row = conn.execute(sa.select(exercise).where(exercise.c.id == exercise_id, _visible_to(exercise, phase, user_id))
                       ).mappings().first()
    return dict(row) if row else None


def catalog_page(conn: sa.Connection, phase: int, f: Filters, limit: int, offset: int) -> tuple[int, list[dict]]:
    exercise = table("Exercise", phase)
    where: list[sa.ColumnElement[bool]] = []
    if "trainingPlanId" in exercise.c:
        where.append(exercise.c.trainingPlanId.is_(None))
    if f.category:
        where.append(exercise.c.category == f.category)
    # The catalog stores these lower-case; match whatever case the client sends.
    for column, value in (("primaryMuscleGroup", f.muscle), ("equipment", f.equipment), ("difficulty", f.difficulty)):
        if value:
            where.append(sa.func.lower(exercise.c[column]) == value.lower())
    if f.q:
        where.append(sa.func.lower(exercise.c.name).contains(f.q.lower(), autoescape=True))
    total = conn.execute(sa.select(sa.func.count()).select_from(exercise).where(*where)).scalar_one()
    rows = conn.execute(sa.select(exercise).where(*where).order_by(exercise.c.name, exercise.c.id)
                        .limit(limit).offset(offset)).mappings()
    return total, [dict(r) for r in rows]


def same_exercise(conn: sa.Connection, phase: int, user_id: str, found: dict[str, Any]) -> list[str]:
    """The ids of `found` and of the same exercise elsewhere for this user: a plan's copy of a
    catalog exercise and the catalog row it was copied from (matched by name, as plans copy it)."""
    exercise = table("Exercise", phase)
    if "trainingPlanId" not in exercise.c:
        return [found["id"]]  # no plan copies before phase 4
    rows = conn.execute(sa.select(exercise.c.id).where(exercise.c.name == found["name"],
                                                       _visible_to(exercise, phase, user_id)))
    return sorted({found["id"], *(r.id for r in rows)})
