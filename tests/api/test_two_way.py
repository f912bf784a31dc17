"""Both apps, one truth (phases 5 and 6): what either API writes, the other reads, and nothing it
wrote is overwritten by the other or brought back after a delete. Each test is one behaviour measured
wrong before the two-way sync, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from gaingrid.phases import GAINGRID
from phased import Migrator

from .conftest import BENCH, SQUAT

AT = [5, 6]


def legacy_workout(me, api, date: str = "2025-03-03T17:00:00Z") -> tuple[dict, dict]:
    r = me.post("/workouts", json={"name": "Push", "date": date, "exercises": [
        {"exerciseId": api.exercise_id(BENCH), "sets": 3, "reps": 5, "weight": 97.5}]})
    assert r.status_code == 201, r.text
    workout = r.json()
    return workout, workout["exercises"][0]


def legacy_entry(me, workout_id: str, entry_id: str) -> dict | None:
    entries = me.get(f"/workouts/{workout_id}").json().get("exercises", [])
    return next((e for e in entries if e["id"] == entry_id), None)


def strict_verify(api) -> list[str]:
    """The failures of a strict verify (no --allow-writes): none while both apps keep to the contract."""
    result = Migrator(GAINGRID, api.url).verify()
    return [f"{c.name}: {c.detail}" for c in result.checks if not (c.ok or c.warning)]


@pytest.mark.parametrize("phase", AT)
def test_a_new_app_edit_is_not_overwritten_by_a_legacy_edit(api_at, phase):
    api = api_at(phase)
    me = api.user()
    workout, entry = legacy_workout(me, api)
    assert me.patch(f"/logs/{entry['id']}", json={"weight": 150, "rating": 3}).status_code == 200
    assert legacy_entry(me, workout["id"], entry["id"])["weight"] == 150  # the legacy app reads it at once
    r = me.patch(f"/workouts/{workout['id']}/exercises/{entry['id']}", json={"notes": "x"})
    assert r.status_code == 200, r.text
    log = me.get(f"/logs/{entry['id']}").json()
    assert (log["weight"], log["notes"], log["rating"]) == (150, "x", 3)
    assert strict_verify(api) == []


@pytest.mark.parametrize("phase", AT)
def test_a_new_app_delete_stays_deleted(api_at, phase):
    api = api_at(phase)
    me = api.user()
    workout, entry = legacy_workout(me, api)
    assert me.delete(f"/logs/{entry['id']}").status_code == 204
    assert legacy_entry(me, workout["id"], entry["id"]) is None
    r = me.patch(f"/workouts/{workout['id']}", json={"date": "2025-03-04T17:00:00Z"})  # re-dates its entries
    assert r.status_code == 200, r.text
    assert me.get(f"/logs/{entry['id']}").status_code == 404
    assert strict_verify(api) == []


@pytest.mark.parametrize("phase", AT)
def test_a_log_created_by_the_new_app_is_the_legacy_apps_too(api_at, phase):
    api = api_at(phase)
    me = api.user()
    workout, _ = legacy_workout(me, api)
    squat = api.exercise_id(SQUAT)
    same_day = me.post("/logs", json={"exerciseId": squat, "date": workout["date"], "sets": 5, "reps": 5,
                                      "weight": 120, "notes": "top set", "rating": 4})
    assert same_day.status_code == 201, same_day.text
    entry = legacy_entry(me, workout["id"], same_day.json()["id"])  # in the workout at exactly that date
    assert (entry["exerciseId"], entry["sets"], entry["weight"], entry["notes"]) == (squat, 5, 120, "top set")

    other_day = me.post("/logs", json={"exerciseId": squat, "date": "2025-03-10T08:00:00Z", "sets": 1, "reps": 1,
                                       "durationMinutes": 12}).json()
    made = [w for w in me.get("/workouts").json()["items"] if w["id"] != workout["id"]]
    assert len(made) == 1 and made[0]["date"].startswith("2025-03-10T08:00:00")  # a workout made for it
    assert [(e["id"], e["time"]) for e in me.get(f"/workouts/{made[0]['id']}").json()["exercises"]] == \
        [(other_day["id"], 12)]
    assert strict_verify(api) == []

    # Moved to another date, the log leaves the workout made for it, which goes: it is empty and the sync's.
    assert me.patch(f"/logs/{other_day['id']}", json={"date": workout["date"]}).status_code == 200
    assert me.get(f"/workouts/{made[0]['id']}").status_code == 404
    assert legacy_entry(me, workout["id"], other_day["id"]) is not None
    assert strict_verify(api) == []


@pytest.mark.parametrize("phase", AT)
def test_a_legacy_write_leaves_what_only_the_new_shape_holds(api_at, phase):
    api = api_at(phase)
    me = api.user()
    workout, entry = legacy_workout(me, api)
    assert me.patch(f"/logs/{entry['id']}", json={"rating": 5, "mood": "GREAT"}).status_code == 200
    assert me.patch(f"/workouts/{workout['id']}/exercises/{entry['id']}", json={"reps": 6}).status_code == 200
    assert me.patch(f"/workouts/{workout['id']}", json={"date": "2025-03-05T17:00:00Z"}).status_code == 200
    log = me.get(f"/logs/{entry['id']}").json()
    assert (log["reps"], log["rating"], log["mood"], log["date"][:10]) == (6, 5, "GREAT", "2025-03-05")
    assert strict_verify(api) == []
