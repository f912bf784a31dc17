"""`gaingrid reminders dispatch`: due in each user's timezone, across DST, once per period."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from gaingrid.cli import app as cli_app
from gaingrid.service.dispatch import Notification, dispatch
from gaingrid.service.schedule import latest_occurrence, stored_time

from .conftest import sqlite_only

BERLIN = ZoneInfo("Europe/Berlin")
runner = CliRunner()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def daily(hh_mm: str) -> datetime:
    return stored_time(datetime.strptime(hh_mm, "%H:%M").time(), None)


# -- the schedule, without a database -------------------------------------------------

@pytest.mark.parametrize("at, now, expected", [
    # Spring forward, 2025-03-30 02:00 CET -> 03:00 CEST: 07:00 is 05:00Z that day, 06:00Z the day before.
    ("07:00", "2025-03-30T04:59:00", "2025-03-29T06:00:00"),
    ("07:00", "2025-03-30T05:00:00", "2025-03-30T05:00:00"),
    # 02:30 does not exist that day: it falls where the clock would have shown it, 03:30 CEST.
    ("02:30", "2025-03-30T01:29:00", "2025-03-29T01:30:00"),
    ("02:30", "2025-03-30T01:30:00", "2025-03-30T01:30:00"),
    # Fall back, 2025-10-26 03:00 CEST -> 02:00 CET: 07:00 is 06:00Z; 02:30 happens twice, the first counts.
    ("07:00", "2025-10-26T05:59:00", "2025-10-25T05:00:00"),
    ("07:00", "2025-10-26T06:00:00", "2025-10-26T06:00:00"),
    ("02:30", "2025-10-26T01:45:00", "2025-10-26T00:30:00"),
])
def test_latest_occurrence_across_berlin_dst(at, now, expected):
    assert latest_occurrence("DAILY", daily(at), BERLIN, utc(now)) == utc(expected)


def test_latest_occurrence_weekly():
    monday_1800 = stored_time(datetime(2000, 1, 1, 18, 0).time(), 0)
    # Monday 2025-03-31 18:00 CEST = 16:00Z; before it, the previous Monday (CET, 17:00Z).
    assert latest_occurrence("WEEKLY", monday_1800, BERLIN, utc("2025-03-31T15:59:00")) == utc("2025-03-24T17:00:00")
    assert latest_occurrence("WEEKLY", monday_1800, BERLIN, utc("2025-04-03T12:00:00")) == utc("2025-03-31T16:00:00")


# -- dispatch on a database ------------------------------------------------------------

class Outbox:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def __call__(self, n: Notification) -> None:
        self.sent.append(n)


def made_before(api, now: str) -> None:
    """The tests make reminders today but dispatch them at instants in 2025: a reminder only fires
    at times after it was made, so date those made "after" `now` back to long before it."""
    api.sql('UPDATE "Reminder" SET "createdAt" = :long_ago WHERE "createdAt" > :now',
            long_ago="2000-01-01 00:00:00", now=utc(now.removesuffix("Z").removesuffix("+00:00"))
            .strftime("%Y-%m-%d %H:%M:%S"))


def run(api, now: str, sender=None, **kw):
    made_before(api, now)
    engine = api.engine()
    try:
        outbox = sender or Outbox()
        result = dispatch(engine, utc(now), outbox, **kw)
        return result, outbox
    finally:
        engine.dispose()


def cli(api, now: str) -> str:
    made_before(api, now)
    result = runner.invoke(cli_app, ["reminders", "dispatch", "--database-url", api.url, "--now", now])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_spring_forward_in_berlin_via_the_cli(api_at):
    api = api_at(6)
    me = api.user(timezone="Europe/Berlin")
    reminder = me.post("/reminders", json={"time": "07:00", "frequency": "DAILY", "message": "Lift"}).json()
    assert cli(api, "2025-03-30T04:59:00Z").startswith("reminders: 0 sent")  # 06:59 CEST
    assert cli(api, "2025-03-30T05:00:00Z").startswith("reminders: 1 sent")  # 07:00 CEST
    assert cli(api, "2025-03-30T05:20:00Z").startswith("reminders: 0 sent")  # same period: nothing new
    assert me.get(f"/reminders/{reminder['id']}").json()["lastSent"] == "2025-03-30T05:00:00+00:00"
    assert cli(api, "2025-03-31T05:00:00+00:00").startswith("reminders: 1 sent")


def test_fall_back_in_berlin_sends_the_repeated_hour_once(api_at):
    api = api_at(6)
    me = api.user(timezone="Europe/Berlin")
    me.post("/reminders", json={"time": "02:30", "frequency": "DAILY"})
    me.post("/reminders", json={"time": "07:00", "frequency": "DAILY"})
    assert len(run(api, "2025-10-26T00:30:00")[1].sent) == 1  # 02:30 CEST
    assert len(run(api, "2025-10-26T01:30:00")[1].sent) == 0  # 02:30 CET, the same wall time again
    assert len(run(api, "2025-10-26T05:59:00")[1].sent) == 0  # 06:59 CET
    _, outbox = run(api, "2025-10-26T06:00:00")  # 07:00 CET
    assert [n.local_time.isoformat() for n in outbox.sent] == ["2025-10-26T07:00:00+01:00"]


def test_each_user_in_their_own_timezone(api_at):
    api = api_at(6)
    tokyo, new_york, unset = (api.user(timezone="Asia/Tokyo"), api.user(timezone="America/New_York"), api.user())
    for who in (tokyo, new_york, unset):
        who.post("/reminders", json={"time": "08:00", "frequency": "DAILY"})
    sent_at = {}
    for hour in range(24):
        now = datetime(2025, 7, 1, hour, tzinfo=UTC).isoformat()
        for n in run(api, now.removesuffix("+00:00"))[1].sent:
            sent_at[n.email] = hour
    # 08:00 JST = 23:00Z, 08:00 EDT = 12:00Z, no timezone = UTC.
    assert sent_at == {tokyo.email: 23, new_york.email: 12, unset.email: 8}


def test_weekly_inactive_late_and_failing(api_at):
    api = api_at(6)
    me = api.user(timezone="Europe/Berlin")
    weekly = me.post("/reminders", json={"time": "18:00", "frequency": "WEEKLY", "weekday": "MONDAY"}).json()
    me.post("/reminders", json={"time": "18:00", "frequency": "DAILY", "active": False})
    gone = api.user(timezone="Europe/Berlin")
    gone.post("/reminders", json={"time": "18:00", "frequency": "DAILY"})
    api.sql('UPDATE "User" SET "isActive" = false WHERE id = :id', id=gone.id)

    assert run(api, "2025-03-30T16:00:00")[1].sent == []  # a Sunday
    assert run(api, "2025-03-31T18:30:00")[1].sent == []  # Monday, but 2.5 h late: past the window

    def broken(n: Notification) -> None:
        raise ConnectionError("mail server down")

    result, _ = run(api, "2025-03-31T16:10:00", sender=broken)
    assert [(n.reminder_id, why) for n, why in result.failed] == [(weekly["id"], "mail server down")]
    assert me.get(f"/reminders/{weekly['id']}").json()["lastSent"] is None  # given back for a retry

    result, outbox = run(api, "2025-03-31T16:15:00")
    assert [n.reminder_id for n in outbox.sent] == [weekly["id"]]
    assert result.checked == 1  # the inactive reminder and the inactive user's are not even candidates
    assert run(api, "2025-04-06T12:00:00")[1].sent == []  # later that week: already sent


@sqlite_only  # the CLI's refusals are the same on either database
def test_dispatch_refuses_a_database_without_reminders(api_at):
    result = runner.invoke(cli_app, ["reminders", "dispatch", "--database-url", api_at(2).url])
    assert result.exit_code == 1
    assert result.output.strip() == "error: the database is at phase 2; reminders need phase 3"


@sqlite_only
def test_dispatch_with_a_bad_now_or_sender(api_at):
    url = api_at(3).url
    for args, says in ((["--now", "yesterday"], "is not an ISO 8601 date-time"),
                       (["--sender", "no_such_module:send"], "cannot load sender")):
        result = runner.invoke(cli_app, ["reminders", "dispatch", "--database-url", url, *args])
        assert result.exit_code == 1 and says in result.output


def test_a_wider_window_sends_late_reminders(api_at):
    api = api_at(6)
    api.user(timezone="Europe/Berlin").post("/reminders", json={"time": "18:00", "frequency": "DAILY"})
    assert run(api, "2025-03-31T18:30:00")[1].sent == []  # 20:30 CEST: 2.5 h late
    assert len(run(api, "2025-03-31T18:30:00", window=timedelta(hours=3))[1].sent) == 1


def test_a_reminder_first_fires_at_its_next_time_after_it_was_made(api_at):
    api = api_at(6)
    me = api.user(timezone="Europe/Berlin")
    reminder = me.post("/reminders", json={"time": "07:00", "frequency": "DAILY"}).json()
    api.sql('UPDATE "Reminder" SET "createdAt" = :t WHERE id = :id', t="2025-07-01 07:00:00", id=reminder["id"])
    assert run(api, "2025-07-01T07:05:00")[1].sent == []  # 09:05 CEST: today's 07:00 was before it existed
    assert len(run(api, "2025-07-02T05:00:00")[1].sent) == 1  # the next morning
