"""The legacy workouts API at every phase from 1 to 6, and its writes reaching WorkoutLog from phase 5."""
from __future__ import annotations

import pytest

from .conftest import BENCH, SQUAT, sqlite_only

# Every phase on SQLite; on PostgreSQL the legacy baseline, the sync triggers, and the end of the migration.
PHASES = [("sqlite", p) for p in range(1, 7)] + [("postgresql", p) for p in (1, 5, 6)]


@pytest.mark.parametrize("backend, phase", PHASES, indirect=["backend"])
def test_legacy_workouts_at_every_phase(api_at, phase):
    api = api_at(phase)
    me = api.user()
    squat, bench = api.exercise_id(SQUAT), api.exercise_id(BENCH)
    r = me.post("/workouts", json={"name": "Monday", "date": "2025-02-03T17:00:00Z", "exercises": [
        {"exerciseId": squat, "sets": 5, "reps": 5, "weight": 100},
        {"exerciseId": bench, "sets": 3, "reps": 8, "weight": 70.5, "time": 12, "notes": "paused reps"}]})
    assert r.status_code == 201, r.text
    workout = r.json()
    assert [(e["exerciseId"], e["sets"], e["time"]) for e in workout["exercises"]] == [(squat, 5, None), (bench, 3, 12)]

    listed = me.get("/workouts").json()
    assert (listed["total"], listed["items"][0]["id"]) == (1, workout["id"])

    r = me.patch(f"/workouts/{workout['id']}", json={"name": "Leg day", "date": "2025-02-04T17:00:00Z"})
    assert (r.json()["name"], r.json()["date"]) == ("Leg day", "2025-02-04T17:00:00+00:00")

    entry = workout["exercises"][0]["id"]
    r = me.patch(f"/workouts/{workout['id']}/exercises/{entry}", json={"reps": 3, "weight": 110})
    assert (r.json()["reps"], r.json()["weight"]) == (3, 110)
    added = me.post(f"/workouts/{workout['id']}/exercises", json={"exerciseId": squat, "sets": 1, "reps": 1}).json()
    assert me.delete(f"/workouts/{workout['id']}/exercises/{entry}").status_code == 204
    assert [e["id"] for e in me.get(f"/workouts/{workout['id']}").json()["exercises"]] == \
        [workout["exercises"][1]["id"], added["id"]]

    assert me.delete(f"/workouts/{workout['id']}").status_code == 204
    assert me.get(f"/workouts/{workout['id']}").status_code == 404
    assert api.sql('SELECT count(*) FROM "WorkoutExercise"')[0][0] == 0  # the entries went with it


@sqlite_only
def test_legacy_api_is_gone_at_phase_7(api_at):
    api = api_at(7)
    r = api.user().get("/workouts")
    assert r.status_code == 410
    assert "retired" in r.json()["detail"]


def test_a_legacy_hash_with_a_wrong_password_is_401(api_at):
    """Users the Prisma app made carry bcrypt hashes (see test_auth for the right password)."""
    api = api_at(1)
    api.sql('INSERT INTO "User" (id, email, name, password, "createdAt", "updatedAt") VALUES '
            "('legacy', 'old@example.com', 'Old', '$2b$10$abcdefghijklmnopqrstuuPbzH5ZbFDYH7wNwVfD1JXo1hYdJt4eq', "
            "'2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    assert api.login("old@example.com", "whatever").status_code == 401


def test_legacy_writes_show_up_in_workout_logs_from_phase_5(api_at):
    api = api_at(5)
    me = api.user()
    squat, bench = api.exercise_id(SQUAT), api.exercise_id(BENCH)
    workout = me.post("/workouts", json={"date": "2025-02-03T17:00:00Z", "exercises": [
        {"exerciseId": squat, "sets": 5, "reps": 5, "weight": 100, "time": 20},
        {"exerciseId": bench, "sets": 3, "reps": 8}]}).json()
    first, second = (e["id"] for e in workout["exercises"])

    def logs() -> dict[str, dict]:
        return {i["id"]: i for i in me.get("/logs").json()["items"]}

    mirrored = logs()
    assert set(mirrored) == {first, second}  # WorkoutLog.id = WorkoutExercise.id
    assert (mirrored[first]["sets"], mirrored[first]["weight"], mirrored[first]["durationMinutes"],
            mirrored[first]["date"]) == (5, 100, 20, "2025-02-03T17:00:00+00:00")

    me.patch(f"/workouts/{workout['id']}/exercises/{first}", json={"reps": 3, "weight": 120})
    me.patch(f"/workouts/{workout['id']}", json={"date": "2025-02-05T07:00:00Z"})
    mirrored = logs()
    assert (mirrored[first]["reps"], mirrored[first]["weight"]) == (3, 120)
    assert {i["date"] for i in mirrored.values()} == {"2025-02-05T07:00:00+00:00"}

    me.delete(f"/workouts/{workout['id']}/exercises/{first}")
    assert set(logs()) == {second}
    me.delete(f"/workouts/{workout['id']}")
    assert logs() == {}
    assert api.sql('SELECT count(*) FROM "WorkoutLog"')[0][0] == 0
