"""`gaingrid backup` and `gaingrid restore`, and the library under them, on both databases.

A restore must bring back exactly the backup's state (the data, the version
record, the toolkit's bookkeeping; tables added since dropped) and verify it.
Every refusal is one `error:` line that changes nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from gaingrid.cli import app
from gaingrid.phases import GAINGRID
from gaingrid.testing import pg_server
from phased.declare.errors import MigrateError
from phased.dialects import engines
from phased.lifecycle.commands import Migrator
from phased.safety import backup as backups
from phased.safety.backup import create_backup, manifest_path, read_manifest, restore_backup
from phased.state.state import recorded_revision
from tests.harness import engine_for, legacy_database, snapshot, write_new_app_data

SECRET = "s3cret"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_ambient_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAINGRID_DATABASE_URL", raising=False)


# -- helpers ----------------------------------------------------------------------------------------

def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def with_password(pg_url: str) -> str:
    """The test server trusts every local connection, so a password in the URL is accepted and ignored."""
    return sa.make_url(pg_url).set(password=SECRET).render_as_string(hide_password=False)


def connected(url: str, fn):
    engine = engines.create_engine(engines.parse_url(url))
    try:
        with engine.connect() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def fingerprint_of(url: str) -> dict:
    return connected(url, lambda conn: backups.take_fingerprint(GAINGRID, conn))


def contents(url: str):
    """Every table of every schema with its row count (the ledger aside: it keeps its history across a
    restore), the version record, on PostgreSQL the owner, privileges and comment of `public`; and
    every application row."""
    engine = engines.create_engine(engines.parse_url(url))
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            schemas = [None] if is_sqlite(url) else ["public", GAINGRID.namespace]
            tables = {(s, t): conn.exec_driver_sql(f'SELECT count(*) FROM {f"{s}." if s else ""}"{t}"').scalar()
                      for s in schemas for t in insp.get_table_names(schema=s) if not t.endswith("ledger")}
            public = None if is_sqlite(url) else conn.exec_driver_sql(
                "SELECT nspowner::regrole::text, nspacl::text, obj_description(oid, 'pg_namespace') "
                "FROM pg_namespace WHERE nspname = 'public'").one()
            catalog = tables, public, recorded_revision(GAINGRID, conn)
        return catalog, snapshot(engine)
    finally:
        engine.dispose()


def world(url: str):
    """Everything a refused command could have changed (on SQLite, the file's bytes)."""
    if is_sqlite(url):
        return Path(sa.make_url(url).database).read_bytes()
    return contents(url), fingerprint_of(url)


def change_everything(url: str, *, migrate_on: bool = True) -> None:
    """Insert, update and delete rows, then migrate on: later phases add tables and bookkeeping."""
    engine = engines.create_engine(engines.parse_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text('INSERT INTO "User" (id, email, password, "updatedAt") VALUES (:id, :e, :p, :t)'),
                         dict(id="user-after-backup", e="late@example.com", p="x", t=datetime(2026, 8, 1)))
            conn.exec_driver_sql('UPDATE "Workout" SET name = \'renamed after the backup\'')
            conn.exec_driver_sql('DELETE FROM "WorkoutExercise" WHERE id IN '
                                 '(SELECT id FROM "WorkoutExercise" ORDER BY id LIMIT 5)')
    finally:
        engine.dispose()
    if migrate_on:
        Migrator(GAINGRID, url).up()


def only_backup(directory: Path) -> Path:
    [path] = [p for p in directory.iterdir() if not p.name.endswith(backups.MANIFEST_SUFFIX)]
    return path


def gg(*args: str, url: str | None = None) -> Result:
    return runner.invoke(app, [*args, *(["--database-url", url] if url else [])])


def refused(result: Result, *says: str) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), f"crashed instead of refusing: {result.exception!r}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in says:
        assert needle.lower() in lines[0].lower(), f"{needle!r} not in {lines[0]!r}"
    assert result.stdout == "" and SECRET not in result.output
    return lines[0]


