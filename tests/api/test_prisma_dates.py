"""Dates as Prisma writes them on SQLite: integer milliseconds, ISO-8601 text with T and Z, any fraction.

The rows are written with SQL, as the Prisma app would, into a database the
API serves; every endpoint that reads them must answer the same instants,
and keyset paging must return every row exactly once in order.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from gaingrid.service.dates import EPOCH, read_stored

from .conftest import SQUAT, sqlite_only

INSTANT = datetime(2025, 6, 5, 16, 22, 0, 123000)


def formats(at: datetime) -> list:
    """One instant in each way it may be stored."""
    ms = (at - EPOCH) // timedelta(milliseconds=1)
    return [
        ms,  # Prisma's native SQLite connector
        at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",  # Prisma's driver adapters
        at.strftime("%Y-%m-%d %H:%M:%S.%f"),  # SQLAlchemy
        at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],  # three digits
        at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00",
    ]


@pytest.mark.parametrize("stored", formats(INSTANT) + ["2025-06-05T18:22:00.123+02:00"])
def test_every_stored_format_reads_as_the_same_instant(stored):
    assert read_stored(stored) == INSTANT


def test_an_unreadable_stored_date_says_so():
    with pytest.raises(ValueError, match="unreadable stored date-time 'soon'"):
        read_stored("soon")


@sqlite_only
def test_endpoints_read_prisma_dates(api_at):
    api = api_at(6)
    me = api.user()
    squat = api.exercise_id(SQUAT)
    for i, stored in enumerate(formats(INSTANT)):
        api.sql('INSERT INTO "Workout" (id, "userId", name, date, "createdAt", "updatedAt") '
                "VALUES (:id, :u, 'Prisma', :d, :d, :d)", id=f"w{i}", u=me.id, d=stored)
        api.sql('INSERT INTO "WorkoutExercise" (id, "workoutId", "exerciseId", sets, reps, "createdAt", "updatedAt") '
                "VALUES (:id, :w, :e, 3, 5, :d, :d)", id=f"we{i}", w=f"w{i}", e=squat, d=stored)
        api.sql('INSERT INTO "WorkoutLog" (id, "userId", "exerciseId", date, sets, reps, weight, "createdAt", '
                '"updatedAt") VALUES (:id, :u, :e, :d, 3, 5, 100, :d, :d)', id=f"log{i}", u=me.id, e=squat, d=stored)
        api.sql('INSERT INTO "TrainingPlan" (id, "userId", name, "createdAt", "updatedAt") '
                "VALUES (:id, :u, 'Plan', :d, :d)", id=f"p{i}", u=me.id, d=stored)
        api.sql('INSERT INTO "Reminder" (id, "userId", time, frequency, "lastSent", active, "createdAt", "updatedAt") '
                "VALUES (:id, :u, :d, 'DAILY', :d, true, :d, :d)", id=f"r{i}", u=me.id, d=stored)
    expected = "2025-06-05T16:22:00.123000+00:00"
    n = len(formats(INSTANT))
    # The sync triggers (phase 5 on) mirror each WorkoutExercise row into WorkoutLog, dates as stored.
    for path, count in (("/workouts", n), ("/logs", 2 * n), ("/plans", n), ("/reminders", n)):
        r = me.get(path)
        assert r.status_code == 200, (path, r.text)
        assert len(r.json()["items"]) == count
    assert {w["date"] for w in me.get("/workouts").json()["items"]} == {expected}
    assert {e["createdAt"] for w in me.get("/workouts").json()["items"] for e in w["exercises"]} == {expected}
    assert {i["date"] for i in me.get("/logs").json()["items"]} == {expected}
    assert {p["createdAt"] for p in me.get("/plans").json()["items"]} == {expected}
    assert {(r["time"], r["lastSent"]) for r in me.get("/reminders").json()["items"]} == {("16:22:00", expected)}
    for i in range(n):
        assert me.get(f"/workouts/w{i}").json()["date"] == expected
        assert me.get(f"/logs/log{i}").json()["date"] == expected
        assert me.get(f"/reminders/r{i}").status_code == 200
    progress = me.get(f"/logs/progress/{squat}").json()
    assert [(d["start"], d["logs"]) for d in progress["buckets"]] == [("2025-06-05", 2 * n)]
    ranged = me.get("/logs", params={"from": "2025-06-05T16:22:00.123Z", "to": "2025-06-05T16:22:00.124Z"}).json()
    assert len(ranged["items"]) == 2 * n  # the range filter compares instants, not stored text
    assert me.get("/logs", params={"to": "2025-06-05T16:22:00.123Z"}).json()["items"] == []


@sqlite_only
def test_keyset_paging_is_exact_whatever_the_stored_format(api_at):
    api = api_at(6)
    me = api.user()
    squat = api.exercise_id(SQUAT)
    rng = random.Random(7)
    start = datetime(2025, 1, 1)
    rows = []
    for i in range(600):
        # Few distinct instants, so that many rows tie on the date and the id must break the tie.
        at = start + timedelta(minutes=rng.randrange(40), milliseconds=rng.choice((0, 1, 10, 999)))
        stored = rng.choice(formats(at))
        rows.append({"id": f"l{i:04d}", "u": me.id, "e": squat, "d": stored})
    engine = api.engine()
    with engine.begin() as conn:
        conn.exec_driver_sql('INSERT INTO "WorkoutLog" (id, "userId", "exerciseId", date, sets, reps, "createdAt", '
                             '"updatedAt") VALUES (?, ?, ?, ?, 1, 1, ?, ?)',
                             [(r["id"], r["u"], r["e"], r["d"], r["d"], r["d"]) for r in rows])
    engine.dispose()
    seen, cursor = [], None
    while True:
        page = me.get("/logs", params={"limit": 37, **({"cursor": cursor} if cursor else {})}).json()
        seen += [(datetime.fromisoformat(i["date"]), i["id"]) for i in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == len(rows) and {i for _, i in seen} == {r["id"] for r in rows}
    assert seen == sorted(seen, reverse=True)  # newest first, ties by id
