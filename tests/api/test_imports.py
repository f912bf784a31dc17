"""POST /imports and GET /exports/strong: your own account only, one transaction, the same import as the CLI's."""
from __future__ import annotations

import csv
import io

from gaingrid.service.imports.run import BATCH_SETS

from ..imports.conftest import HEVY_SAMPLE, STRONG_SAMPLE
from .conftest import sqlite_only


def upload(me, path_or_bytes, source: str, **form):
    data = path_or_bytes.read_bytes() if hasattr(path_or_bytes, "read_bytes") else path_or_bytes
    return me.post("/imports", files={"file": ("export.csv", data, "text/csv")}, data={"source": source, **form})


def test_an_import_answers_its_report_and_a_second_adds_nothing(api):
    me = api.user(timezone="Europe/Berlin")
    r = upload(me, HEVY_SAMPLE, "hevy")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["imported"], body["quarantined"], body["clean"], body["reconciled"]) == (7211, 0, True, True)
    assert {m["how"] for m in body["mappings"]} >= {"exact", "words", "synonym", "new"}
    again = upload(me, HEVY_SAMPLE, "hevy").json()
    assert (again["imported"], again["present"]) == (0, 7211)
    page = me.get("/logs", params={"limit": 1}).json()["items"][0]
    assert page["notes"].startswith("[gg ex=") and page["sets"] == 1


def test_the_export_is_the_callers_own_and_imports_back_as_nothing(api):
    me, other = api.user(timezone="Europe/Berlin"), api.user()
    assert upload(me, STRONG_SAMPLE, "strong", unit="lb").status_code == 200
    r = me.get("/exports/strong")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 250
    in_lb = list(csv.DictReader(io.StringIO(me.get("/exports/strong", params={"unit": "lb"}).text)))
    assert {float(row["Weight"]) for row in in_lb} == {float(row["Weight"]) for row in csv.DictReader(
        STRONG_SAMPLE.open(encoding="utf-8-sig"))}
    back = upload(me, r.content, "strong").json()
    assert (back["imported"], back["present"], back["clean"]) == (0, 250, True)
    assert other.get("/exports/strong").text.strip() == r.text.splitlines()[0]  # the header alone


def test_a_refused_file_is_422_in_one_line_and_changes_nothing(api):
    me = api.user()
    rows = "".join(f"2025-01-{1 + n // 500:02d} 18:00:00,Push,30m,Leg Press,{1 + n % 500},100,5,0,0,,,\n"
                   for n in range(BATCH_SETS + 10))
    broken = ("Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"
              + rows + '2025-03-01 18:00:00,Push,30m,"Leg Press\n').encode()
    for data, source, words in ((b"", "strong", "is empty"), (HEVY_SAMPLE.read_bytes(), "strong", "Hevy export"),
                                (broken, "strong", "quoting is broken")):
        r = upload(me, data, source)
        assert r.status_code == 422, r.text
        [problem] = r.json()["detail"]
        assert problem["loc"] == ["body", "file"] and words in problem["msg"] and "\n" not in problem["msg"]
    assert me.get("/logs").json()["items"] == []


def test_imports_need_a_token_and_a_valid_form(api):
    r = api.client.post("/imports", files={"file": ("a.csv", b"x", "text/csv")}, data={"source": "strong"})
    assert r.status_code == 401
    me = api.user()
    assert upload(me, b"x", "fitbod").status_code == 422
    assert me.post("/imports", data={"source": "strong"}).status_code == 422


@sqlite_only
def test_imports_need_phase_5(api_at):
    api = api_at(4)
    me = api.user()
    r = upload(me, STRONG_SAMPLE, "strong")
    assert r.status_code == 503 and "phase 5" in r.json()["detail"]
    assert me.get("/exports/strong").status_code == 503


@sqlite_only
def test_an_upload_may_be_larger_than_other_bodies(api):
    me = api.user()
    assert len(HEVY_SAMPLE.read_bytes()) * 2 > 1024 * 1024  # the service's default limit for other bodies
    doubled = HEVY_SAMPLE.read_bytes() + HEVY_SAMPLE.read_bytes().split(b"\n", 1)[1].replace(b"2025,", b"2026,")
    r = upload(me, doubled, "hevy")
    assert r.status_code == 200, r.text[:300]
    assert r.json()["rows"] > 14_000
    assert me.post("/logs", content=b"{" + b" " * (1024 * 1024 + 1) + b"}",
                   headers={"Content-Type": "application/json"}).status_code == 413
