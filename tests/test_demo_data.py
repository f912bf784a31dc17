from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

import pytest
import sqlalchemy as sa

from gaingrid.data import demo_pools
from gaingrid.data.demo_data import (
    COLUMNS,
    TABLES,
    DemoDataCounts,
    DemoDataOptions,
    generate_demo_data,
)
from gaingrid.phases import GAINGRID
from gaingrid.testing import pg_server
from phased.lifecycle.commands import Migrator

SMALL = DemoDataOptions(seed=7, users=6, workouts_per_user=15, exercises_per_workout=4,
                        months=3, exercises=150)

def create_legacy_schema(url: str) -> None:
    """The empty legacy (phase 1) schema, as Prisma made it."""
    Migrator(GAINGRID, url).up(to=1)


@pytest.fixture
def new_db(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Factory of further fresh legacy databases of the same kind as db_url."""
    made: list[str] = []

    def make() -> str:
        if db_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / f'extra{len(made)}.db'}"
        else:
            url = pg_server.create_database(request.getfixturevalue("pg_admin_url"))
        made.append(url)
        create_legacy_schema(url)
        return url

    yield make
    for url in made:
        if url.startswith("postgresql"):
            pg_server.drop_database(request.getfixturevalue("pg_admin_url"), url)


@pytest.fixture
def legacy_url(db_url: str) -> str:
    create_legacy_schema(db_url)
    return db_url


def _normalize(value):
    if hasattr(value, "strftime"):  # PostgreSQL datetimes vs SQLite's stored text
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table's rows as plain values, in id order (collation-independent)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in TABLES:
                cols = ", ".join(f'"{c}"' for c in COLUMNS[table])
                rows = conn.exec_driver_sql(f'SELECT {cols} FROM "{table}"').all()
                out[table] = sorted(tuple(_normalize(v) for v in row) for row in rows)
            return out
    finally:
        engine.dispose()


def generate(url: str, options: DemoDataOptions = SMALL, progress=None) -> DemoDataCounts:
    engine = sa.create_engine(url)
    try:
        return generate_demo_data(engine, options, progress)
    finally:
        engine.dispose()


def test_counts_references_and_progress(legacy_url: str) -> None:
    calls: list[tuple[str, int, int]] = []
    counts = generate(legacy_url, progress=lambda *a: calls.append(a))
    data = dump(legacy_url)
    assert counts == DemoDataCounts(len(data["User"]), len(data["Workout"]), len(data["Exercise"]),
                                    len(data["WorkoutExercise"]))
    assert counts.users == 6 and counts.exercises == 150
    assert 40 <= counts.workouts <= 140 and counts.workout_exercises > 2 * counts.workouts
    user_ids = {r[0] for r in data["User"]}
    workout_ids = {r[0] for r in data["Workout"]}
    exercise_ids = {r[0] for r in data["Exercise"]}
    assert all(r[1] in user_ids for r in data["Workout"])
    assert all(r[1] in workout_ids and r[2] in exercise_ids for r in data["WorkoutExercise"])
    last = {table: (done, total) for table, done, total in calls}
    assert last == {"User": (6, 6), "Exercise": (150, 150), "Workout": (counts.workouts,) * 2,
                    "WorkoutExercise": (counts.workout_exercises,) * 2}


def test_same_seed_same_rows_other_seed_other_rows(legacy_url: str, new_db) -> None:
    generate(legacy_url)
    again, other = new_db(), new_db()
    generate(again)
    generate(other, DemoDataOptions(**{**SMALL.__dict__, "seed": 8}))
    first = dump(legacy_url)
    assert dump(again) == first
    different = dump(other)
    for table in TABLES:
        assert different[table] != first[table]


def test_sqlite_and_postgresql_get_identical_rows(sqlite_url: str, pg_url: str) -> None:
    for url in (sqlite_url, pg_url):
        create_legacy_schema(url)
        generate(url)
    assert dump(sqlite_url) == dump(pg_url)


def test_sqlite_timestamps_are_stored_as_sqlalchemy_does(sqlite_url: str) -> None:
    create_legacy_schema(sqlite_url)
    generate(sqlite_url)
    engine = sa.create_engine(sqlite_url)
    raw_format = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}000")
    workout = sa.table("Workout", sa.column("date", sa.DateTime), sa.column("createdAt", sa.DateTime))
    with engine.connect() as conn:
        texts = conn.exec_driver_sql('SELECT "date", "createdAt", typeof("createdAt") FROM "Workout"').all()
        parsed = conn.execute(sa.select(workout.c.date, workout.c.createdAt)).all()
    engine.dispose()
    assert all(raw_format.fullmatch(d) and raw_format.fullmatch(c) and t == "text" for d, c, t in texts)
    assert [(str(d), str(c)) for d, c in parsed] == [(d.replace(".000000", ""), c) for d, c, _ in texts]


def test_unicode_text_round_trips(legacy_url: str) -> None:
    generate(legacy_url, DemoDataOptions(**{**SMALL.__dict__, "users": 12}))
    data = dump(legacy_url)
    set_notes = [r[7] for r in data["WorkoutExercise"] if r[7] is not None]
    workout_notes = [r[4] for r in data["Workout"] if r[4] is not None]
    # Anything mangled on the way would no longer be one of the pool's strings.
    assert set(set_notes) <= set(demo_pools.SET_NOTES)
    assert set(workout_notes) <= set(demo_pools.WORKOUT_NOTES)
    assert any(not n.isascii() for n in set_notes)
    assert any(not n.isascii() for n in workout_notes)
    names = [r[2] for r in data["User"] if r[2]]
    assert all(n.split(" ")[0] in demo_pools.FIRST_NAMES for n in names)


def test_ids_are_unique_cuids_in_creation_order(legacy_url: str) -> None:
    generate(legacy_url)
    data = dump(legacy_url)
    all_ids = [r[0] for table in TABLES for r in data[table]]
    assert len(all_ids) == len(set(all_ids))
    assert all(re.fullmatch(r"c[0-9a-z]{24}", i) for i in all_ids)
    for table in TABLES:
        created = [r[COLUMNS[table].index("createdAt")] for r in data[table]]  # rows are in id order
        assert created == sorted(created)


def test_values_are_plausible(legacy_url: str) -> None:
    generate(legacy_url)
    data = dump(legacy_url)
    category = {r[0]: r[3] for r in data["Exercise"]}
    assert len({r[1] for r in data["User"]}) == len(data["User"])
    assert all(r[3].startswith("$2b$10$") and len(r[3]) == 60 for r in data["User"])
    assert all("2026-03-01" <= r[3] < "2026-06-01" for r in data["Workout"])
    for table in TABLES:
        c, u = COLUMNS[table].index("createdAt"), COLUMNS[table].index("updatedAt")
        assert all(r[c] <= r[u] <= "2026-06-01 00:00:00.000000" for r in data[table])
    for _id, _w, ex, sets, reps, weight, time, _n, _c, _u in data["WorkoutExercise"]:
        assert 1 <= sets <= 6 and 1 <= reps <= 20
        assert weight is None or (weight > 0 and weight * 4 == int(weight * 4))
        if category[ex] in ("CARDIO", "FLEXIBILITY"):
            assert weight is None and time is not None and time > 0
    weights = [r[5] for r in data["WorkoutExercise"]]
    assert any(w is None for w in weights) and any(w is not None for w in weights)


def test_refuses_a_database_that_has_rows(legacy_url: str) -> None:
    generate(legacy_url)
    before = dump(legacy_url)
    with pytest.raises(ValueError, match="already hold rows"):
        generate(legacy_url)
    assert dump(legacy_url) == before


def test_refuses_when_any_table_has_a_row(legacy_url: str) -> None:
    engine = sa.create_engine(legacy_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            """INSERT INTO "Exercise" ("id", "name", "category", "updatedAt")
               VALUES ('cexisting0000000000000000', 'Squat', 'STRENGTH', '2026-01-01 00:00:00')""")
    engine.dispose()
    with pytest.raises(ValueError, match="Exercise"):
        generate(legacy_url)
    data = dump(legacy_url)
    assert [len(data[t]) for t in TABLES] == [0, 1, 0, 0]


@pytest.mark.parametrize("bad", [
    {"users": 0}, {"workouts_per_user": -1}, {"exercises_per_workout": 0}, {"months": 0},
    {"exercises": 0}, {"exercises": 10_000}, {"users": 2.5}, {"seed": "x"},
])
def test_rejects_bad_options(legacy_url: str, bad: dict) -> None:
    with pytest.raises(ValueError, match="demo data option"):
        generate(legacy_url, DemoDataOptions(**{**SMALL.__dict__, **bad}))
    assert all(rows == [] for rows in dump(legacy_url).values())


def _foreign_keys(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated
               FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2""").all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_postgresql_foreign_keys_survive_the_bulk_load(pg_url: str) -> None:
    create_legacy_schema(pg_url)
    before = _foreign_keys(pg_url)
    assert len(before) == 3
    generate(pg_url)
    assert _foreign_keys(pg_url) == before
    # Refused after the FKs were dropped: rolled back, even on an AUTOCOMMIT engine.
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with pytest.raises(ValueError):
        generate_demo_data(engine, SMALL)
    engine.dispose()
    assert _foreign_keys(pg_url) == before
