"""Dev → staging → production, as the tool enforces it: named environments in gaingrid.toml, `--env` on
the commands, the promotion gate, the production window and its confirmation, planned windows
announced by /status.

Each environment is a real database (SQLite files, or databases on the suite's PostgreSQL); every
refusal is one line, exits non-zero, and changes nothing.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from gaingrid.cli import app
from gaingrid.phases import GAINGRID
from phased.dialects import engines
from phased.lifecycle.commands import Migrator
from tests.harness import legacy_database

runner = CliRunner()
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def gg(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def refused(result: Result, *says: str) -> str:
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"crashed instead of refusing: {result.exception!r}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in says:
        assert needle.lower() in lines[0].lower(), f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output + result.stderr
    return result


def closed_window() -> str:
    """A window that is certainly not open now (a day after tomorrow, in UTC)."""
    day = DAYS[(datetime.now(timezone.utc).weekday() + 2) % 7]
    return f'window = {{ days = ["{day}"], start = "02:00", end = "03:00", timezone = "UTC" }}'


OPEN_WINDOW = 'window = { start = "00:00", end = "00:00", timezone = "UTC" }'  # every day, all day


def write_config(folder: Path, production: str = "", staging: str = "") -> Path:
    path = folder / "gaingrid.toml"
    path.write_text(f"""
[environments.dev]
url_env = "GG_DEV_URL"
backup_dir = "backups/dev"

[environments.staging]
url_env = "GG_STAGING_URL"
backup_dir = "backups/staging"
promotes_from = "dev"
{staging}

[environments.production]
url_env = "GG_PRODUCTION_URL"
backup_dir = "backups/production"
promotes_from = "staging"
{production}
""")
    return path


@pytest.fixture
def envs(tmp_path, monkeypatch, request):
    """Three legacy databases, dev, staging and production, on one kind of database; the config in the
    working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GAINGRID_DATABASE_URL", raising=False)
    urls = {}
    for name in ("dev", "staging", "production"):
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / (name + '.db')}"
        else:
            url = request.getfixturevalue("pg_url") if name == "dev" else _another_pg(request)
        legacy_database(url)
        monkeypatch.setenv(f"GG_{name.upper()}_URL", url)
        urls[name] = url
    write_config(tmp_path, production=OPEN_WINDOW)
    return urls


def _another_pg(request):
    from gaingrid.testing import pg_server

    admin = request.getfixturevalue("pg_admin_url")
    url = pg_server.create_database(admin)
    request.addfinalizer(lambda: pg_server.drop_database(admin, url))
    return url


def at(url: str) -> int:
    return Migrator(GAINGRID, url).status().phase_number


def ledger_of(url: str) -> list:
    return Migrator(GAINGRID, url).history()


both = pytest.mark.parametrize("envs", ["sqlite", "postgresql"], indirect=True)
sqlite_only = pytest.mark.parametrize("envs", ["sqlite"], indirect=True)


# -- the config file -------------------------------------------------------------------------------

BAD = [
    ('timezone = "UTC"', 'timezone = "Europe/Berln"', "environments.production.window.timezone"),
    ('promotes_from = "staging"', 'promotes_from = "qa"', "environments.production.promotes_from"),
    ('url_env = "GG_DEV_URL"', 'url = "postgresql://u:hunter2@db/x"', "environments.dev.url"),
    ('backup_dir = "backups/dev"', 'backup_dir = "backups/dev"\ncolour = "red"', "environments.dev.colour"),
    ('start = "00:00"', 'start = "midnight"', "environments.production.window.start"),
    ('promotes_from = "dev"', 'promotes_from = "production"', "environments.staging.promotes_from"),
    ('url_env = "GG_DEV_URL"', 'url_env = "GG DEV URL"', "environments.dev.url_env"),
    ('url_env = "GG_DEV_URL"', 'url_env = "GG_DEV_URL"\nname = "development"', "environments.dev.name"),
    ('[environments.dev]', 'source = "elsewhere"\n[environments.dev]', "source"),
    ('start = "00:00", end = "00:00"', 'start = "00:00", end = "00:00", days = ["someday"]',
     "environments.production.window.days"),
]


