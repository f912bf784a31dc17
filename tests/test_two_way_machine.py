"""A hypothesis state machine: random writes through both shapes (the legacy app's WorkoutExercise and
Workout, the new app's WorkoutLog), interleaved with ups and downs between phases 4 and 7, on both
databases. After every step: no write is lost (each entry's fields are those of its last write, through
either shape), nothing deleted comes back, and while both shapes exist every log has its entry and
every entry its log, field by field (verify)."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from gaingrid.data.demo_data import DemoDataOptions
from tests.harness import engine_for, legacy_database

pytestmark = pytest.mark.slow  # a database per example, migrated up and down

TINY = DemoDataOptions(seed=3, users=2, workouts_per_user=3, exercises_per_workout=2, months=1, exercises=10)
FIELDS = {"sets": "sets", "reps": "reps", "weight": "weight", "notes": "notes"}  # WorkoutExercise -> WorkoutLog
VALUES = st.fixed_dictionaries({}, optional={"sets": st.integers(1, 9), "reps": st.integers(1, 20),
                                             "weight": st.sampled_from([None, 20.0, 97.5, 150.0]),
                                             "notes": st.sampled_from([None, "", "x", "Größe ✓"])})
DATES = ["2025-06-01 07:00:00", "2025-06-02 07:00:00", "2025-06-09 18:30:00"]
counter = itertools.count()


def machine_for(url_of):
    class TwoWay(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.url = url_of()
            self.migrator = legacy_database(self.url, TINY)
            self.migrator.up(to=5)
            self.phase = 5
            self.engine = engine_for(self.migrator)
            self.expected: dict[str, dict] = {}  # entry id -> field -> value of its last write
            self.deleted: set[str] = set()
            rows = self.sql('SELECT id, sets, reps, weight, notes FROM "WorkoutExercise"')
            self.expected = {r[0]: dict(zip(FIELDS, r[1:])) for r in rows}
            self.users = [r[0] for r in self.sql('SELECT id FROM "User"')]
            self.exercise = self.sql('SELECT id FROM "Exercise" ORDER BY id LIMIT 1')[0][0]

        def teardown(self):
            if hasattr(self, "engine"):
                self.engine.dispose()

        def sql(self, query: str, **params):
            with self.engine.begin() as conn:
                result = conn.execute(sa.text(query), params)
                return list(result) if result.returns_rows else []

        def some(self, data, where: str = "") -> str | None:
            live = sorted(self.expected)
            return data.draw(st.sampled_from(live)) if live else None

        # -- the legacy app (while WorkoutExercise exists) ------------------------------------
        @precondition(lambda self: self.phase <= 6)
        @rule(data=st.data(), values=VALUES)
        def legacy_edits_an_entry(self, data, values):
            entry = self.some(data)
            if entry is None or not values:
                return
            sets = ", ".join(f'"{c}" = :{c}' for c in values)
            self.sql(f'UPDATE "WorkoutExercise" SET {sets}, "updatedAt" = CURRENT_TIMESTAMP WHERE id = :id',
                     id=entry, **values)
            self.expected[entry].update(values)

        @precondition(lambda self: self.phase <= 6)
        @rule(data=st.data())
        def legacy_adds_an_entry(self, data):
            workout = data.draw(st.sampled_from([r[0] for r in self.sql('SELECT id FROM "Workout" ORDER BY id')]))
            entry = f"legacy-{next(counter)}"
            self.sql('INSERT INTO "WorkoutExercise" (id, "workoutId", "exerciseId", sets, reps, "createdAt", '
                     '"updatedAt") VALUES (:id, :w, :e, 3, 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)',
                     id=entry, w=workout, e=self.exercise)
            self.expected[entry] = {"sets": 3, "reps": 5, "weight": None, "notes": None}

        @precondition(lambda self: self.phase <= 6)
        @rule(data=st.data())
        def legacy_deletes_an_entry(self, data):
            entry = self.some(data)
            if entry is not None:
                self.sql('DELETE FROM "WorkoutExercise" WHERE id = :id', id=entry)
                self.deleted.add(entry)
                del self.expected[entry]

        @precondition(lambda self: self.phase <= 6)
        @rule(data=st.data(), date=st.sampled_from(DATES))
        def legacy_moves_a_workout(self, data, date):
            workout = data.draw(st.sampled_from([r[0] for r in self.sql('SELECT id FROM "Workout" ORDER BY id')]))
            self.sql('UPDATE "Workout" SET date = :d, "updatedAt" = CURRENT_TIMESTAMP WHERE id = :id', d=date, id=workout)

        # -- the new app (from phase 5) --------------------------------------------------------
        @precondition(lambda self: self.phase >= 5)
        @rule(data=st.data(), values=VALUES, rating=st.sampled_from([None, 1, 5]))
        def new_app_edits_a_log(self, data, values, rating):
            entry = self.some(data)
            if entry is None:
                return
            sets = "".join(f', "{FIELDS[c]}" = :{c}' for c in values)
            self.sql(f'UPDATE "WorkoutLog" SET rating = :rating{sets}, "updatedAt" = CURRENT_TIMESTAMP '
                     'WHERE id = :id', id=entry, rating=rating, **values)
            self.expected[entry].update(values)

        @precondition(lambda self: self.phase >= 5)
        @rule(data=st.data(), date=st.sampled_from(DATES))
        def new_app_logs_a_set(self, data, date):
            log = f"new-{next(counter)}"
            self.sql('INSERT INTO "WorkoutLog" (id, "userId", "exerciseId", date, sets, reps, "createdAt", "updatedAt") '
                     "VALUES (:id, :u, :e, :d, 2, 8, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                     id=log, u=data.draw(st.sampled_from(self.users)), e=self.exercise, d=date)
            self.expected[log] = {"sets": 2, "reps": 8, "weight": None, "notes": None}

        @precondition(lambda self: self.phase >= 5)
        @rule(data=st.data(), date=st.sampled_from(DATES))
        def new_app_moves_a_log(self, data, date):
            entry = self.some(data)
            if entry is not None:
                self.sql('UPDATE "WorkoutLog" SET date = :d WHERE id = :id', d=date, id=entry)

        @precondition(lambda self: self.phase >= 5)
        @rule(data=st.data())
        def new_app_deletes_a_log(self, data):
            entry = self.some(data)
            if entry is not None:
                self.sql('DELETE FROM "WorkoutLog" WHERE id = :id', id=entry)
                self.deleted.add(entry)
                del self.expected[entry]

        # -- the migration ---------------------------------------------------------------------
        @rule(to=st.sampled_from([4, 5, 6, 7]))
        def migrate(self, to):
            if to > self.phase:
                self.migrator.up(to=to)
            elif to < self.phase:
                self.migrator.down(to=to)
            self.phase = to

        # -- what must hold after every step ---------------------------------------------------
        @invariant()
        def nothing_lost_and_nothing_back(self):
            if not hasattr(self, "migrator"):
                return
            table, columns = ("WorkoutLog", FIELDS.values()) if self.phase == 7 else ("WorkoutExercise", FIELDS)
            rows = {r[0]: dict(zip(FIELDS, r[1:]))
                    for r in self.sql(f'SELECT id, {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} FROM "{table}"')}
            assert rows == self.expected
            assert not self.deleted & set(rows)
            if self.phase >= 5:
                logs = {r[0] for r in self.sql('SELECT id FROM "WorkoutLog"')}
                assert logs == set(self.expected)

        @invariant()
        def both_shapes_agree(self):
            if hasattr(self, "migrator") and self.phase in (5, 6):
                checks = self.migrator.verify(strict=False, ).checks
                assert [c.name for c in checks if not (c.ok or c.warning)] == []

    return TwoWay


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_random_writes_through_both_shapes_with_ups_and_downs(db, request, tmp_path_factory):
    if db == "sqlite":
        url_of = lambda: f"sqlite:///{tmp_path_factory.mktemp('machine')}/gaingrid.db"  # noqa: E731
    else:
        from gaingrid.testing import pg_server

        admin = request.getfixturevalue("pg_admin_url")
        url_of = lambda: pg_server.create_database(admin)  # noqa: E731
    machine = machine_for(url_of)
    machine.TestCase.settings = settings(max_examples=6, stateful_step_count=12, deadline=None,
                                         suppress_health_check=list(HealthCheck))
    machine.TestCase().runTest()
