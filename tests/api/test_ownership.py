"""Every resource belongs to one user: for anyone else it does not exist (404), and nothing of it leaks."""
from __future__ import annotations

from .conftest import SQUAT

SECRET_TEXT = "alice-private-note"


def alices_world(api):
    alice = api.user(timezone="Europe/Berlin")
    squat = api.exercise_id(SQUAT)
    plan = alice.post("/plans", json={"name": SECRET_TEXT, "description": SECRET_TEXT}).json()
    copy = alice.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": squat, "defaultSets": 5}).json()
    reminder = alice.post("/reminders", json={"time": "07:00", "frequency": "DAILY", "message": SECRET_TEXT,
                                              "trainingPlanId": plan["id"]}).json()
    log = alice.post("/logs", json={"exerciseId": copy["id"], "date": "2025-05-01", "sets": 3, "reps": 5,
                                    "weight": 100, "notes": SECRET_TEXT}).json()
    workout = alice.post("/workouts", json={"date": "2025-05-02", "notes": SECRET_TEXT, "exercises": [
        {"exerciseId": squat, "sets": 1, "reps": 1, "notes": SECRET_TEXT}]}).json()
    ids = {"plan": plan["id"], "copy": copy["id"], "reminder": reminder["id"], "log": log["id"],
           "workout": workout["id"], "entry": workout["exercises"][0]["id"], "squat": squat}
    return alice, ids


def attempts(ids: dict[str, str]) -> list[tuple[str, str, dict | None]]:
    """Everything Bob might try on Alice's things."""
    i = ids
    return [
        ("get", f"/plans/{i['plan']}", None),
        ("patch", f"/plans/{i['plan']}", {"name": "mine now"}),
        ("delete", f"/plans/{i['plan']}", None),
        ("get", f"/plans/{i['plan']}/exercises", None),
        ("post", f"/plans/{i['plan']}/exercises", {"exerciseId": i["squat"]}),
        ("patch", f"/plans/{i['plan']}/exercises/{i['copy']}", {"defaultSets": 1}),
        ("delete", f"/plans/{i['plan']}/exercises/{i['copy']}", None),
        ("get", f"/exercises/{i['copy']}", None),
        ("get", f"/reminders/{i['reminder']}", None),
        ("patch", f"/reminders/{i['reminder']}", {"message": "mine now"}),
        ("delete", f"/reminders/{i['reminder']}", None),
        ("post", "/reminders", {"time": "07:00", "frequency": "DAILY", "trainingPlanId": i["plan"]}),
        ("get", f"/logs/{i['log']}", None),
        ("patch", f"/logs/{i['log']}", {"sets": 1}),
        ("delete", f"/logs/{i['log']}", None),
        ("post", "/logs", {"exerciseId": i["copy"], "date": "2025-05-01", "sets": 1, "reps": 1}),
        ("get", f"/logs/progress/{i['copy']}", None),
        ("get", f"/workouts/{i['workout']}", None),
        ("patch", f"/workouts/{i['workout']}", {"notes": "mine now"}),
        ("delete", f"/workouts/{i['workout']}", None),
        ("post", f"/workouts/{i['workout']}/exercises", {"exerciseId": i["squat"], "sets": 1, "reps": 1}),
        ("patch", f"/workouts/{i['workout']}/exercises/{i['entry']}", {"sets": 2}),
        ("delete", f"/workouts/{i['workout']}/exercises/{i['entry']}", None),
        ("post", "/workouts", {"date": "2025-05-01", "exercises": [{"exerciseId": i["copy"], "sets": 1, "reps": 1}]}),
    ]


def test_another_users_resources_answer_404_and_leak_nothing(api):
    alice, ids = alices_world(api)
    bob = api.user()
    before = snapshot(alice, ids)
    for method, path, body in attempts(ids):
        r = getattr(bob, method)(path, **({"json": body} if body is not None else {}))
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert SECRET_TEXT not in r.text
    assert snapshot(alice, ids) == before  # nothing of Alice's changed

    for path in ("/plans", "/reminders", "/logs", "/workouts"):
        r = bob.get(path)
        assert r.status_code == 200 and r.json()["items"] == [] and SECRET_TEXT not in r.text
    assert bob.get("/exercises", params={"q": SQUAT}).json()["total"] == 1  # the catalog row; no plan's copy


def snapshot(alice, ids: dict[str, str]) -> list:
    return [alice.get(path).json() for path in (
        f"/plans/{ids['plan']}", f"/reminders/{ids['reminder']}", f"/logs/{ids['log']}", f"/workouts/{ids['workout']}")]