@sqlite_only
@pytest.mark.parametrize("before, after, key", BAD)
def test_a_bad_config_is_refused_in_one_line_naming_the_key(envs, tmp_path, before, after, key):
    config = tmp_path / "gaingrid.toml"
    text = config.read_text()
    assert before in text
    config.write_text(text.replace(before, after, 1))
    line = refused(gg("migrate", "up", "--env", "dev"), "gaingrid.toml", key)
    assert "hunter2" not in line
    assert at(envs["dev"]) == 1


@sqlite_only
def test_env_picks_the_url_and_the_backup_directory(envs, tmp_path, monkeypatch):
    monkeypatch.delenv("GAINGRID_BACKUP_DIR")
    ok(gg("migrate", "up", "--env", "dev", "--to", "2"))
    assert (at(envs["dev"]), at(envs["staging"]), at(envs["production"])) == (2, 1, 1)
    assert list((tmp_path / "backups" / "dev").glob("*.manifest.json"))
    assert "phase 2" in ok(gg("migrate", "status", "--env", "dev")).stdout


@sqlite_only
def test_env_refusals(envs, tmp_path, monkeypatch):
    refused(gg("migrate", "status", "--env", "qa"), "no environment 'qa'", "dev, staging, production")
    monkeypatch.delenv("GG_STAGING_URL")
    refused(gg("migrate", "status", "--env", "staging"), "GG_STAGING_URL is not set")
    refused(gg("migrate", "status", "--env", "dev", "--database-url", envs["dev"]), "--env or --database-url")
    (tmp_path / "gaingrid.toml").unlink()
    refused(gg("migrate", "status", "--env", "dev"), "gaingrid.toml")
    ok(gg("migrate", "status", "--database-url", envs["dev"]))  # without config, as before


