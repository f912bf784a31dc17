"""The exercise catalog shipped with the package, and how demo data uses it.

Each catalog entry is turned into a legacy ``Exercise`` row (name,
description, ExerciseCategory) plus a *prescription*: what a set of it looks
like in a workout log (reps, load, minutes). The prescription is computed
once here so the million-row loop only reads it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

CATEGORY_MAP = {
    "strength": "STRENGTH",
    "powerlifting": "STRENGTH",
    "olympic weightlifting": "STRENGTH",
    "strongman": "STRENGTH",
    "cardio": "CARDIO",
    "stretching": "FLEXIBILITY",
    "plyometrics": "PLYOMETRICS",
}

LEG_MUSCLES = ("quadriceps", "hamstrings", "glutes", "calves", "adductors", "abductors")

# Typical working load in kg for an average trained user, by equipment and
# whether the movement is compound; the user's strength scales it.
_BASE_LOAD = {
    "barbell": (60.0, 30.0),
    "e-z curl bar": (30.0, 25.0),
    "dumbbell": (20.0, 10.0),
    "kettlebells": (16.0, 12.0),
    "cable": (40.0, 15.0),
    "machine": (70.0, 35.0),
    "medicine ball": (6.0, 5.0),
}

_REPS = {
    "powerlifting": (1, 2, 3, 3, 5, 5, 5, 6, 8),
    "olympic weightlifting": (1, 1, 2, 2, 3, 3, 3, 5),
    "strongman": (1, 2, 3, 5, 5, 6, 8),
    "compound": (3, 5, 5, 6, 8, 8, 8, 10, 10, 12),
    "isolation": (8, 10, 10, 12, 12, 12, 15, 15, 20),
    "bodyweight": (5, 8, 10, 10, 12, 12, 15, 15, 20, 20),
    "plyometrics": (5, 6, 8, 8, 10, 10, 12),
}


@dataclass(frozen=True, slots=True)
class CatalogExercise:
    key: str
    name: str
    category: str  # ExerciseCategory name
    description: str
    source_category: str
    muscles: tuple[str, ...]  # primary muscles
    kind: str  # "lift", "bodyweight", "hold", "cardio", "stretch"
    base_kg: float | None  # None: logged without a weight
    reps: tuple[int, ...]  # choices for the reps of one set


def _describe(e: dict) -> str:
    level = e["level"].capitalize()
    what = " ".join(w for w in (e["mechanic"], e["category"]) if w)
    using = f" with {e['equipment']}" if e["equipment"] not in (None, "body only", "other") else ""
    if e["equipment"] == "body only":
        using = " using body weight"
    text = f"{level} {what} exercise{using}. Targets {', '.join(e['primaryMuscles'])}"
    if e["secondaryMuscles"]:
        text += f"; also works {', '.join(e['secondaryMuscles'])}"
    return text + "."


def _prescription(e: dict) -> tuple[str, float | None, tuple[int, ...]]:
    category, equipment = e["category"], e["equipment"]
    if category == "cardio":
        return "cardio", None, (1,)
    if category == "stretching":
        return "stretch", None, (1,)
    compound = e["mechanic"] != "isolation"
    if category == "strongman":
        return "lift", 80.0, _REPS["strongman"]
    if equipment not in _BASE_LOAD:
        if e["force"] == "static":
            return "hold", None, (1,)
        reps = _REPS["plyometrics" if category == "plyometrics" else "bodyweight"]
        return "bodyweight", None, reps
    base = _BASE_LOAD[equipment][0 if compound else 1]
    if compound and equipment in ("barbell", "machine") and set(e["primaryMuscles"]) & set(LEG_MUSCLES):
        base *= 1.4
    if category == "powerlifting":
        base *= 1.5
    elif category == "plyometrics":
        base *= 0.5  # thrown or jumped with, not ground out
    if category in _REPS:
        return "lift", base, _REPS[category]
    return "lift", base, _REPS["compound" if compound else "isolation"]


@lru_cache(maxsize=1)
def load_catalog() -> tuple[CatalogExercise, ...]:
    """The whole catalog, in file order (sorted by catalog id)."""
    raw = resources.files("gaingrid.data").joinpath("exercise-catalog.json").read_text("utf-8")
    out = []
    for e in json.loads(raw):
        kind, base_kg, reps = _prescription(e)
        out.append(CatalogExercise(
            key=e["id"], name=e["name"], category=CATEGORY_MAP[e["category"]],
            description=_describe(e), source_category=e["category"],
            muscles=tuple(e["primaryMuscles"]), kind=kind, base_kg=base_kg, reps=reps,
        ))
    return tuple(out)
