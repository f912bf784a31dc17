"""The migration toolkit on a SQLite database whose dates Prisma wrote (issue 11, item 4).

Prisma's native SQLite connector stores DateTime as integer milliseconds, its
driver adapters as ISO-8601 text with T and Z. The backfill, the sync
triggers, verify and the fingerprints work on stored values as they are, so
they keep and compare these exactly; the models read every format as naive
UTC (gaingrid.models.dates), through the toolkit's engine and the service's.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gaingrid.models import Workout, WorkoutLog
from gaingrid.service.dates import read_stored
from phased.dialects import engines
from tests.harness import legacy_database

MS = 1717603320123  # 2024-06-05 16:02:00.123 UTC
ISO = "2024-06-05T16:02:00.123Z"
INSTANT = datetime(2024, 6, 5, 16, 2, 0, 123000)


@pytest.fixture
def prisma_dated(sqlite_url: str):
    """A legacy database whose first workouts and entries carry Prisma's two SQLite date formats."""
    migrator = legacy_database(sqlite_url)
    conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    first, second = [r[0] for r in conn.execute('SELECT id FROM "Workout" ORDER BY id LIMIT 2')]
    conn.execute('UPDATE "Workout" SET date = ?, "createdAt" = ? WHERE id = ?', (MS, MS, first))
    conn.execute('UPDATE "Workout" SET date = ?, "createdAt" = ? WHERE id = ?', (ISO, ISO, second))
    conn.execute('UPDATE "WorkoutExercise" SET "createdAt" = ?, "updatedAt" = ? WHERE "workoutId" = ?',
                 (MS, ISO, first))
    conn.commit()
    conn.close()
    return migrator, first, second


def test_backfill_sync_and_verify_keep_prisma_dates_as_stored(prisma_dated):
    migrator, first, second = prisma_dated
    migrator.up()
    assert migrator.verify().ok
    conn = sqlite3.connect(migrator.url.database)
    for workout, stored in ((first, MS), (second, ISO)):
        rows = conn.execute('SELECT l.date, w.date FROM "WorkoutLog" l JOIN "WorkoutExercise" e ON e.id = l.id '
                            'JOIN "Workout" w ON w.id = e."workoutId" WHERE w.id = ?', (workout,)).fetchall()
        assert rows and all(log == source == stored for log, source in rows)  # copied as stored, type included
        assert read_stored(rows[0][0]) == INSTANT
    # A later write by a Prisma app through the sync trigger: copied as written too.
    conn.execute('UPDATE "Workout" SET date = ? WHERE id = ?', (MS + 1000, second))
    conn.commit()
    moved = {r[0] for r in conn.execute('SELECT l.date FROM "WorkoutLog" l JOIN "WorkoutExercise" e ON e.id = l.id '
                                        'WHERE e."workoutId" = ?', (second,))}
    conn.close()
    assert moved == {MS + 1000}


def test_models_read_prisma_dates_through_the_toolkits_engine(prisma_dated):
    migrator, first, second = prisma_dated
    migrator.up()
    engine = engines.create_engine(migrator.url)
    try:
        with Session(engine) as session:
            iso = session.get(Workout, second)
            assert (iso.date, iso.date.tzinfo) == (INSTANT, None)
            assert session.get(Workout, first).date == INSTANT
            assert {log.date for log in session.scalars(sa.select(WorkoutLog))} >= {INSTANT}
    finally:
        engine.dispose()
