"""Training plans, and exercises attached to them as the plan's own copies."""
from __future__ import annotations

import pytest

from .conftest import BENCH, SQUAT, sqlite_only


def test_plan_crud(api):
    me = api.user()
    r = me.post("/plans", json={"name": "Strength block", "targetDurationWeeks": 8})
    assert r.status_code == 201
    plan = r.json()
    assert (plan["status"], plan["targetDurationWeeks"], plan["description"]) == ("ACTIVE", 8, None)

    r = me.patch(f"/plans/{plan['id']}", json={"status": "PAUSED", "description": "5x5", "targetDurationWeeks": None})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["description"], r.json()["targetDurationWeeks"]) == ("PAUSED", "5x5", None)

    me.post("/plans", json={"name": "Mobility", "status": "ARCHIVED"})
    listed = me.get("/plans").json()
    assert listed["total"] == 2
    paused = me.get("/plans", params={"status": "PAUSED"}).json()
    assert [p["id"] for p in paused["items"]] == [plan["id"]]

    assert me.delete(f"/plans/{plan['id']}").status_code == 204
    assert me.get(f"/plans/{plan['id']}").status_code == 404
    assert me.get("/plans").json()["total"] == 1


@sqlite_only
@pytest.mark.parametrize("body, field", [
    ({"name": "x", "status": "DONE"}, "status"),
    ({"name": ""}, "name"),
    ({"name": "x", "targetDurationWeeks": 0}, "targetDurationWeeks"),
    ({"name": "x", "userId": "someone-else"}, "userId"),
    ({}, "name"),
])
def test_bad_plans_are_422(api, body, field):
    r = api.user().post("/plans", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == field


@sqlite_only
def test_a_required_field_cannot_be_patched_to_null(api):
    me = api.user()
    plan = me.post("/plans", json={"name": "P"}).json()
    r = me.patch(f"/plans/{plan['id']}", json={"status": None})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "status"]
    # And the spec says so: the field may be left out, but is not nullable.
    patch = api.client.get("/openapi.json").json()["components"]["schemas"]["PlanPatch"]["properties"]
    assert "null" not in str(patch["status"]) and "null" in str(patch["description"])


def test_attach_copies_the_catalog_exercise_into_the_plan(api):
    me, other = api.user(), api.user()
    plan = me.post("/plans", json={"name": "Push"}).json()
    bench = api.exercise_id(BENCH)
    r = me.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": bench, "defaultSets": 5, "defaultReps": 5})
    assert r.status_code == 201
    copy = r.json()
    assert copy["id"] != bench
    assert (copy["name"], copy["trainingPlanId"], copy["defaultSets"], copy["defaultReps"]) == (BENCH, plan["id"], 5, 5)
    assert me.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": bench}).status_code == 409  # already there

    # The shared catalog row is untouched, and the copy is not in anyone's catalog.
    assert api.sql('SELECT "trainingPlanId", "defaultSets" FROM "Exercise" WHERE id = :id', id=bench)[0] == (None, None)
    assert other.get("/exercises", params={"q": BENCH}).json()["total"] == 1
    assert other.get(f"/exercises/{copy['id']}").status_code == 404
    assert me.get(f"/exercises/{copy['id']}").status_code == 200

    r = me.patch(f"/plans/{plan['id']}/exercises/{copy['id']}", json={"defaultReps": 8})
    assert (r.json()["defaultSets"], r.json()["defaultReps"]) == (5, 8)
    detail = me.get(f"/plans/{plan['id']}").json()
    assert [e["id"] for e in detail["exercises"]] == [copy["id"]]

    assert me.delete(f"/plans/{plan['id']}/exercises/{copy['id']}").status_code == 204
    assert me.get(f"/plans/{plan['id']}/exercises").json() == []
    assert api.sql('SELECT count(*) FROM "Exercise" WHERE id = :id', id=copy["id"])[0][0] == 0


def test_attach_only_takes_catalog_exercises(api):
    me = api.user()
    plan = me.post("/plans", json={"name": "A"}).json()
    other_plan = me.post("/plans", json={"name": "B"}).json()
    copy = me.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": api.exercise_id(SQUAT)}).json()
    r = me.post(f"/plans/{other_plan['id']}/exercises", json={"exerciseId": copy["id"]})
    assert r.status_code == 404 and r.json()["detail"] == "catalog exercise not found"
    assert me.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": "nope"}).status_code == 404


def test_deleting_a_plan_deletes_its_copies_and_keeps_its_reminders(api):
    me = api.user()
    plan = me.post("/plans", json={"name": "Legs"}).json()
    copy = me.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": api.exercise_id(SQUAT)}).json()
    reminder = me.post("/reminders", json={"time": "07:00", "frequency": "DAILY", "trainingPlanId": plan["id"]}).json()
    assert me.delete(f"/plans/{plan['id']}").status_code == 204
    assert api.sql('SELECT count(*) FROM "Exercise" WHERE id = :id', id=copy["id"])[0][0] == 0
    assert me.get(f"/reminders/{reminder['id']}").json()["trainingPlanId"] is None


def test_a_logged_plan_exercise_cannot_be_detached(api):
    me = api.user()
    plan = me.post("/plans", json={"name": "Logged"}).json()
    copy = me.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": api.exercise_id(SQUAT)}).json()
    log = me.post("/logs", json={"exerciseId": copy["id"], "date": "2025-05-01T10:00:00Z", "sets": 3, "reps": 5,
                                 "weight": 100})
    assert log.status_code == 201
    assert me.delete(f"/plans/{plan['id']}/exercises/{copy['id']}").status_code == 409
    r = me.delete(f"/plans/{plan['id']}")
    assert r.status_code == 409 and "archive" in r.json()["detail"]
    assert me.patch(f"/plans/{plan['id']}", json={"status": "ARCHIVED"}).status_code == 200


@sqlite_only
def test_plans_work_at_phase_3_without_exercises(api_at):
    api = api_at(3)
    me = api.user()
    plan = me.post("/plans", json={"name": "Early"}).json()
    assert me.get(f"/plans/{plan['id']}").json()["exercises"] == []
    assert me.delete(f"/plans/{plan['id']}").status_code == 204
