"""Reminders: a time of day in the user's timezone, DAILY or WEEKLY."""
from __future__ import annotations

import pytest

from .conftest import sqlite_only


def test_reminder_crud(api):
    me = api.user(timezone="Europe/Berlin")
    plan = me.post("/plans", json={"name": "Plan"}).json()
    r = me.post("/reminders", json={"time": "07:30", "frequency": "WEEKLY", "weekday": "FRIDAY",
                                    "message": "Leg day", "trainingPlanId": plan["id"]})
    assert r.status_code == 201
    reminder = r.json()
    assert (reminder["time"], reminder["weekday"], reminder["active"], reminder["lastSent"]) == \
        ("07:30:00", "FRIDAY", True, None)

    r = me.patch(f"/reminders/{reminder['id']}", json={"frequency": "DAILY", "time": "18:15:00", "active": False})
    assert r.status_code == 200
    assert (r.json()["frequency"], r.json()["weekday"], r.json()["time"], r.json()["active"]) == \
        ("DAILY", None, "18:15:00", False)
    r = me.patch(f"/reminders/{reminder['id']}", json={"frequency": "WEEKLY"})
    assert r.status_code == 409 and "needs a weekday" in r.json()["detail"]  # conflicts with the stored DAILY
    r = me.patch(f"/reminders/{reminder['id']}", json={"frequency": "DAILY", "weekday": "MONDAY"})
    assert r.status_code == 422  # contradicts itself
    r = me.patch(f"/reminders/{reminder['id']}", json={"frequency": "WEEKLY", "weekday": "SUNDAY"})
    assert (r.json()["weekday"], r.json()["time"]) == ("SUNDAY", "18:15:00")

    me.post("/reminders", json={"time": "06:00", "frequency": "DAILY"})
    assert me.get("/reminders").json()["total"] == 2
    assert me.get("/reminders", params={"active": "true"}).json()["total"] == 1
    assert me.delete(f"/reminders/{reminder['id']}").status_code == 204
    assert me.get(f"/reminders/{reminder['id']}").status_code == 404


@sqlite_only
@pytest.mark.parametrize("body, where", [
    ({"time": "07:30", "frequency": "WEEKLY"}, "body"),  # no weekday
    ({"time": "07:30", "frequency": "DAILY", "weekday": "MONDAY"}, "body"),
    ({"time": "07:30+02:00", "frequency": "DAILY"}, "time"),  # a wall-clock time has no offset
    ({"time": "25:00", "frequency": "DAILY"}, "time"),
    ({"time": "07:30", "frequency": "HOURLY"}, "frequency"),
    ({"time": "07:30", "frequency": "DAILY", "message": "x" * 501}, "message"),
])
def test_bad_reminders_are_422(api, body, where):
    r = api.user().post("/reminders", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == where


def test_a_reminder_can_only_name_the_users_own_plan(api):
    me, other = api.user(), api.user()
    theirs = other.post("/plans", json={"name": "Theirs"}).json()
    r = me.post("/reminders", json={"time": "07:00", "frequency": "DAILY", "trainingPlanId": theirs["id"]})
    assert r.status_code == 404 and r.json()["detail"] == "training plan not found"
    mine = me.post("/reminders", json={"time": "07:00", "frequency": "DAILY"}).json()
    assert me.patch(f"/reminders/{mine['id']}", json={"trainingPlanId": theirs["id"]}).status_code == 404
