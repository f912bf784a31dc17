"""What the round-trip tests need: a legacy database with data, snapshots of
every row, and the writes the new app makes into each phase's new structures."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gaingrid.data.demo_data import DemoDataOptions, generate_demo_data
from gaingrid.phases import GAINGRID
from phased.dialects import engines
from phased.lifecycle.commands import Migrator

Snapshot = dict[str, dict[str, dict[str, Any]]]  # table -> id -> column -> value
SMALL = DemoDataOptions(seed=11, users=4, workouts_per_user=6, exercises_per_workout=4, months=2, exercises=60)


def legacy_database(url: str, options: DemoDataOptions = SMALL) -> Migrator:
    migrator = Migrator(GAINGRID, url)
    migrator.up(to=1)
    engine = engines.create_engine(migrator.url)
    try:
        generate_demo_data(engine, options)
    finally:
        engine.dispose()
    return migrator


def engine_for(migrator: Migrator) -> sa.Engine:
    return engines.create_engine(migrator.url)


def snapshot(engine: sa.Engine) -> Snapshot:
    """Every row of every application table, by id, with normalized values."""
    out: Snapshot = {}
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            if name.startswith(("gaingrid_migrate", "sqlite_", "_prisma")):
                continue
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            out[name] = {row["id"]: {k: _norm(v) for k, v in row.items()}
                         for row in conn.execute(sa.select(table)).mappings()}
    return out


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if hasattr(value, "value"):  # an enum member
        return value.value
    return value


def restricted(snap: Snapshot, to: Snapshot) -> Snapshot:
    """`snap` seen through the tables and columns that `to` has."""
    out: Snapshot = {}
    for table, rows in to.items():
        columns = next(iter(rows.values())).keys() if rows else None
        source = snap.get(table, {})
        out[table] = {i: ({c: r[c] for c in columns} if columns else r) for i, r in source.items()}
    return out


def _first_ids(conn: sa.Connection, table: str, n: int) -> list[str]:
    return [r[0] for r in conn.exec_driver_sql(f'SELECT id FROM "{table}" ORDER BY id LIMIT {n}')]


def write_new_app_data(engine: sa.Engine, phase: int) -> None:
    """What the new app writes once `phase` is in place: only into that phase's new structures."""
    ts = datetime(2026, 7, 1, 8, 30, 0, 123000)
    with engine.begin() as conn:
        users = _first_ids(conn, "User", 2)
        if phase == 2:
            conn.execute(sa.text(
                'UPDATE "User" SET timezone = :tz, "lastLogin" = :ts, "isActive" = false, weight = 81.5, '
                'height = 182, "fitnessLevel" = :lvl, goals = :goals WHERE id = :id'),
                [dict(tz="Europe/Berlin", ts=ts, lvl="INTERMEDIATE", goals="Kniebeuge 140 kg 💪", id=users[0]),
                 dict(tz="Asia/Tokyo", ts=ts, lvl="BEGINNER", goals="毎日", id=users[1])])
        elif phase == 3:
            conn.execute(sa.text(
                'INSERT INTO "TrainingPlan" (id, "userId", name, description, status, "targetDurationWeeks", '
                '"createdAt", "updatedAt") VALUES (:id, :u, :n, :d, :s, :w, :ts, :ts)'),
                [dict(id="plan-a", u=users[0], n="Strength block", d="5x5", s="ACTIVE", w=8, ts=ts),
                 dict(id="plan-b", u=users[1], n="Mobilité", d=None, s="PAUSED", w=None, ts=ts)])
            conn.execute(sa.text(
                'INSERT INTO "Reminder" (id, "userId", "trainingPlanId", time, frequency, message, active, '
                '"createdAt", "updatedAt") VALUES (:id, :u, :p, :ts, :f, :m, :a, :ts, :ts)'),
                [dict(id="rem-a", u=users[0], p="plan-a", ts=ts, f="DAILY", m="Train!", a=True),
                 dict(id="rem-b", u=users[1], p=None, ts=ts, f="WEEKLY", m=None, a=False)])
        elif phase == 4:
            exercises = _first_ids(conn, "Exercise", 3)
            conn.execute(sa.text(
                'UPDATE "Exercise" SET "defaultSets" = 3, "defaultReps" = 10, equipment = :eq, '
                '"primaryMuscleGroup" = :m, "otherMuscles" = :o, "durationMinutes" = 5, difficulty = :d, '
                'instructions = :i WHERE id = :id'),
                [dict(eq="barbell", m="quadriceps", o="glutes,hamstrings", d="intermediate", i="Brace — then squat", id=e)
                 for e in exercises])
            conn.execute(sa.text('UPDATE "Exercise" SET "trainingPlanId" = :p WHERE id = :id'),
                         dict(p=_first_ids(conn, "TrainingPlan", 1)[0], id=exercises[0]))
        elif phase == 5:
            exercise = _first_ids(conn, "Exercise", 1)[0]
            conn.execute(sa.text(
                'INSERT INTO "WorkoutLog" (id, "userId", "exerciseId", date, sets, reps, weight, "durationMinutes", '
                'rating, mood, notes, "createdAt", "updatedAt") '
                'VALUES (:id, :u, :e, :ts, 5, 5, 100.25, NULL, :r, :m, :n, :ts, :ts)'),
                [dict(id=f"log-{i}", u=users[i % 2], e=exercise, ts=ts, r=1 + i, m="GOOD", n="neu ✓") for i in range(3)])


def scalar(engine: sa.Engine, query: str):
    with engine.connect() as conn:
        return conn.exec_driver_sql(query).scalar_one()


@contextmanager
def behind_the_sync(conn):
    """Writes that no trigger sees (PostgreSQL: replica mode; SQLite: the triggers set aside and put back)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield
        return
    triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _, sql in triggers:
        conn.exec_driver_sql(sql)


def unenforced(migrator: Migrator, statement: str) -> None:
    """Run `statement` with no trigger and no foreign key in its way (to plant what the app never could)."""
    if migrator.url.get_backend_name() == "sqlite":
        import sqlite3

        writer = sqlite3.connect(migrator.url.database)  # keys are not enforced unless asked for
        try:
            writer.execute(statement)
            writer.commit()
        finally:
            writer.close()
        return
    engine = engines.create_engine(migrator.url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
