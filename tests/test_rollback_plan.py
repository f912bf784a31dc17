"""`migrate plan --rollback`: for the pending phases, what down would do to each (the SQL, what it archives,
what it restores), written down before anything runs; it never writes."""
from __future__ import annotations

from typer.testing import CliRunner

from gaingrid.cli import app
from tests.harness import legacy_database

runner = CliRunner()


def test_the_rollback_plan_names_the_sql_the_archives_and_the_restores(db_url):
    migrator = legacy_database(db_url)
    before = migrator.history()
    out = runner.invoke(app, ["migrate", "plan", "--rollback", "--to", "7", "--sql", "--database-url", db_url])
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())
    assert [f"phase {n} " in text for n in range(2, 8)] == [True] * 6
    assert "phase 1 " not in text  # applied already: not pending
    assert 'archives: "User": "id", "fitnessLevel"' in text and "archive_2_User" in text
    assert "archives: \"WorkoutLog\"" in text and "archive_5_WorkoutLog" in text
    assert 'restores: "WorkoutExercise" rows ("id", "workoutId"' in text and "archive_7_WorkoutExercise" in text
    assert "CREATE TABLE" in text and "alembic_version" in text  # the SQL itself
    assert migrator.status().phase_number == 1 and migrator.history() == before  # nothing written
    refused = runner.invoke(app, ["migrate", "plan", "--rollback", "--down", "--to", "1", "--database-url", db_url])
    assert refused.exit_code == 1 and refused.stderr.startswith("error: --rollback")
