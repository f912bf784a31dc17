"""Sample queries as checks: phase 6 declares the app queries its indexes exist for, and its checks
run them with EXPLAIN on the migrated database."""
from __future__ import annotations

import pytest

from phased.dialects import engines
from tests.harness import legacy_database

QUERIES = {"/logs by user and date": "WorkoutLog_userId_date_idx",
           "/logs/progress by exercise": "WorkoutLog_exerciseId_idx",
           "/plans by status": "TrainingPlan_userId_status_idx"}


def _sample_checks(result) -> dict:
    return {c.name.removeprefix("sample query: "): c for c in result.checks if c.name.startswith("sample query: ")}


def test_the_app_queries_use_phase_6s_indexes_and_a_dropped_index_fails_its_check(db_url):
    migrator = legacy_database(db_url)
    migrator.up()  # phase 6's own verification runs them: up would fail if one did not hold
    checks = _sample_checks(migrator.verify())
    assert {name: c.ok for name, c in checks.items()} == {name: True for name in QUERIES}
    assert all(f"uses {QUERIES[name]}" in c.detail for name, c in checks.items())

    engine = engines.create_engine(migrator.url)
    with engine.begin() as conn:
        conn.exec_driver_sql('DROP INDEX "WorkoutLog_userId_date_idx"')
    engine.dispose()
    result = migrator.verify()
    assert not result.ok
    checks = _sample_checks(result)
    failed = checks["/logs by user and date"]
    assert not failed.ok and "does not use WorkoutLog_userId_date_idx" in failed.detail
    assert checks["/plans by status"].ok and checks["/logs/progress by exercise"].ok
