"""`gaingrid import` and `gaingrid export` as a person meets them: tables, files, one-line errors."""
from __future__ import annotations

import csv

from typer.testing import CliRunner

from gaingrid.cli import app

from .conftest import STRONG_SAMPLE

runner = CliRunner()


def gg(account, *args: str):
    url = account.engine.url.render_as_string(hide_password=False)
    return runner.invoke(app, [*args, "--user", account.user["email"], "--database-url", url])


def test_import_prints_the_counts_every_mapping_and_the_verification(account):
    result = gg(account, "import", "strong", str(STRONG_SAMPLE))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "250" in out and "reconciled" in out and "yes" in out
    assert "every name in the file and what it became" in out
    assert "Squat (Barbell)" in out and "Barbell Squat" in out and "Kettlebell Carry" in out
    assert "verification: each set read back from the database" in out and "clean" in out


def test_export_writes_strongs_format_and_a_failure_leaves_no_file(account, tmp_path):
    gg(account, "import", "strong", str(STRONG_SAMPLE))
    target = tmp_path / "mine.csv"
    result = gg(account, "export", "strong", str(target))
    assert result.exit_code == 0, result.output
    assert "exported 250 sets in 15 sessions" in result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 250 and rows[0]["Workout Name"] == "B"

    account.user["email"] = "nobody@example.com"
    again = gg(account, "export", "strong", str(tmp_path / "theirs.csv"))
    assert again.exit_code == 1
    assert list(tmp_path.iterdir()) == [target]


def test_a_refused_file_is_one_error_line_naming_what_to_run(account, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for path, words in ((empty, "is empty"), (tmp_path / "missing.csv", "cannot read"),
                        (STRONG_SAMPLE, "gaingrid import strong")):
        app_name = "hevy" if path == STRONG_SAMPLE else "strong"
        result = gg(account, "import", app_name, str(path))
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.output
    assert account.logs() == []
