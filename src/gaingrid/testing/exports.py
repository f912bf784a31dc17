"""Synthetic Hevy exports of any size, for the import benchmark and the streaming test.

Deterministic (a seed), written row by row so that a 50 MB file costs no
memory, and shaped like the real sample: sessions of 4 to 7 exercises with
warm-up, normal, failure and drop sets, fractional RPE, bodyweight sets with
an empty weight, timed sets, and notes with commas, quotes, non-ASCII text
and Hevy's escaped line breaks.
"""
from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

HEVY_HEADER = ["title", "start_time", "end_time", "description", "exercise_title", "superset_id",
               "exercise_notes", "set_index", "set_type", "weight_kg", "reps", "distance_km",
               "duration_seconds", "rpe"]
EXERCISES = ["Squat (Barbell)", "Bench Press (Barbell)", "Seated Leg Curl (Machine)", "Lat Pulldown (Cable)",
             "Shoulder Press (Dumbbell)", "Romanian Deadlift (Barbell)", "Triceps Pushdown", "Pull Up",
             "Leg Extension (Machine)", "Cable Crunch", "Bayesian Cable Curl", "Warm Up"]
NOTES = ["", "", "", "Münster, used machine , next time try 28 first set", 'felt "heavy"',
         "Lower: all sets 175 next time\\nLegs: 170"]
TITLES = ["Lower // Strength", "Upper // Hypertrophy", "Push", "Pull", "Legs"]


def hevy_csv(path: Path, sets: int, seed: int = 7) -> int:
    """Write a Hevy export of exactly `sets` rows to `path`; returns its size in bytes."""
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, 7, 0)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
        out.writerow(HEVY_HEADER)
        while written < sets:
            start += timedelta(days=rng.choice((1, 2, 2, 3)), minutes=rng.randrange(-90, 90))
            end = start + timedelta(minutes=rng.randrange(45, 110))
            title, description = rng.choice(TITLES), rng.choice(("", "", "Deload week, knees ok"))
            for exercise in rng.sample(EXERCISES, rng.randrange(4, 8)):
                note = rng.choice(NOTES)
                for index in range(rng.randrange(2, 6)):
                    if written == sets:
                        break
                    kind = rng.choice(("warmup", "normal", "normal", "normal", "failure", "dropset"))
                    timed = exercise == "Warm Up"
                    out.writerow([title, _hevy_time(start), _hevy_time(end), description, exercise, "", note, index,
                                  kind, "" if timed or exercise == "Pull Up" else rng.randrange(20, 400) / 2,
                                  "" if timed else rng.randrange(3, 16), "", 300 if timed else 0,
                                  "" if timed else rng.choice((6, 7, 7.5, 8, 8.5, 9, 9.5, 10))])
                    written += 1
    return path.stat().st_size


def _hevy_time(when: datetime) -> str:
    return f"{when.day} {when:%b %Y, %H:%M}"
