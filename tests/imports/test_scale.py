"""Large files stream with flat memory; imports for one user run one at a time; any phase from 5."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from gaingrid.service import database as service_db
from gaingrid.service import users
from gaingrid.service.phase import PhaseReader
from gaingrid.testing.exports import hevy_csv
from tests.harness import legacy_database

from .conftest import HEVY_SAMPLE, STRONG_SAMPLE, Account

CHILD = """
import resource, sys
from gaingrid.cli import main
try:
    main()
finally:
    print("maxrss_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def _import_in_a_child(url: str, email: str, path) -> tuple[dict, int]:
    """`gaingrid import hevy` in a process of its own: its report and its peak resident memory (KiB)."""
    done = subprocess.run([sys.executable, "-c", CHILD, "import", "hevy", str(path), "--user", email, "--json",
                           "--database-url", url], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    peak = int(done.stderr.split("maxrss_kib")[-1].split()[0])
    return json.loads(done.stdout), peak


@pytest.mark.slow
def test_a_50_mb_file_streams_with_flat_memory(account_at, tmp_path):
    """Peak memory for a 50 MB file is within a few MB of a 5 MB file's (a whole-file reader would hold ~10x)."""
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    assert hevy_csv(small, 41_000) > 5_000_000
    assert hevy_csv(large, 410_000) > 50_000_000
    peaks = {}
    for name, path, sets in (("small", small, 41_000), ("large", large, 410_000)):
        account = account_at(6)
        url = account.engine.url.render_as_string(hide_password=False)
        report, peaks[name] = _import_in_a_child(url, account.user["email"], path)
        assert (report["imported"], report["quarantined"], report["clean"]) == (sets, 0, True)
    grown_mib = (peaks["large"] - peaks["small"]) / 1024
    assert grown_mib < 40, f"peak memory grew by {grown_mib:.0f} MiB for 10x the file ({peaks})"


def test_two_imports_of_one_file_at_once_add_it_once(account):
    reports, errors = [], []

    def run():
        try:
            reports.append(account.import_("hevy", HEVY_SAMPLE))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted((r.imported, r.present) for r in reports) == [(0, 7211), (7211, 0)]
    assert len(account.logs()) == 7211


@pytest.mark.parametrize("phase", [5, 7])
def test_it_works_at_phase_5_and_after_phase_7(account_at, phase):
    account = account_at(phase)
    report = account.import_("strong", STRONG_SAMPLE)
    assert (report.imported, report.quarantined, report.clean) == (250, 0, True)
    exported = account.export()
    assert account.import_("strong", exported.encode()).imported == 0


def test_below_phase_5_the_cli_says_what_to_run(account_at, tmp_path):
    account = account_at(4)
    url = account.engine.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", "from gaingrid.cli import main; main()", "import", "strong", str(STRONG_SAMPLE), "--user",
                           account.user["email"], "--database-url", url], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: the database is at phase 4; workout logs need phase 5: run `gaingrid migrate up` first"]


def test_legacy_history_exports_and_imports_back_as_a_fixed_point(db_url):
    """Logs the backfill made (no tag, several sets each) come back as the same sets."""
    legacy_database(db_url).up()
    engine = service_db.create_engine(db_url)
    try:
        with engine.connect() as conn:
            phase = PhaseReader().read(conn).number
            emails = [r.email for r in conn.exec_driver_sql('SELECT email FROM "User" ORDER BY email')]
            user = users.by_email(conn, phase, emails[-1])
        account = Account(engine, user)
        before = account.counts()
        exported = account.export()
        assert exported.count("\n") > 20
        back = account.import_("strong", exported.encode())
        assert (back.imported, back.quarantined) == (0, 0) and back.present == back.rows
        assert back.clean, back.kept[:3]
        assert account.counts() == before
        other = account.another(timezone=None)
        assert other.import_("strong", exported.encode()).clean
        assert other.export() == exported
    finally:
        engine.dispose()
