"""Hand-made files: what real exports do (quoting, line breaks, BOM, mixed dates) and what broken ones do.

A file refused as a whole changes nothing; a row that can't be read is
quarantined with its line and reason, and the rest import.
"""
from __future__ import annotations

import pytest

from gaingrid.service.imports import ImportRefused
from gaingrid.service.imports.run import BATCH_SETS

STRONG_HEADER = "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"
HEVY_HEADER = ('"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes",'
               '"set_index","set_type","weight_kg","reps","distance_km","duration_seconds","rpe"\n')


def strong(*rows: str) -> bytes:
    return (STRONG_HEADER + "".join(r + "\n" for r in rows)).encode()


def refused(account, app: str, data: bytes, *words: str) -> str:
    before = account.counts()
    with pytest.raises(ImportRefused) as caught:
        account.import_(app, data, name="bad.csv")
    message = str(caught.value)
    assert "\n" not in message and all(w in message for w in words), message
    assert account.counts() == before
    return message


def test_quoting_and_line_breaks_inside_fields(account):
    data = strong(
        '2025-01-02 18:00:00,"Push, heavy",1h 2m,"Bench Press (Barbell)",1,100,5,0,0,"said ""easy"", then not",'
        '"first line\nsecond line",8',
        '2025-01-02 18:00:00,"Push, heavy",1h 2m,"Bench Press (Barbell)",2,100,5,0,0,"a note\r\nover two lines",'
        '"first line\nsecond line",',
        "2025-01-02 18:00:00,\"Push, heavy\",1h 2m,Bench Press (Barbell),3,100,five,0,0,,\"first line\nsecond line\",")
    report = account.import_("strong", data)
    assert (report.imported, report.quarantined) == (2, 1)
    assert [(q.line, q.reason) for q in report.quarantine] == [(7, "reps 'five' is not a number")]
    notes = [r.notes for r in account.logs()]
    assert notes == ['[gg ex=1 set=1 rpe=8]\nsaid "easy", then not', "[gg ex=1 set=2]\na note\r\nover two lines"]
    workout = account.sql('SELECT name, notes FROM "Workout" WHERE "userId" = :u', u=account.user["id"])
    assert [tuple(w) for w in workout] == [("Push, heavy", "first line\nsecond line")]
    assert report.clean and report.reconciled  # the quarantined row is accounted for; the rest verify


def test_hevy_escaped_line_breaks_become_line_breaks(account):
    data = (HEVY_HEADER + '"Legs","15 Sep 2025, 07:48","15 Sep 2025, 09:13","","Leg Press",,'
            '"all sets 175\\nnext time 180",0,"normal",150,10,,0,8\n').encode()
    account.import_("hevy", data)
    assert account.logs()[0].notes == "[gg ex=1 set=1 rpe=8]\nall sets 175\nnext time 180"


def test_a_byte_order_mark_is_not_part_of_the_header(account):
    data = "\ufeff".encode() + strong("2025-01-02 18:00:00,Push,30m,Leg Press,1,100,5,0,0,,,")
    assert account.import_("strong", data).imported == 1


def test_semicolons_between_fields(account):
    data = strong("2025-01-02 18:00:00,Push,30m,Leg Press,1,100,5,0,0,,,").replace(b",", b";")
    assert account.import_("strong", data).imported == 1


def test_mixed_date_formats_are_one_session_per_instant(account):
    data = strong(
        "2025-01-02 18:00:00,Push,30m,Leg Press,1,100,5,0,0,,,",
        "2025-01-02T18:00:00,Push,30m,Leg Press,2,100,5,0,0,,,",
        "2025-01-02 18:00,Push,30m,Leg Press,3,100,5,0,0,,,",
        '"2 Jan 2025, 18:00",Push,30m,Leg Press,4,100,5,0,0,,,',
        "2025-01-02T17:00:00Z,Push,30m,Leg Press,5,100,5,0,0,,,",
        "2025-01-02T19:00:00+02:00,Push,30m,Leg Press,W,60,5,0,0,,,",
        "2025-01-03 18:00:00.000,Pull,1h,Leg Press,1,100,5,0,0,,,",
        "03/01/2025 18:00,Pull,1h,Leg Press,2,100,5,0,0,,,")
    report = account.import_("strong", data)
    assert (report.imported, report.sessions) == (7, 2)
    assert [(q.line, q.reason.split(" is ")[0]) for q in report.quarantine] == [(9, "date '03/01/2025 18:00'")]
    leg_press = [r.notes for r in account.logs() if r.date.day == 2]
    assert sorted(leg_press) == [f"[gg ex=1 set={n}]" for n in range(1, 6)] + ["[gg ex=1 set=6 type=warmup]"]


