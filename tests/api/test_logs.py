"""Workout logs: validation, filters, keyset pages, progress."""
from __future__ import annotations

import pytest

from .conftest import BENCH, SQUAT, sqlite_only


def log(me, exercise: str, date: str, sets: int, reps: int, weight: float | None = None, **more):
    r = me.post("/logs", json={"exerciseId": exercise, "date": date, "sets": sets, "reps": reps, "weight": weight, **more})
    assert r.status_code == 201, r.text
    return r.json()


def test_log_crud(api):
    me = api.user()
    squat = api.exercise_id(SQUAT)
    created = log(me, squat, "2025-05-01T18:30:00+02:00", 5, 5, 102.5, rating=4, mood="GREAT", notes="felt strong")
    assert created["date"] == "2025-05-01T16:30:00+00:00"  # stored and answered in UTC
    assert (created["rating"], created["mood"]) == (4, "GREAT")
    assert me.get(f"/logs/{created['id']}").json() == created

    r = me.patch(f"/logs/{created['id']}", json={"reps": 6, "mood": None, "durationMinutes": 20})
    assert r.status_code == 200
    assert (r.json()["reps"], r.json()["mood"], r.json()["durationMinutes"], r.json()["weight"]) == (6, None, 20, 102.5)
    assert r.json()["updatedAt"] >= created["updatedAt"]

    assert me.delete(f"/logs/{created['id']}").status_code == 204
    assert me.get(f"/logs/{created['id']}").status_code == 404
    assert me.delete(f"/logs/{created['id']}").status_code == 404


@sqlite_only
@pytest.mark.parametrize("change, field", [
    ({"sets": 0}, "sets"), ({"reps": 0}, "reps"), ({"weight": -0.5}, "weight"), ({"rating": 0}, "rating"),
    ({"rating": 6}, "rating"), ({"mood": "MEH"}, "mood"), ({"date": "yesterday"}, "date"),
    ({"date": "0001-01-01T00:00:00+05:00"}, "date"), ({"sets": 10**20}, "sets"), ({"notes": "a\x00b"}, "notes"),
    ({"exerciseId": None}, "exerciseId"), ({"unknown": 1}, "unknown"),
])
def test_bad_logs_are_422_naming_the_field(api, change, field):
    me = api.user()
    body = {"exerciseId": api.exercise_id(SQUAT), "date": "2025-05-01", "sets": 3, "reps": 5, **change}
    r = me.post("/logs", json=body)
    assert r.status_code == 422
    assert [e["loc"][-1] for e in r.json()["detail"]] == [field]


def test_a_log_needs_an_exercise_the_user_may_see(api):
    me, other = api.user(), api.user()
    plan = other.post("/plans", json={"name": "Theirs"}).json()
    theirs = other.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": api.exercise_id(SQUAT)}).json()
    for exercise in ("no-such-exercise", theirs["id"]):
        r = me.post("/logs", json={"exerciseId": exercise, "date": "2025-05-01", "sets": 1, "reps": 1})
        assert r.status_code == 404 and r.json()["detail"] == "exercise not found"


def test_list_filters_by_date_range_and_exercise(api):
    me = api.user()
    squat, bench = api.exercise_id(SQUAT), api.exercise_id(BENCH)
    for day in range(1, 6):
        log(me, squat if day % 2 else bench, f"2025-06-0{day}T10:00:00Z", 3, 5, 60)
    page = me.get("/logs", params={"from": "2025-06-02", "to": "2025-06-04T10:00:00Z"}).json()
    assert [i["date"][:10] for i in page["items"]] == ["2025-06-03", "2025-06-02"]  # to is exclusive
    page = me.get("/logs", params={"exerciseId": bench}).json()
    assert [i["date"][:10] for i in page["items"]] == ["2025-06-04", "2025-06-02"]
    assert page["nextCursor"] is None


