"""Concurrent clients against a real server: writes never fail with "database is locked".

SQLite needs WAL, a busy timeout and BEGIN IMMEDIATE for writing requests
(gaingrid.service.database); without them this test answered 503 for 110 of
its 160 writes. PostgreSQL runs it too, as the reference.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from .conftest import PASSWORD, SQUAT, Api
from .server import served

CLIENTS, WRITES = 4, 40


def _client(base: str, n: int, exercise_id: str) -> list[int]:
    with httpx.Client(base_url=base, timeout=60) as http:
        email = f"writer{n}@example.com"
        assert http.post("/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
        token = http.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["accessToken"]
        http.headers["Authorization"] = f"Bearer {token}"
        created = http.post("/logs", json={"exerciseId": exercise_id, "date": "2025-06-01T10:00:00Z",
                                           "sets": 1, "reps": 1})
        assert created.status_code == 201, created.text
        log_id = created.json()["id"]
        answers = []
        for i in range(WRITES):
            answers.append(http.patch(f"/logs/{log_id}", json={"reps": i + 1, "notes": f"write {i}"}).status_code)
            if i % 4 == 0:  # a read now and then, as a client would
                answers.append(http.get("/logs", params={"limit": 5}).status_code)
        final = http.get(f"/logs/{log_id}").json()
        assert (final["reps"], final["notes"]) == (WRITES, f"write {WRITES - 1}")
        return answers


def test_four_clients_writing_at_once_all_succeed(database):
    url = database(6)
    squat = Api(url, None).exercise_id(SQUAT)  # type: ignore[arg-type]  (SQL only: no client needed)
    with served(url) as base, ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda n: _client(base, n, squat), range(CLIENTS)))
    statuses = [s for answers in results for s in answers]
    assert len(statuses) == CLIENTS * (WRITES + WRITES // 4)
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}