def test_unreadable_rows_are_quarantined_and_counts_reconcile(account):
    data = strong(
        "2025-01-02 18:00:00,Push,30m,Leg Press,1,100,5,0,0,,,",
        "2025-01-02 18:00:00,Push,30m,Leg Press,2,1OO,5,0,0,,,",
        "2025-01-02 18:00:00,Push,30m,Leg Press,3,100,5.5,0,0,,,",
        "2025-01-02 18:00:00,Push,30m,Leg Press,X,100,5,0,0,,,",
        "2025-01-02 18:00:00,Push,30m,,4,100,5,0,0,,,",
        "2025-01-02 18:00:00,Push,30m,Leg Press,4,100,5,0,0,,,,extra",
        "2025-01-02 18:00:00,Push,45m,Leg Press,4,100,5,0,0,,,",
        "2025-01-02 18:00:00,Push,30m,Leg Press,4,100,5,0,0,,,11",
        "2025-01-02 18:00:00,Push,30m,Leg Press,4,-3000,5,0,0,,,",
        "2025-01-03 18:00:00,Pull,30m,Leg Press,1,100,5,0,0,,,",
        "2025-01-02 18:00:00,Push,30m,Leg Press,5,100,5,0,0,,,",
        "2025-01-03 18:00:00,Pull,30m,Leg Press,2,100,5,0,0,,,")
    report = account.import_("strong", data)
    assert (report.rows, report.imported, report.quarantined) == (12, 3, 9) and report.reconciled
    assert [q.line for q in report.quarantine] == list(range(3, 11)) + [12]
    reasons = [q.reason for q in report.quarantine]
    assert reasons[:4] == ["weight '1OO' is not a number", "reps '5.5' is not a whole number from 0 to 10000",
                           "set order 'X' is not a number or W, D, F", "exercise name is empty"]
    assert reasons[4] == "has 13 fields where the header has 12"
    assert reasons[5].startswith("duration (45 min) differs from its session's (30 min, line 2)")
    assert reasons[6] == "rpe '11' is not from 0 to 10"
    assert reasons[7] == "weight '-3000' kg is more than 2000 kg"
    assert reasons[8].startswith("belongs to the session 'Push' that began on line 2, after other sessions")
    assert len(account.logs()) == 3


@pytest.mark.parametrize("data, words", [
    (b"", ["is empty"]),
    (b"\xef\xbb\xbf\n\n", ["is empty"]),
    (STRONG_HEADER.encode(), ["has a header but no sets"]),
    (b"Date,Workout,Reps\n2025-01-02,Push,5\n", ["is not a Strong export", "'Exercise Name'", "'Set Order'"]),
    (HEVY_HEADER.encode() + b'"Legs","15 Sep 2025, 07:48","","","Leg Press",,"",0,"normal",150,10,,0,8\n',
     ["is not a Strong export", "it looks like a Hevy export", "gaingrid import hevy"]),
    (STRONG_HEADER.encode("utf-16"), ["is not UTF-8 text"]),
    (strong("2025-01-02 18:00:00,Push,30m,Leg Press,1,100,five,0,0,,,"), ["none of the 1 rows", "line 2: reps"]),
], ids=["empty", "only-a-bom", "header-only", "wrong-header", "the-other-app", "utf-16", "nothing-readable"])
def test_files_refused_whole_change_nothing(account, data, words):
    refused(account, "strong", data, *words)


def test_a_failure_late_in_the_file_rolls_back_what_came_before(account):
    rows = [f"2025-01-{1 + n // 500:02d} 18:00:00,Push,30m,Leg Press,{1 + n % 500},100,5,0,0,,," for n in range(BATCH_SETS * 2)]
    data = strong(*rows) + b'2025-03-01 18:00:00,Push,30m,"Leg Press\n'  # a quote never closed
    refused(account, "strong", data, "line", "quoting is broken")
    assert account.logs() == []


def test_two_workouts_starting_at_the_same_time_are_one_session(account):
    """A log's only link to its session is the instant: a second workout then is quarantined, not merged."""
    data = strong("2025-01-02 18:00:00,Push,30m,Leg Press,1,100,5,0,0,,,",
                  "2025-01-02 18:00:00,Pull,30m,Leg Press,1,100,5,0,0,,,")
    report = account.import_("strong", data)
    assert (report.imported, report.quarantined) == (1, 1) and report.clean
    assert report.quarantine[0].reason.startswith("workout 'Pull' starts at the same time as 'Push' (line 2)")
