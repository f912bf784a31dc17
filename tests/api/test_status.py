"""GET /status, and endpoints answering 503 (not 500) below the phase they need."""
from __future__ import annotations

import pytest

from .conftest import make_api, sqlite_only


def test_status_at_the_latest_phase_is_ok(api):
    body = api.client.get("/status").json()
    assert body["status"] == "ok"
    assert (body["phase"], body["latestPhase"], body["managed"]) == (6, 6, True)
    assert all(body["features"].values())


@sqlite_only  # the phase logic is the service's; which phases PostgreSQL has is the engine's tests' business
@pytest.mark.parametrize("phase", [1, 3, 5])
def test_status_below_the_latest_phase_announces_maintenance(api_at, phase):
    body = api_at(phase).client.get("/status").json()
    assert body["status"] == "maintenance"
    assert body["phase"] == phase
    assert f"phase {phase}" in body["message"]
    assert body["features"]["logs"] is (phase >= 5)
    assert body["features"]["plans"] is (phase >= 3)
    assert body["features"]["legacyWorkouts"] is True


@sqlite_only
def test_status_on_an_empty_database(api_at):
    api = api_at(0)
    body = api.client.get("/status").json()
    assert (body["status"], body["phase"]) == ("maintenance", 0)
    r = api.client.post("/auth/register", json={"email": "a@example.com", "password": "long enough"})
    assert r.status_code == 503
    assert "gaingrid migrate up" in r.json()["detail"]


@sqlite_only  # dialect-neutral, and costly on PostgreSQL
def test_status_without_a_version_record_identifies_the_phase(api_at):
    api = api_at(3, with_catalog=False)
    api.sql("DELETE FROM gaingrid_migrate_alembic_version")  # as if Prisma made it and nobody ran `gaingrid migrate adopt`
    body = api.client.get("/status").json()
    assert (body["phase"], body["managed"]) == (3, False)


def test_status_when_the_database_is_unreachable():
    operator = "o" * 32
    api = make_api("postgresql://dbuser:pw@127.0.0.1:1/nothing", operator_token=operator)  # nothing listens on port 1
    r = api.client.get("/status")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
    for detail in ("dbuser", "127.0.0.1", ":1", "nothing", "pw"):  # told to an operator only
        assert detail not in r.json()["message"]
    for wrong in ("x" * 32, operator[:-1]):
        assert "dbuser" not in api.client.get("/status", headers={"X-Operator-Token": wrong}).json()["message"]
    told = api.client.get("/status", headers={"X-Operator-Token": operator})
    assert told.status_code == 503 and "postgresql://dbuser:***@127.0.0.1:1/nothing" in told.json()["message"]
    assert "pw" not in told.text  # the password is redacted even then
    assert api.client.get("/me", headers={"Authorization": "Bearer x"}).status_code == 503


@sqlite_only
@pytest.mark.parametrize("phase, method, path, needs", [
    (2, "get", "/plans", "training plans need phase 3"),
    (2, "get", "/reminders", "reminders need phase 3"),
    (3, "get", "/exercises?equipment=barbell", "catalog fields and filters need phase 4"),
    (3, "post", "/plans/x/exercises", "plan exercises need phase 4"),
    (4, "get", "/logs", "workout logs need phase 5"),
    (4, "get", "/logs/progress/x", "workout logs need phase 5"),
])
def test_new_endpoints_below_their_phase_answer_503_saying_why(api_at, phase, method, path, needs):
    api = api_at(phase)
    me = api.user()
    r = getattr(me, method)(path, **({"json": {"exerciseId": "x"}} if method == "post" else {}))
    assert r.status_code == 503
    assert r.json()["detail"].startswith(f"the database is at phase {phase}; {needs}")


def test_openapi_docs_are_served(api):
    assert api.client.get("/docs").status_code == 200
    spec = api.client.get("/openapi.json").json()
    assert {"/status", "/auth/login", "/logs", "/workouts", "/plans", "/reminders", "/exercises"} <= set(spec["paths"])