def succeeded(result: Result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}\n{result.exception!r}"
    assert result.stderr == "" and SECRET not in result.output
    return " ".join(result.stdout.split())


# -- the round trip ---------------------------------------------------------------------------------

def test_restore_brings_back_data_version_record_and_drops_later_tables(db_url, tmp_path):
    migrator = legacy_database(db_url)
    migrator.up(to=2)
    engine = engine_for(migrator)
    write_new_app_data(engine, 2)
    engine.dispose()
    before = contents(db_url)

    path, manifest = create_backup(GAINGRID, migrator.url, tmp_path / "backups")
    assert path.parent == tmp_path / "backups" and path.name == manifest.file
    backend = migrator.url.get_backend_name()
    assert path.name.startswith(f"gaingrid-{backend}-phase2-")
    assert (manifest.phase, manifest.dialect, manifest.size) == (2, backend, path.stat().st_size)
    assert manifest.fingerprint == fingerprint_of(db_url) and manifest.fingerprint["User"]["rows"] > 0
    assert manifest.database == engines.redact(migrator.url) and manifest.tool_version
    assert read_manifest(path) == read_manifest(manifest_path(path)) == (path, manifest)

    change_everything(db_url)
    assert Migrator(GAINGRID, db_url).status().phase_number == 6
    assert contents(db_url) != before
    history = Migrator(GAINGRID, db_url).history()

    assert restore_backup(GAINGRID, migrator.url, manifest_path(path)) == manifest
    assert fingerprint_of(db_url) == manifest.fingerprint
    assert contents(db_url) == before  # WorkoutLog, TrainingPlan, Reminder and their bookkeeping are gone
    assert Migrator(GAINGRID, db_url).status().phase_number == manifest.phase == 2
    # The ledger keeps what happened after the backup, and records the restore itself.
    after = Migrator(GAINGRID, db_url).history()
    key = lambda e: (e.started_at, e.direction, e.phase, e.run)  # noqa: E731
    assert [key(e) for e in history] == [key(e) for e in after[:-1]]
    assert (after[-1].direction, after[-1].phase, after[-1].outcome) == ("restore", 2, "ok")

    migrator.up()  # the toolkit's records are coherent: the migration runs again from phase 2
    assert Migrator(GAINGRID, db_url).status().phase_number == 6


def test_cli_round_trip_at_the_backfill_phase_restores_via_the_file_path(db_url, tmp_path):
    url = db_url if is_sqlite(db_url) else with_password(db_url)
    legacy_database(db_url).up(to=5)
    before = contents(db_url)

    out = succeeded(gg("backup", "--dir", str(tmp_path / "bk"), url=url))
    path = only_backup(tmp_path / "bk")
    assert f"backup: {path}" in out and f"manifest: {manifest_path(path)}" in out and "phase 5 add_workout_log" in out
    assert SECRET not in manifest_path(path).read_text()

    change_everything(db_url)
    out = succeeded(gg("restore", str(path), url=url))
    assert f"restored {path.name}" in out and "verified: phase 5 add_workout_log" in out
    assert contents(db_url) == before

    # The sync triggers came back with the toolkit's schema: a legacy write still reaches WorkoutLog
    # (on PostgreSQL when it commits).
    first = '(SELECT min(id) FROM "WorkoutExercise")'
    engine = engines.create_engine(engines.parse_url(db_url))
    with engine.begin() as conn:
        conn.exec_driver_sql(f'UPDATE "WorkoutExercise" SET sets = 42 WHERE id = {first}')
    with engine.begin() as conn:
        assert conn.exec_driver_sql(f'SELECT sets FROM "WorkoutLog" WHERE id = {first}').scalar() == 42
    engine.dispose()


