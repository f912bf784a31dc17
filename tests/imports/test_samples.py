"""The real Strong and Hevy samples: imported whole, verified, idempotent, and a fixed point with the export."""
from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa

from gaingrid.service.imports.matching import PLAN_NAME

from .conftest import HEVY_SAMPLE, STRONG_SAMPLE

SAMPLES = [("strong", STRONG_SAMPLE, 250, 15), ("hevy", HEVY_SAMPLE, 7211, 335)]


@pytest.mark.parametrize("app, path, rows, sessions", SAMPLES, ids=["strong", "hevy"])
def test_a_sample_imports_whole_with_a_clean_verification(account, app, path, rows, sessions):
    report = account.import_(app, path)
    assert (report.rows, report.imported, report.present, report.quarantined) == (rows, rows, 0, 0)
    assert (report.sessions, report.new_sessions, report.verified) == (sessions, sessions, rows)
    assert report.reconciled and report.clean and report.kept == []
    assert len(account.logs()) == rows
    assert {r.sets for r in account.logs()} == {1}  # one log per set: nothing averaged away
    workouts = account.sql('SELECT count(*) FROM "Workout" WHERE "userId" = :u', u=account.user["id"])
    assert workouts[0][0] == sessions
    names = {row["Exercise Name" if app == "strong" else "exercise_title"]
             for row in csv.DictReader(path.open(encoding="utf-8-sig"))}
    assert {m.source for m in report.mappings} == names  # the match report lists every mapping
    assert sum(m.sets for m in report.mappings) == rows


@pytest.mark.parametrize("app, path, rows, sessions", SAMPLES, ids=["strong", "hevy"])
def test_importing_the_same_file_again_adds_nothing(account, app, path, rows, sessions):
    account.import_(app, path)
    before = account.counts()
    again = account.import_(app, path)
    assert (again.imported, again.present, again.quarantined, again.new_sessions) == (0, rows, 0, 0)
    assert again.clean
    assert account.counts() == before


def test_export_then_import_is_a_fixed_point(account):
    account.import_("strong", STRONG_SAMPLE)
    account.import_("hevy", HEVY_SAMPLE)
    before = account.counts()
    exported = account.export()

    back = account.import_("strong", exported.encode())
    assert (back.imported, back.quarantined, back.present) == (0, 0, 7211 + 250)
    assert back.clean, back.kept[:3]
    assert account.counts() == before

    other = account.another()
    into_other = other.import_("strong", exported.encode())
    assert (into_other.imported, into_other.quarantined) == (7211 + 250, 0) and into_other.clean
    assert other.export() == exported


def test_set_order_type_and_rpe_are_in_the_notes(account):
    account.import_("hevy", HEVY_SAMPLE)
    curls = [r for r in account.logs() if r.exercise == "Seated Leg Curl" and r.date.isoformat().startswith("2025-09-15")]
    assert [(r.notes, r.weight, r.reps) for r in curls] == [
        ("[gg ex=1 set=1 type=warmup rpe=6]", 39, 10),
        ("[gg ex=1 set=2 type=warmup rpe=6]", 51, 6),
        ("[gg ex=1 set=3 rpe=9]", 78, 12),
        ("[gg ex=1 set=4 type=failure rpe=9.5]", 78, 10),
    ]
    assert curls[0].durationMinutes == 85 and {r.durationMinutes for r in curls[1:]} == {None}
    drops = [r for r in account.logs() if "type=drop" in r.notes]
    assert len(drops) == 43  # the sample's dropset rows
    noted = [r for r in account.logs() if r.notes.endswith("Lower: all sets 175 next time\nLegs: 170")]
    assert noted and all(r.notes.split("\n", 1)[0].startswith("[gg ") for r in noted)


def test_times_are_read_in_the_accounts_timezone(account):
    account.import_("strong", STRONG_SAMPLE)
    first = min(r.date for r in account.logs())
    assert first.isoformat() == "2024-11-28T16:36:08"  # 17:36:08 in Berlin (CET, UTC+1)


def test_unmatched_names_become_the_users_own_exercises(account):
    catalog = account.sql('SELECT count(*) FROM "Exercise" WHERE "trainingPlanId" IS NULL')[0][0]
    report = account.import_("hevy", HEVY_SAMPLE)
    new = sorted(m.source for m in report.mappings if m.how == "new")
    assert "Warm Up" in new and "Bayesian Cable Curl" in new
    own = account.sql('SELECT e.name, p.name AS plan, p."userId" FROM "Exercise" e JOIN "TrainingPlan" p '
                      'ON p.id = e."trainingPlanId"')
    assert sorted(r.name for r in own) == new
    assert {(r.plan, r.userId) for r in own} == {(PLAN_NAME, account.user["id"])}
    assert account.sql('SELECT count(*) FROM "Exercise" WHERE "trainingPlanId" IS NULL')[0][0] == catalog

    other = account.another()
    theirs = other.import_("hevy", HEVY_SAMPLE)
    assert sorted(m.source for m in theirs.mappings if m.how == "new") == new  # their own, not the first user's
    again = account.import_("hevy", HEVY_SAMPLE)
    assert {m.how for m in again.mappings if m.source in new} == {"yours"}
    assert account.sql('SELECT count(*) FROM "TrainingPlan" WHERE "userId" = :u', u=account.user["id"])[0][0] == 1


def test_unit_lb_stores_kg(account):
    report = account.import_("strong", STRONG_SAMPLE, unit="lb")
    assert report.clean
    in_file = sorted(float(r["Weight"]) for r in csv.DictReader(STRONG_SAMPLE.open(encoding="utf-8-sig")))
    stored = sorted(r.weight for r in account.logs())
    assert stored == [w * 0.45359237 for w in in_file]
    exported = [float(r["Weight"]) for r in csv.DictReader(account.export(unit="lb").splitlines())]
    assert sorted(exported) == pytest.approx(in_file, abs=1e-9)


def test_a_newer_export_adds_only_what_is_new(account):
    """An older export cut mid-session, then the whole file: the rest of that session and the later ones land."""
    lines = HEVY_SAMPLE.read_bytes().splitlines(keepends=True)
    older = account.import_("hevy", b"".join(lines[:3001]))
    newer = account.import_("hevy", HEVY_SAMPLE)
    assert (older.imported, newer.imported, newer.present) == (3000, 7211 - 3000, 3000)
    assert newer.clean and len(account.logs()) == 7211


def test_a_set_edited_since_is_kept_and_named(account):
    account.import_("strong", STRONG_SAMPLE)
    first = account.logs()[0]
    with account.engine.begin() as conn:
        conn.execute(sa.text('UPDATE "WorkoutLog" SET weight = 99 WHERE id = :id'), {"id": first.id})
    again = account.import_("strong", STRONG_SAMPLE)
    assert (again.imported, again.present, again.clean) == (0, 250, False)
    [kept] = again.kept
    assert kept.line == 2 and "weight 10.0 in the file, 99.0 in the database" in kept.what
    assert account.logs()[0].weight == 99
