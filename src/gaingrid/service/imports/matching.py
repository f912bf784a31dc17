"""Which exercise a name in an export is: the catalog's, the user's own, or a new one of theirs.

Tried in order, the first hit wins:
1. `exact`: the catalog's name, character for character; then `yours`: one of
   the user's own exercises (their plans' exercises, the "Imported" plan's
   among them), exactly;
2. `words`: the same words (see names.py), in the catalog, then the user's own;
3. `synonym`: a common app name the catalog spells differently;
4. `without equipment`: the name without its parenthesised equipment, as in 2;
5. `new`: the user's own exercise, created in their "Imported" training plan.

An exercise has no owner in Prisma's schema: its only link to a user is a
plan. So a new name never becomes a catalog entry that other users would
see; it belongs to the user's "Imported" plan (made once, archived: it
holds history, not a programme).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from gaingrid.models import ExerciseCategory, new_id, utcnow
from gaingrid.service.tables import table

from .names import SYNONYMS, without_equipment, words

PLAN_NAME = "Imported"
PLAN_DESCRIPTION = "Exercises from your imported workout history that the catalog does not have"


@dataclass
class Mapping:
    source: str
    exercise: str
    exercise_id: str
    how: str  # exact | yours | words | synonym | without equipment | new
    sets: int = 0


class Matcher:
    def __init__(self, conn: sa.Connection, phase: int, user_id: str, label: str) -> None:
        self.conn, self.phase, self.user_id, self.label = conn, phase, user_id, label
        self.mappings: dict[str, Mapping] = {}
        self._plan_id: str | None = None
        exercise, plan = table("Exercise", phase), table("TrainingPlan", phase)
        own_plans = sa.select(plan.c.id).where(plan.c.userId == user_id)
        self._catalog = _Index(conn.execute(
            sa.select(exercise.c.id, exercise.c.name).where(exercise.c.trainingPlanId.is_(None))
            .order_by(exercise.c.name, exercise.c.id)))
        self._own = _Index(conn.execute(
            sa.select(exercise.c.id, exercise.c.name).where(exercise.c.trainingPlanId.in_(own_plans))
            .order_by(exercise.c.createdAt, exercise.c.id)))
        self._synonyms = {words(k): v for k, v in SYNONYMS.items()}

    def match(self, name: str) -> Mapping:
        found = self.mappings.get(name)
        if found is None:
            found = self.mappings[name] = self._find(name) or self._create(name)
        return found

    def _find(self, name: str) -> Mapping | None:
        key, bare = words(name), without_equipment(name)
        synonym = self._synonyms.get(key)
        tries = [("exact", self._catalog.exact, name), ("yours", self._own.exact, name),
                 ("words", self._catalog.words, key), ("words", self._own.words, key),
                 ("synonym", self._catalog.exact, synonym),
                 ("without equipment", self._catalog.words, bare), ("without equipment", self._own.words, bare)]
        for how, index, wanted in tries:
            hit = index.get(wanted) if wanted is not None else None
            if hit:
                return Mapping(name, hit[1], hit[0], how)
        return None

    def _create(self, name: str) -> Mapping:
        exercise = table("Exercise", self.phase)
        now = utcnow()
        row = {"id": new_id(), "name": name, "description": f"Imported from {self.label}: not in the catalog",
               "category": ExerciseCategory.OTHER, "trainingPlanId": self._imported_plan(), "createdAt": now,
               "updatedAt": now}
        self.conn.execute(exercise.insert().values(**row))
        self._own.add(row["id"], name)
        return Mapping(name, name, row["id"], "new")

    def _imported_plan(self) -> str:
        if self._plan_id is None:
            plan = table("TrainingPlan", self.phase)
            self._plan_id = self.conn.scalar(
                sa.select(plan.c.id).where(plan.c.userId == self.user_id, plan.c.name == PLAN_NAME)
                .order_by(plan.c.createdAt, plan.c.id).limit(1))
            if self._plan_id is None:
                now = utcnow()
                self._plan_id = new_id()
                self.conn.execute(plan.insert().values(
                    id=self._plan_id, userId=self.user_id, name=PLAN_NAME, description=PLAN_DESCRIPTION,
                    status="ARCHIVED", createdAt=now, updatedAt=now))
        return self._plan_id


class _Index:
    """Exercises by exact name and by words; the first row of a name wins (the query's order)."""

    def __init__(self, rows) -> None:
        self.exact: dict[str, tuple[str, str]] = {}
        self.words: dict[tuple[str, ...], tuple[str, str]] = {}
        for row in rows:
            self.add(row.id, row.name)

    def add(self, exercise_id: str, name: str) -> None:
        self.exact.setdefault(name, (exercise_id, name))
        self.words.setdefault(words(name), (exercise_id, name))
