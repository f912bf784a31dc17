"""The pieces without a database: the notes tag, field values, exercise names."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gaingrid.service.catalog import catalog_rows
from gaingrid.service.imports import notes, values
from gaingrid.service.imports.names import SYNONYMS, without_equipment, words

finite = st.floats(min_value=0, max_value=1e6, allow_nan=False).filter(lambda x: x != 0)
tags = st.builds(notes.SetTag, ex=st.integers(1, 99), set=st.integers(1, 999), type=st.sampled_from(notes.SET_TYPES),
                 rpe=st.none() | st.floats(0, 10), sec=st.none() | finite, km=st.none() | finite,
                 ss=st.none() | st.from_regex(r"[0-9a-z-]{1,8}", fullmatch=True))


@given(tags, st.text())
def test_a_tag_and_a_note_read_back_as_written(tag, note):
    assert notes.parse(notes.render(tag, note)) == (tag, note)


def test_the_tag_is_short_and_leaves_out_what_is_not_recorded():
    assert notes.render(notes.SetTag(2, 3, "warmup", rpe=8.5), "felt\nheavy") == "[gg ex=2 set=3 type=warmup rpe=8.5]\nfelt\nheavy"
    assert notes.render(notes.SetTag(1, 1), "") == "[gg ex=1 set=1]"


@pytest.mark.parametrize("text", ["", "felt strong", "[gg ex=0 set=1]", "[gg set=1]", "[gg ex=1 set=1 type=mega]",
                                  "[gg ex=1 set=1 color=red]", "[gg ex=1 set=1]trailing"])
def test_notes_without_a_valid_tag_are_all_note(text):
    assert notes.parse(text) == (None, text)


@pytest.mark.parametrize("text, minutes", [("2h 38m", 158), ("35m", 35), ("1h", 60), ("1h 5m", 65), ("45s", 1),
                                           ("3600", 60), ("5430.0", 90), ("", None), ("1h 2m 40s", 63)])
def test_durations(text, minutes):
    assert values.duration_minutes(text) == minutes


@pytest.mark.parametrize("text", ["an hour", "-5", "1x"])
def test_unreadable_durations(text):
    with pytest.raises(values.BadValue, match="duration"):
        values.duration_minutes(text)


@pytest.mark.parametrize("text", ["2025-09-15 07:48:00", "2025-09-15T07:48", "15 Sep 2025, 07:48",
                                  "15 September 2025, 07:48", "15 Sep 2025 07:48:00", "2025-09-15 07:48:00.000"])
def test_every_date_form_is_the_same_wall_clock_time(text):
    assert values.local_time(text, "date") == datetime(2025, 9, 15, 7, 48)


def test_a_naive_time_is_in_the_accounts_zone_and_an_offset_wins():
    berlin = ZoneInfo("Europe/Berlin")
    assert values.to_utc(values.local_time("2025-07-01 10:00", "date"), berlin) == datetime(2025, 7, 1, 8, 0)
    assert values.to_utc(values.local_time("2025-07-01T10:00:00Z", "date"), berlin) == datetime(2025, 7, 1, 10, 0)


@pytest.mark.parametrize("text", ["31 Feb 2025, 07:48", "15 Sept 2025", "yesterday", "1757922480"])
def test_unreadable_dates(text):
    with pytest.raises(values.BadValue, match="is not a date-time"):
        values.local_time(text, "date")


def test_weights_reps_and_rpe():
    assert values.weight_kg("225", "lb") == 225 * 0.45359237
    assert values.weight_kg(" ", "kg") is None
    assert values.reps("13.0") == 13 and values.reps("") == 0
    assert values.rpe("9.5") == 9.5
    for bad in ("nan", "inf"):
        with pytest.raises(values.BadValue):
            values.weight_kg(bad, "kg")


@pytest.mark.parametrize("a, b", [("Squat (Barbell)", "Barbell Squat"), ("Pull Up", "Pullups"),
                                  ("Chin Up", "Chin-Up"), ("Crunch", "Crunches"), ("Chest Fly (Dumbbell)", "Dumbbell Chest Flyes"),
                                  ("Bicep Curl (Dumbbell)", "Dumbbell Bicep Curl"), ("Lunge (Dumbbell)", "Dumbbell Lunges")])
def test_names_with_the_same_words(a, b):
    assert words(a) == words(b)


def test_equipment_in_parentheses_is_dropped_only_when_it_is_equipment():
    assert without_equipment("Leg Extension (Machine)") == words("Leg Extensions")
    assert without_equipment("Pull Up (Assisted)") is None
    assert without_equipment("Leg Press") is None


def test_every_synonym_names_a_catalog_exercise():
    catalog = {row["name"] for row in catalog_rows()}
    assert sorted(set(SYNONYMS.values()) - catalog) == []
