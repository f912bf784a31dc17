"""Loading the exercise catalog shipped with the package into Exercise.

Idempotent and non-destructive: an exercise is matched on its name among the
shared exercises (those not copied into a training plan); missing ones are
inserted, and on a matched row only empty columns are filled in. So a second
run changes nothing, and an exercise that someone edited keeps its edits.

It works at any phase: before phase 4 only the legacy columns (name,
description, category) exist, and running it again after phase 4 fills in
the catalog columns of the rows it loaded earlier.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import sqlalchemy as sa

from gaingrid.data.catalog import load_catalog
from gaingrid.models import ExerciseCategory, new_id, utcnow

from .tables import table

CATALOG_COLUMNS = ("equipment", "primaryMuscleGroup", "otherMuscles", "difficulty")


@dataclass(frozen=True)
class LoadResult:
    added: int
    updated: int
    unchanged: int


def catalog_rows() -> list[dict[str, Any]]:
    """Each catalog entry as Exercise column values (phase-4 columns included)."""
    raw = json.loads(resources.files("gaingrid.data").joinpath("exercise-catalog.json").read_text("utf-8"))
    described = {e.key: e for e in load_catalog()}
    rows = []
    for entry in raw:
        known = described[entry["id"]]
        primary = entry["primaryMuscles"]
        others = [*primary[1:], *entry["secondaryMuscles"]]
        rows.append({
            "name": known.name,
            "description": known.description,
            "category": ExerciseCategory(known.category),
            "primaryMuscleGroup": primary[0] if primary else None,
            "otherMuscles": ",".join(dict.fromkeys(others)) or None,
            "equipment": entry["equipment"],
            "difficulty": entry["level"],
        })
    return rows


def load(conn: sa.Connection, phase: int, rows: Iterable[dict[str, Any]] | None = None) -> LoadResult:
    """Insert the missing catalog exercises and fill empty columns of matched ones. Caller commits."""
    exercise = table("Exercise", phase)
    columns = [c for c in ("description", *CATALOG_COLUMNS) if c in exercise.c]
    shared = sa.select(exercise.c.id, exercise.c.name, *[exercise.c[c] for c in columns])
    if "trainingPlanId" in exercise.c:
        shared = shared.where(exercise.c.trainingPlanId.is_(None))
    by_name: dict[str, list[sa.Row]] = {}
    for row in conn.execute(shared):
        by_name.setdefault(row.name, []).append(row)

    inserts, updates, unchanged = [], [], 0
    now = utcnow()
    for wanted in (catalog_rows() if rows is None else rows):
        existing = by_name.get(wanted["name"])
        if not existing:
            inserts.append({"id": new_id(), "createdAt": now, "updatedAt": now,
                            **{k: v for k, v in wanted.items() if k in exercise.c}})
            continue
        for row in existing:
            fill = {c: wanted[c] for c in columns if getattr(row, c) is None and wanted.get(c) is not None}
            if fill:
                updates.append({"_id": row.id, "updatedAt": now, **fill})
            else:
                unchanged += 1
    if inserts:
        conn.execute(exercise.insert(), inserts)
    # Rows differ in which columns are empty: one executemany per shape.
    shapes: dict[tuple[str, ...], list[dict]] = {}
    for u in updates:
        shapes.setdefault(tuple(sorted(u)), []).append(u)
    for batch in shapes.values():
        # SET takes the keys of the parameter sets; "_id" only feeds the WHERE.
        conn.execute(exercise.update().where(exercise.c.id == sa.bindparam("_id")), batch)
    return LoadResult(len(inserts), len(updates), unchanged)
