"""Kills, terminated sessions and a server crash, at named points, with the app writing:
one plain rerun of the command ends whole every time (the short version of bench/faults.py)."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from gaingrid.data.demo_data import DemoDataOptions
from gaingrid.phases import GAINGRID
from gaingrid.testing import faults, pg_server
from phased.lifecycle.commands import Migrator
from tests.harness import legacy_database

pytestmark = pytest.mark.slow  # the real Prisma app under load, or faults injected into real runs

DATA = DemoDataOptions(seed=9, users=150, workouts_per_user=30, exercises_per_workout=5, months=6, exercises=80)
UP_ARGS = ("--batch-size", "3000")  # a backfill of several batches, so a fault can land inside it


def attempts(run, rounds: int = 5) -> faults.Outcome:
    """Until the fault lands on its point (a short statement is not always seen)."""
    for n in range(rounds):
        outcome = run(n)
        if outcome.reached:
            return outcome
    return outcome


PG_TRIALS = [faults.Trial("up", "sigkill", "backfill batch", 0.05),
             faults.Trial("up", "sigkill", "phase 6 index build", 0.0),
             faults.Trial("up", "terminate", "foreign key validation", 0.0),
             faults.Trial("up", "crash", "backfill batch", 0.05),
             faults.Trial("down", "sigkill", "phase 6 index drop", 0.0)]


def test_postgresql_faults_are_resumed_by_one_rerun():
    with pg_server.running(own=True) as server:  # one trial crashes it
        up_template = pg_server.create_database(server.url, prefix="tpl")
        legacy_database(up_template, DATA)
        outcomes = []
        for trial in PG_TRIALS:
            def run(n: int, trial=trial) -> faults.Outcome:
                url = pg_server.create_database(server.url)
                migrator = legacy_database(url, DATA)
                if trial.command == "down":
                    migrator.up()
                try:
                    return faults.run_trial(url, trial, server=server, seed=n, up_args=UP_ARGS, patience=120)
                finally:
                    pg_server.drop_database(server.url, url)
            outcomes.append(attempts(run))
    assert all(o.reached for o in outcomes), [(o.trial.point, o.detail) for o in outcomes if not o.reached]
    assert all(o.resumed for o in outcomes), [(o.trial, o.detail) for o in outcomes if not o.resumed]


@pytest.mark.parametrize("trial", [faults.Trial("up", "sigkill", "phase 4 table rebuild"),
                                   faults.Trial("up", "sigkill", "backfill"),
                                   faults.Trial("down", "sigkill", "phase 5 down")], ids=lambda t: t.point)
def test_sqlite_kills_are_resumed_by_one_rerun(tmp_path, trial):
    template = tmp_path / "template.db"
    migrator = legacy_database(f"sqlite:///{template}", DATA)
    if trial.command == "down":
        migrator.up()
    timing = faults.timeline(faults.sqlite_copy(template, tmp_path / "timing.db"), trial.command)

    def run(n: int) -> faults.Outcome:
        url = faults.sqlite_copy(template, tmp_path / f"trial{n}.db")
        return faults.run_trial(url, trial, timing=timing, seed=random.Random(n).randrange(1000), patience=120)

    outcome = attempts(run)
    assert outcome.reached, outcome.detail
    assert outcome.resumed, outcome.detail
