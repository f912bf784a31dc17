"""The shared exercise catalog: list with filters and search, and read one."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gaingrid.models import ExerciseCategory
from gaingrid.service import exercises
from gaingrid.service.exercises import Filters

from ..deps import CurrentUser, PhaseDep, SessionDep
from ..errors import PhaseUnavailable, documented, not_found
from ..schemas.common import Text, any_case
from ..schemas.exercises import DIFFICULTIES, ExerciseOut, ExercisePage
from .paths import IdPath, Limit, Offset

router = APIRouter(prefix="/exercises", tags=["exercises"],
                   responses=documented(401, 404, 503))
Filter = Text(100, 1) | None
Category = any_case([c.value for c in ExerciseCategory]) | None
Difficulty = any_case(list(DIFFICULTIES)) | None


@router.get("", response_model=ExercisePage)
def list_exercises(
    session: SessionDep, phase: PhaseDep, user: CurrentUser,
    category: Annotated[Category, Query(description="STRENGTH, CARDIO, …, any case")] = None,
    muscle: Annotated[Filter, Query(description="primary muscle group, e.g. chest")] = None,
    equipment: Annotated[Filter, Query(description="e.g. barbell, dumbbell, body only")] = None,
    difficulty: Annotated[Difficulty, Query(description="beginner, intermediate or expert, any case")] = None,
    q: Annotated[Filter, Query(description="text in the name, any case")] = None,
    limit: Limit = 50, offset: Offset = 0,
):
    """The shared catalog (exercises not copied into a plan), by name."""
    catalog_only = [name for name, value in (("muscle", muscle), ("equipment", equipment),
                                             ("difficulty", difficulty)) if value]
    reason = phase.missing("catalog")
    if catalog_only and reason:
        raise PhaseUnavailable(f"{reason} ({', '.join(catalog_only)})")
    f = Filters(category=category and category.upper(), muscle=muscle, equipment=equipment, difficulty=difficulty, q=q)
    total, rows = exercises.catalog_page(session.connection(), phase.number, f, limit, offset)
    return ExercisePage(total=total, limit=limit, offset=offset, items=[ExerciseOut.model_validate(r) for r in rows])


@router.get("/{exercise_id}", response_model=ExerciseOut)
def get_exercise(exercise_id: IdPath, session: SessionDep, phase: PhaseDep, user: CurrentUser):
    row = exercises.visible(session.connection(), phase.number, user.id, exercise_id)
    if row is None:
        raise not_found("exercise")
    return ExerciseOut.model_validate(row)