def test_keyset_pages_return_every_log_once_newest_first(api):
    me = api.user()
    squat = api.exercise_id(SQUAT)
    ids = [log(me, squat, date, 1, 1, 1)["id"]
           for date in ["2025-01-01T08:00:00Z"] * 4 + ["2025-01-02T08:00:00Z"] * 2 + ["2025-01-03T08:00:00Z"]]
    seen, cursor = [], None
    while True:
        page = me.get("/logs", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sorted(i["id"] for i in seen) == sorted(ids) and len(seen) == 7
    assert [(i["date"], i["id"]) for i in seen] == sorted(((i["date"], i["id"]) for i in seen), reverse=True)


@sqlite_only
@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwgMV0", "!!"])
def test_a_bad_cursor_is_422(api, cursor):
    r = api.user().get("/logs", params={"cursor": cursor})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_progress_per_exercise(api):
    me = api.user(timezone="Asia/Tokyo")
    squat = api.exercise_id(SQUAT)
    log(me, squat, "2025-05-01T01:00:00Z", 3, 5, 100)  # 10:00 JST, May 1
    log(me, squat, "2025-05-01T02:00:00Z", 1, 3, 110)
    log(me, squat, "2025-05-01T20:00:00Z", 5, 5, 100)  # 05:00 JST: May 2 in the user's calendar
    log(me, squat, "2025-05-03T01:00:00Z", 1, 1, 120)
    log(me, squat, "2025-05-04T01:00:00Z", 3, 10)  # no weight: no volume, no record
    log(me, api.exercise_id(BENCH), "2025-05-01T01:00:00Z", 1, 1, 500)  # another exercise

    body = me.get(f"/logs/progress/{squat}").json()
    assert (body["timezone"], body["bucket"], body["truncated"]) == ("Asia/Tokyo", "day", False)
    days = {d["start"]: (d["volume"], d["bestWeight"], d["estimated1RM"]) for d in body["buckets"]}
    assert days == {
        "2025-05-01": (1500 + 330, 110, 121.0),  # Epley: 100 × (1 + 5/30) = 116.67, 110 × (1 + 3/30) = 121
        "2025-05-02": (2500, 100, 116.67),
        "2025-05-03": (120, 120, 120.0),  # a single: its 1RM is its weight, not 124
        "2025-05-04": (0, None, None),
    }
    assert (body["bestWeight"], body["bestEstimated1RM"], body["bestDailyVolume"]) == (120, 121.0, 2500)
    records = [(r["kind"], r["value"], r["date"]) for r in body["personalRecords"]]
    assert records == [
        ("estimated1RM", 116.67, "2025-05-01"), ("estimated1RM", 121.0, "2025-05-01"), ("volume", 1830, "2025-05-01"),
        ("weight", 100, "2025-05-01"), ("weight", 110, "2025-05-01"),
        ("volume", 2500, "2025-05-02"),
        ("weight", 120, "2025-05-03"),
    ]
    ranged = me.get(f"/logs/progress/{squat}", params={"from": "2025-05-02T00:00:00+09:00"}).json()
    assert [d["start"] for d in ranged["buckets"]] == ["2025-05-02", "2025-05-03", "2025-05-04"]
    weekly = me.get(f"/logs/progress/{squat}", params={"bucket": "week"}).json()
    assert [(w["start"], w["logs"], w["volume"]) for w in weekly["buckets"]] == [("2025-04-28", 5, 4450)]  # Mon-Sun
    monthly = me.get(f"/logs/progress/{squat}", params={"bucket": "month"}).json()
    assert [(m["start"], m["logs"], m["estimated1RM"]) for m in monthly["buckets"]] == [("2025-05-01", 5, 121.0)]
    assert weekly["bestDailyVolume"] == 2500  # still a day's
    latest = me.get(f"/logs/progress/{squat}", params={"limit": 2}).json()
    assert ([d["start"] for d in latest["buckets"]], latest["truncated"]) == (["2025-05-03", "2025-05-04"], True)
    assert [(r["kind"], r["date"]) for r in latest["personalRecords"]] == [("weight", "2025-05-03")]
    # Bounds past what UTC can hold (schemathesis sent these) match as the range's edges, not a 422.
    edges = me.get(f"/logs/progress/{squat}", params={"from": "0001-01-01T00:00:47+03:52",
                                                      "to": "9999-12-31T23:00:00-05:00"})
    assert edges.status_code == 200 and edges.json()["buckets"] == body["buckets"]
    assert me.get("/logs", params={"from": "0001-01-01T00:00:47+03:52"}).status_code == 200
    assert me.get("/logs/progress/no-such-exercise").status_code == 404
    assert me.get(f"/logs/progress/{squat}", params={"bucket": "year"}).status_code == 422


def test_progress_counts_logs_against_the_plans_copies_of_the_exercise(api):
    me = api.user()
    squat = api.exercise_id(SQUAT)
    plan = me.post("/plans", json={"name": "Strength"}).json()
    copy = me.post(f"/plans/{plan['id']}/exercises", json={"exerciseId": squat}).json()
    log(me, squat, "2025-05-01T10:00:00Z", 5, 5, 100)
    log(me, copy["id"], "2025-05-02T10:00:00Z", 1, 1, 140)  # a PR logged through the plan
    for exercise in (squat, copy["id"]):
        body = me.get(f"/logs/progress/{exercise}").json()
        assert [d["start"] for d in body["buckets"]] == ["2025-05-01", "2025-05-02"]
        assert body["bestWeight"] == 140
    other = api.user()  # another user's logs never count
    log(other, squat, "2025-05-03T10:00:00Z", 1, 1, 300)
    assert me.get(f"/logs/progress/{squat}").json()["bestWeight"] == 140