def test_backup_of_an_empty_database_restores_to_empty(db_url, tmp_path):
    if is_sqlite(db_url):
        sa.create_engine(db_url).connect().close()
    path, manifest = create_backup(GAINGRID, engines.parse_url(db_url), tmp_path)
    assert (manifest.phase, manifest.fingerprint) == (0, {})
    legacy_database(db_url)
    restore_backup(GAINGRID, engines.parse_url(db_url), path)
    assert Migrator(GAINGRID, db_url).status().empty


# -- files ------------------------------------------------------------------------------------------

def test_backup_files_are_0600_in_a_0700_directory_whatever_the_umask(db_url, tmp_path):
    legacy_database(db_url)
    old = os.umask(0)
    try:
        path, _ = create_backup(GAINGRID, engines.parse_url(db_url), tmp_path / "new" / "backups")
        again, _ = create_backup(GAINGRID, engines.parse_url(db_url), tmp_path / "new" / "backups")
    finally:
        os.umask(old)
    assert (tmp_path / "new" / "backups").stat().st_mode & 0o777 == 0o700
    assert again != path and manifest_path(again) != manifest_path(path)  # same second: a fresh name
    for file in (path, manifest_path(path), again, manifest_path(again)):
        assert file.stat().st_mode & 0o777 == 0o600, file
    assert sorted(p.name for p in (tmp_path / "new" / "backups").iterdir()) == sorted(
        p.name for p in (path, manifest_path(path), again, manifest_path(again)))  # no probe left behind


# -- refusals ---------------------------------------------------------------------------------------

def test_corrupt_truncated_or_unreadable_backups_are_refused_and_change_nothing(db_url, tmp_path):
    url = legacy_database(db_url).url
    path, manifest = create_backup(GAINGRID, url, tmp_path)
    change_everything(db_url, migrate_on=False)
    before = world(db_url)
    good = path.read_bytes()

    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    path.write_bytes(bytes(flipped))
    refused(gg("restore", str(path), url=db_url), "SHA-256", "corrupt", "nothing was restored")
    path.write_bytes(good[:-100])
    refused(gg("restore", str(manifest_path(path)), url=db_url), "truncated", f"{len(good):,}")
    path.write_bytes(b"")
    refused(gg("restore", str(path), url=db_url), "truncated")

    # Checksum and size agree, but the file is no archive: the archive check refuses it.
    fake = tmp_path / ("fake" + path.suffix)
    fake.write_bytes(b"not a database " * 100)
    fake_manifest = {**json.loads(manifest_path(path).read_text()), "file": fake.name,
                     "size": fake.stat().st_size, "sha256": backups._sha256(fake)}
    manifest_path(fake).write_text(json.dumps(fake_manifest))
    refused(gg("restore", str(fake), url=db_url), "not a readable")
    assert world(db_url) == before

    path.write_bytes(good)  # intact again: the same restore now works
    succeeded(gg("restore", str(path), url=db_url))
    assert fingerprint_of(db_url) == manifest.fingerprint


def test_missing_or_mismatched_backup_files_are_refused(sqlite_url, tmp_path):
    url = legacy_database(sqlite_url).url
    path, _ = create_backup(GAINGRID, url, tmp_path / "bk")
    other, _ = create_backup(GAINGRID, url, tmp_path / "bk")
    change_everything(sqlite_url, migrate_on=False)
    before = world(sqlite_url)

    refused(gg("restore", str(tmp_path / "nope.sqlite"), url=sqlite_url), "no such backup", "nope.sqlite")
    manifest_path(other).write_text(manifest_path(path).read_text())  # describes `path`, not `other`
    refused(gg("restore", str(other), url=sqlite_url), f"describes {path.name}, not {other.name}")
    manifest_path(other).unlink()
    refused(gg("restore", str(other), url=sqlite_url), "no manifest for", str(manifest_path(other)))
    manifest_path(other).write_text("{not json")
    refused(gg("restore", str(other), url=sqlite_url), "unreadable backup manifest")
    manifest_path(other).write_text(json.dumps({"file": other.name}))
    refused(gg("restore", str(other), url=sqlite_url), "unreadable backup manifest", "no field")
    path.unlink()
    refused(gg("restore", str(manifest_path(path)), url=sqlite_url), "is missing", path.name)
    assert world(sqlite_url) == before