@sqlite_only
def test_the_config_may_live_in_pyproject(envs, tmp_path):
    text = (tmp_path / "gaingrid.toml").read_text().replace("[environments.", "[tool.gaingrid.environments.")
    (tmp_path / "gaingrid.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n' + text)
    assert "phase 1" in ok(gg("migrate", "status", "--env", "staging")).stdout


# -- the promotion gate ----------------------------------------------------------------------------

@both
def test_promotion_needs_the_phase_verified_on_the_source_with_the_same_script(envs, tmp_path):
    before = len(ledger_of(envs["production"]))
    refused(gg("migrate", "up", "--env", "production", "--to", "3"),
            "refused on production", "phase 2 extend_user_model has not been applied and verified on staging",
            "--env staging")
    assert at(envs["production"]) == 1 and len(ledger_of(envs["production"])) == before  # nothing changed

    ok(gg("migrate", "up", "--env", "dev", "--to", "3"))
    ok(gg("migrate", "up", "--env", "staging", "--to", "2"))
    refused(gg("migrate", "up", "--env", "production", "--to", "3"), "phase 3 add_training_models has not been")
    ok(gg("migrate", "up", "--env", "production", "--to", "2"))
    assert at(envs["production"]) == 2

    # Staging ran a script other than this one (here: its recorded checksum), so production may not.
    ok(gg("migrate", "up", "--env", "staging", "--to", "3"))
    engine = engines.create_engine(engines.parse_url(envs["staging"]))
    table = "gaingrid_migrate.ledger" if engine.dialect.name == "postgresql" else "gaingrid_migrate_ledger"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {table} SET script_sha256 = '{'0' * 64}' WHERE phase = 3")
    engine.dispose()
    refused(gg("migrate", "up", "--env", "production", "--to", "3"), "script is not the one staging ran",
            "sha256 000000000000")
    assert at(envs["production"]) == 2


@sqlite_only
def test_a_phase_staging_reversed_is_no_longer_promotable(envs):
    ok(gg("migrate", "up", "--env", "dev", "--to", "3"))
    ok(gg("migrate", "up", "--env", "staging", "--to", "3"))
    ok(gg("migrate", "down", "--env", "staging", "--to", "2", "--yes"))
    refused(gg("migrate", "up", "--env", "production", "--to", "3"), "phase 3 add_training_models has not been")


@sqlite_only
def test_an_exported_record_stands_in_for_a_source_production_cannot_reach(envs, tmp_path, monkeypatch):
    ok(gg("migrate", "up", "--env", "dev", "--to", "2"))
    ok(gg("migrate", "up", "--env", "staging", "--to", "2"))
    record = tmp_path / "staging-record.json"
    ok(gg("migrate", "export-record", "--env", "staging", "--output", str(record)))
    data = json.loads(record.read_text())
    assert data["environment"] == "staging" and data["phase"] == 2
    assert any(e["phase"] == 2 and e["direction"] == "up" and e["verified"] for e in data["entries"])

    monkeypatch.delenv("GG_STAGING_URL")  # production cannot reach staging
    refused(gg("migrate", "up", "--env", "production", "--to", "2"), "GG_STAGING_URL is not set", "--record")
    refused(gg("migrate", "up", "--env", "production", "--to", "2", "--record", str(tmp_path / "missing.json")),
            "cannot read the promotion record")
    dev_record = tmp_path / "dev-record.json"
    monkeypatch.setenv("GG_STAGING_URL", envs["staging"])
    ok(gg("migrate", "export-record", "--env", "dev", "--output", str(dev_record)))
    refused(gg("migrate", "up", "--env", "production", "--to", "2", "--record", str(dev_record)),
            "exported on environment 'dev'")
    refused(gg("migrate", "up", "--env", "dev", "--to", "3", "--record", str(record)), "promotes from no other")
    ok(gg("migrate", "up", "--env", "production", "--to", "2", "--record", str(record)))
    assert at(envs["production"]) == 2

    tampered = json.loads(record.read_text())
    for e in tampered["entries"]:
        e["script_sha256"] = "f" * 64
    record.write_text(json.dumps(tampered))
    refused(gg("migrate", "up", "--env", "production", "--to", "3", "--record", str(record)), "phase 3")


@sqlite_only
def test_force_overrides_the_gate_with_a_reason_and_the_override_is_recorded(envs, tmp_path):
    refused(gg("migrate", "up", "--env", "production", "--to", "2", "--force"), "--force needs --reason")
    assert at(envs["production"]) == 1
    ok(gg("migrate", "up", "--env", "production", "--to", "2", "--force", "--reason", "hotfix INC-42"))
    assert at(envs["production"]) == 2
    override = [e for e in ledger_of(envs["production"]) if e.direction == "override"]
    assert len(override) == 1
    assert override[0].details["reason"] == "hotfix INC-42"
    assert override[0].details["environment"] == "production"
    assert "has not been applied and verified on staging" in override[0].details["overridden"][0]
    page = tmp_path / "report.html"
    ok(gg("migrate", "report", "--env", "production", "--html", str(page)))
    assert "phase 2 up" in page.read_text()  # the run, not the override, is the report's last run


# -- the production window and the confirmation ------------------------------------------------------

@both
def test_outside_its_window_up_down_and_restore_refuse_unless_forced(envs, tmp_path):
    ok(gg("migrate", "up", "--env", "dev", "--to", "2"))
    ok(gg("migrate", "up", "--env", "staging", "--to", "2"))
    write_config(tmp_path, production=closed_window())
    refused(gg("migrate", "up", "--env", "production", "--to", "2"), "outside its maintenance window", "--force")
    assert at(envs["production"]) == 1
    ok(gg("migrate", "up", "--env", "production", "--to", "2", "--force", "--reason", "agreed with support"))
    assert at(envs["production"]) == 2
    refused(gg("migrate", "down", "--env", "production", "--to", "1"), "outside its maintenance window")
    assert len(list((tmp_path / "backups" / "production").glob("*.manifest.json"))) == 1  # up's, in its backup_dir
    ok(gg("backup", "--env", "production"))
    manifest = max((tmp_path / "backups" / "production").glob("*.manifest.json"), key=lambda p: p.stat().st_mtime)
    refused(gg("restore", str(manifest), "--env", "production"), "outside its maintenance window")
    refused(gg("restore", str(manifest), "--env", "production", "--force"), "outside its maintenance window")
    assert at(envs["production"]) == 2
    assert [e.details["command"] for e in ledger_of(envs["production"]) if e.direction == "override"] == ["up"]
    ok(gg("restore", str(manifest), "--env", "production", "--force", "--reason", "restore drill", "--terminate"))
    assert [e.details["reason"] for e in ledger_of(envs["production"]) if e.direction == "override"] == [
        "agreed with support", "restore drill"]  # the restore keeps the ledger's newer entries


@sqlite_only
def test_confirm_asks_for_the_environment_name(envs, tmp_path):
    ok(gg("migrate", "up", "--env", "dev", "--to", "3"))
    ok(gg("migrate", "up", "--env", "staging", "--to", "3"))
    write_config(tmp_path, production=OPEN_WINDOW + "\nconfirm = true")
    refused(gg("migrate", "up", "--env", "production", "--to", "2", input="prod\n"), "typed 'prod'")
    refused(gg("migrate", "up", "--env", "production", "--to", "2", input=""), "--yes")
    assert at(envs["production"]) == 1
    result = ok(gg("migrate", "up", "--env", "production", "--to", "2", input="production\n"))
    assert "production" in result.stdout
    ok(gg("migrate", "up", "--env", "production", "--to", "3", "--yes"))
    assert at(envs["production"]) == 3
    refused(gg("migrate", "down", "--env", "production", "--to", "2", input="staging\n"), "typed 'staging'")
    ok(gg("migrate", "down", "--env", "production", "--to", "2", input="production\n"))  # the name answers down's question
    assert at(envs["production"]) == 2
    ok(gg("migrate", "status", "--env", "production"))  # reading asks nothing


# -- planned windows, announced --------------------------------------------------------------------

@both
def test_a_scheduled_window_is_announced_by_status_until_it_has_passed(envs, tmp_path):
    from fastapi.testclient import TestClient

    from gaingrid.api import create_app
    from phased import announcement
    from tests.api.conftest import settings_for

    start = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    refused(gg("migrate", "schedule", "--env", "production", "--at", "yesterday"), "--at")
    refused(gg("migrate", "schedule", "--env", "production", "--at", "2020-01-01T02:00:00Z"), "in the past")
    ok(gg("migrate", "schedule", "--env", "production", "--at", start.isoformat(), "--minutes", "90"))
    with TestClient(create_app(settings_for(envs["production"]))) as client:
        body = client.get("/status").json()
    assert body["maintenance"] == {"from": start.isoformat().replace("+00:00", "Z"),
                                   "to": (start + timedelta(minutes=90)).isoformat().replace("+00:00", "Z"),
                                   "phases": [2, 3, 4, 5, 6]}
    engine = engines.create_engine(engines.parse_url(envs["production"]))
    with engine.connect() as conn:
        assert announcement(GAINGRID, conn, now=start + timedelta(minutes=89)) is not None
        assert announcement(GAINGRID, conn, now=start + timedelta(minutes=90)) is None  # passed
    engine.dispose()
    page = tmp_path / "report.html"
    ok(gg("migrate", "report", "--env", "production", "--html", str(page)))
    assert "phase 6 schedule" not in page.read_text()  # a planned window is no step of a run
    write_config(tmp_path, production=closed_window())
    refused(gg("migrate", "schedule", "--env", "production", "--at", start.isoformat()), "maintenance window")
