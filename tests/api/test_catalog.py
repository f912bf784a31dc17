"""`gaingrid catalog load` and the catalog listing's filters, search and pages."""
from __future__ import annotations

import json
from collections import Counter
from importlib import resources

import pytest
from typer.testing import CliRunner

from gaingrid.cli import app as cli_app
from gaingrid.phases import GAINGRID
from phased.lifecycle.commands import Migrator

from .conftest import SQUAT, sqlite_only

RAW = json.loads(resources.files("gaingrid.data").joinpath("exercise-catalog.json").read_text("utf-8"))
runner = CliRunner()


def load(url: str) -> str:
    result = runner.invoke(cli_app, ["catalog", "load", "--database-url", url])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_catalog_load_maps_every_entry_and_is_idempotent(api_at):
    api = api_at(6, with_catalog=False)
    assert load(api.url) == "catalog: 873 added, 0 filled in, 0 unchanged"
    assert load(api.url) == "catalog: 0 added, 0 filled in, 873 unchanged"
    assert api.sql('SELECT count(*), count(DISTINCT name) FROM "Exercise"')[0] == (873, 873)

    row = api.sql('SELECT category, "primaryMuscleGroup", "otherMuscles", equipment, difficulty, description '
                  'FROM "Exercise" WHERE name = :n', n=SQUAT)[0]
    source = next(e for e in RAW if e["name"] == SQUAT)
    assert row[:5] == ("STRENGTH", source["primaryMuscles"][0], ",".join(source["secondaryMuscles"]),
                       source["equipment"], source["level"])
    assert row[5].startswith(source["level"].capitalize())

    categories = Counter(r[0] for r in api.sql('SELECT category FROM "Exercise"'))
    expected = {"cardio": "CARDIO", "stretching": "FLEXIBILITY", "plyometrics": "PLYOMETRICS"}
    assert categories == Counter(expected.get(e["category"], "STRENGTH") for e in RAW)


@sqlite_only
def test_catalog_load_before_phase_4_then_again_after_fills_in_without_overwriting(api_at):
    api = api_at(1, with_catalog=False)
    api.sql('INSERT INTO "Exercise" (id, name, description, category, "createdAt", "updatedAt") '
            "VALUES ('legacy-pushups', 'Pushups', NULL, 'OTHER', '2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    assert load(api.url) == ("catalog: 872 added, 1 filled in, 0 unchanged "
                             "(legacy columns only: run it again after phase 4 for the catalog fields)")
    Migrator(GAINGRID, api.url).up(to=4)
    assert load(api.url) == "catalog: 0 added, 873 filled in, 0 unchanged"
    assert load(api.url) == "catalog: 0 added, 0 filled in, 873 unchanged"
    pushups = api.sql('SELECT id, category, "primaryMuscleGroup", description FROM "Exercise" WHERE name = \'Pushups\'')
    assert len(pushups) == 1
    assert pushups[0][:3] == ("legacy-pushups", "OTHER", "chest")  # matched by name; its category kept
    assert pushups[0][3] is not None


@sqlite_only
def test_catalog_load_on_an_empty_database_refuses(api_at):
    result = runner.invoke(cli_app, ["catalog", "load", "--database-url", api_at(0).url])
    assert result.exit_code == 1
    assert "run `gaingrid migrate up` first" in result.output


def _all(me, **params) -> tuple[int, list[dict]]:
    r = me.get("/exercises", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return r.json()["total"], r.json()["items"]


def test_listing_filters(api):
    me = api.user()
    total, items = _all(me, category="CARDIO")
    assert total == sum(e["category"] == "cardio" for e in RAW) and {i["category"] for i in items} == {"CARDIO"}
    assert _all(me, category="cardio")[0] == _all(me, category="Cardio")[0] == total  # any case, as the others
    total, items = _all(me, difficulty="Expert")  # any case
    assert total == sum(e["level"] == "expert" for e in RAW) and {i["difficulty"] for i in items} == {"expert"}
    total, items = _all(me, muscle="chest", equipment="barbell")
    assert total == sum(e["primaryMuscles"][0] == "chest" and e["equipment"] == "barbell" for e in RAW)
    assert {(i["primaryMuscleGroup"], i["equipment"]) for i in items} == {("chest", "barbell")}
    total, items = _all(me, q="CURL", equipment="dumbbell")
    assert total == sum("curl" in e["name"].lower() and e["equipment"] == "dumbbell" for e in RAW) > 0
    assert all("curl" in i["name"].lower() for i in items)
    assert _all(me, q="%")[0] == 0  # a LIKE wildcard is searched for literally
    assert _all(me, muscle="no such muscle")[0] == 0


def test_listing_pages_cover_the_catalog_once(api):
    me = api.user()
    seen: list[str] = []
    for offset in range(0, 900, 200):
        total, items = _all(me, offset=offset)
        assert total == 873
        seen += [i["id"] for i in items]
    assert len(seen) == len(set(seen)) == 873
    names = [i["name"] for i in _all(me)[1]]
    assert names == sorted(names)


def test_read_one_exercise(api):
    me = api.user()
    squat = api.exercise_id(SQUAT)
    body = me.get(f"/exercises/{squat}").json()
    assert (body["name"], body["category"]) == (SQUAT, "STRENGTH")
    assert isinstance(body["otherMuscles"], list)
    assert me.get("/exercises/no-such-id").status_code == 404


@sqlite_only
@pytest.mark.parametrize("params", [{"category": "YOGA"}, {"limit": 0}, {"limit": 201}, {"offset": -1}, {"q": ""},
                                    {"difficulty": "advanced"}])
def test_bad_listing_parameters_are_422(api, params):
    r = api.user().get("/exercises", params=params)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][0] == "query"


@sqlite_only
def test_listing_before_phase_4_has_the_legacy_columns(api_at):
    api = api_at(3)
    me = api.user()
    total, items = _all(me, category="FLEXIBILITY", q="stretch")
    assert total > 0 and all(i["equipment"] is None and i["otherMuscles"] == [] for i in items)
    r = me.get("/exercises", params={"muscle": "chest"})
    assert r.status_code == 503 and r.json()["detail"].endswith("need phase 4 (muscle)")