@pytest.mark.postgres
def test_a_backup_is_restored_only_into_its_own_dialect(sqlite_url, pg_url, tmp_path):
    sqlite_backup, _ = create_backup(GAINGRID, legacy_database(sqlite_url).url, tmp_path)
    pg_backup, _ = create_backup(GAINGRID, legacy_database(pg_url).url, tmp_path)
    before = world(sqlite_url), world(pg_url)
    refused(gg("restore", str(sqlite_backup), url=with_password(pg_url)), "sqlite backup", "postgresql database")
    refused(gg("restore", str(manifest_path(pg_backup)), url=sqlite_url), "postgresql backup", "sqlite database")
    assert (world(sqlite_url), world(pg_url)) == before


def test_unwritable_backup_directory_is_refused_before_dumping(db_url, tmp_path):
    legacy_database(db_url)
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a directory")
    before, listing = world(db_url), sorted(tmp_path.rglob("*"))
    # Root ignores permission bits: these fail for root too.
    for directory in (in_the_way, in_the_way / "backups", Path("/proc/gaingrid-backups")):
        refused(gg("backup", "--dir", str(directory), url=db_url), "cannot write backups to", str(directory))
    assert world(db_url) == before and sorted(tmp_path.rglob("*")) == listing


def test_backup_of_a_missing_or_unreachable_database_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(gg("backup", url=f"sqlite:///{tmp_path}/missing.db"), "no database at", "nothing to back up")
    refused(gg("backup", url=f"postgresql://u:{SECRET}@127.0.0.1:1/x"), "cannot connect to", "u:***@127.0.0.1:1/x")
    assert list(tmp_path.iterdir()) == []  # neither a database file nor a backup directory


# -- PostgreSQL client tools ------------------------------------------------------------------------

@pytest.mark.postgres
def test_password_reaches_pg_tools_only_through_the_environment(pg_url, tmp_path, monkeypatch):
    url = with_password(pg_url)
    legacy_database(pg_url)
    calls = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def spy(real):
        def call(argv, *args, **kwargs):
            calls.append((argv, kwargs.get("env")))
            return real(argv, *args, **kwargs)
        return call

    with monkeypatch.context() as patched:
        patched.setattr(subprocess, "run", spy(real_run))
        patched.setattr(subprocess, "Popen", spy(real_popen))
        succeeded(gg("backup", "--dir", str(tmp_path), url=url))
        succeeded(gg("restore", str(only_backup(tmp_path)), url=url))

    used = {Path(argv[0]).name for argv, _ in calls}
    assert {"pg_dump", "pg_restore", "psql"} <= used
    for argv, env in calls:
        assert SECRET not in " ".join(argv)
        if any(arg.startswith("--dbname=") for arg in argv):
            assert env["PGPASSWORD"] == SECRET


def test_pg_tools_must_match_the_server_major_version(tmp_path, monkeypatch):
    from phased.dialects import postgresql_backup as tools_module

    with pytest.raises(MigrateError, match="PostgreSQL 99, so pg_dump 99 is needed"):
        tools_module.pg_tools(99)
    on_path = shutil.which("pg_dump")
    major = tools_module.tool_major(on_path)
    tools = tools_module.pg_tools(major)
    assert {tools_module.tool_major(t) for t in (tools.pg_dump, tools.pg_restore)} == {major}
    monkeypatch.setattr(tools_module, "PG_BIN_ROOT", tmp_path)  # no versioned directories: PATH's tools only
    assert tools_module.pg_tools(major).pg_dump == on_path
    with pytest.raises(MigrateError, match=f"pg_dump {major - 1} is needed .*version {major}"):
        tools_module.pg_tools(major - 1)


@pytest.mark.postgres
def test_a_restore_that_fails_midway_is_rolled_back_whole(pg_url, tmp_path):
    """An archive damaged inside its data, behind an intact table of contents (and a manifest that
    vouches for it): pg_restore stops midway, and the schemas it had dropped are back untouched."""
    url = legacy_database(pg_url).url
    path, _ = create_backup(GAINGRID, url, tmp_path)
    change_everything(pg_url)
    before = world(pg_url)
    damaged = bytearray(path.read_bytes())
    for i in range(len(damaged) - 400, len(damaged) - 200):
        damaged[i] ^= 0x5A
    path.write_bytes(bytes(damaged))
    manifest = {**json.loads(manifest_path(path).read_text()), "sha256": backups._sha256(path)}
    manifest_path(path).write_text(json.dumps(manifest))
    refused(gg("restore", str(path), url=pg_url), "rolled back")
    assert world(pg_url) == before


# -- restores that never surprise ----------------------------------------------------------------

def test_a_backup_of_another_database_is_refused_naming_both_unless_forced(db_url, tmp_path, request):
    legacy_database(db_url)
    path, _ = create_backup(GAINGRID, engines.parse_url(db_url), tmp_path / "backups")
    if is_sqlite(db_url):
        other = f"sqlite:///{tmp_path / 'other.db'}"
    else:
        admin = request.getfixturevalue("pg_admin_url")
        other = pg_server.create_database(admin)
        request.addfinalizer(lambda: pg_server.drop_database(admin, other))
    legacy_database(other)
    before = world(other)
    line = refused(gg("restore", str(path), url=other), "is a backup of", "nothing was restored", "--force")
    assert engines.redact(engines.parse_url(db_url)) in line and engines.redact(engines.parse_url(other)) in line
    assert world(other) == before
    succeeded(gg("restore", str(path), "--force", url=other))
    assert fingerprint_of(other) == fingerprint_of(db_url)


@pytest.mark.postgres
def test_a_restore_with_other_sessions_connected_is_refused_listing_them_or_ends_them(pg_url, tmp_path):
    legacy_database(pg_url)
    path, manifest = create_backup(GAINGRID, engines.parse_url(pg_url), tmp_path / "backups")
    app_session = sa.create_engine(pg_url).connect()
    app_session.exec_driver_sql("SELECT 1")
    pid = app_session.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    try:
        before = world(pg_url)
        line = refused(gg("restore", str(path), url=pg_url), "other sessions are connected", "--terminate")
        assert f"pid {pid}" in line and world(pg_url) == before
        succeeded(gg("restore", str(path), "--terminate", url=pg_url))
        with pytest.raises(sa.exc.OperationalError):  # the session was ended
            app_session.exec_driver_sql("SELECT 1")
    finally:
        app_session.invalidate()
    assert fingerprint_of(pg_url) == manifest.fingerprint


def test_when_the_restored_data_differs_from_the_fingerprint_it_says_the_restore_committed(db_url, tmp_path):
    migrator = legacy_database(db_url)
    path, manifest = create_backup(GAINGRID, migrator.url, tmp_path / "backups")
    data = json.loads(manifest_path(path).read_text())
    data["fingerprint"]["User"]["rows"] += 1  # as if another session wrote between the restore and the check
    manifest_path(path).write_text(json.dumps(data))
    change_everything(db_url, migrate_on=False)
    line = refused(gg("restore", str(path), url=db_url), "the restore committed", "now holds", "migrate verify")
    assert "User" in line
    assert fingerprint_of(db_url)["WorkoutExercise"] == manifest.fingerprint["WorkoutExercise"]  # it was replaced
    assert Migrator(GAINGRID, db_url).history()[-1].direction == "restore"
