"""Backups before a migration, and restores that bring a database back exactly.

A backup is one file and a manifest beside it (`<name>.manifest.json`): the
file's size and SHA-256, the dialect, the phase, and a content fingerprint of
every application table, taken in the same snapshot as the file.

- PostgreSQL: `pg_dump -Fc` of the whole database, the toolkit's schema
  included, by the client tools of the server's major version. A restore drops
  and recreates `public` and the toolkit's schema and replays the archive in
  one transaction (pg_restore's script, run by psql, committed only once the
  whole archive has been read): it lands whole or not at all.
- SQLite: the online backup API, in both directions.

A restore checks the file's size and checksum, then the archive itself, before
it touches the database, and the fingerprint and phase after.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Callable

import sqlalchemy as sa

from gaingrid import __version__

from . import dialect, fingerprint, ledger
from .errors import MigrateError, cli
from .phase import Project
from .state import live_shape, namespace_for, read_state

MANIFEST_SUFFIX = ".manifest.json"
PG_BIN_ROOT = Path("/usr/lib/postgresql")  # Debian's layout: /usr/lib/postgresql/<major>/bin
_EXTENSIONS = {"postgresql": ".dump", "sqlite": ".sqlite"}


@dataclass(frozen=True)
class Manifest:
    file: str  # the backup's file name, in the manifest's directory
    sha256: str
    size: int
    dialect: str
    phase: int  # 0 if the database was at no phase
    fingerprint: dict  # fingerprint.to_json of every application table
    created_at: str  # ISO 8601, UTC
    tool_version: str
    database: str  # the URL, password masked


@dataclass(frozen=True)
class PgTools:
    major: int
    pg_dump: str
    pg_restore: str
    psql: str


def manifest_path(backup: Path) -> Path:
    return backup.with_suffix(MANIFEST_SUFFIX)


# -- backup -----------------------------------------------------------------------------------------

def create_backup(project: Project, url: sa.URL, directory: Path) -> tuple[Path, Manifest]:
    """Back up the whole database into `directory`; returns the backup file and its manifest."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        _require_sqlite_file(url)
    with dialect.connection(url) as conn:
        tools = pg_tools(server_major(conn)) if backend == "postgresql" else None
        _prepare_directory(directory)
        if tools:  # state, fingerprint and pg_dump all see one snapshot
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar() if tools else None
            phase = read_state(project, conn).phase_number
            content = take_fingerprint(project, conn)
            stamp = datetime.now(timezone.utc)
            path, fd = _new_file(directory, f"{project.name}-{backend}-phase{phase}-{stamp:%Y%m%dT%H%M%SZ}",
                                 _EXTENSIONS[backend])
            try:
                if tools:
                    _run([tools.pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--dbname={_conninfo(url)}"],
                         env=_pg_env(url), stdout=fd)
                else:
                    _sqlite_copy(conn.connection.driver_connection, path)
                os.fsync(fd)
                manifest = Manifest(path.name, _sha256(path), path.stat().st_size, backend, phase, content,
                                    stamp.isoformat(timespec="seconds"), __version__, dialect.redact(url))
                _write_private(manifest_path(path), json.dumps(asdict(manifest), indent=2) + "\n")
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            finally:
                os.close(fd)
    return path, manifest


def hook(project: Project, url: sa.URL, directory: Path, announce: Callable[[Path], None] | None = None
         ) -> Callable[[], str]:
    """For `Migrator.up(backup=…)`: takes the backup when the run is about to change something."""
    def take() -> str:
        path, _ = create_backup(project, url, directory)
        if announce:
            announce(path)
        return str(path)
    return take


def take_fingerprint(project: Project, conn: sa.Connection) -> dict:
    """fingerprint.to_json of every application table (the toolkit's own excluded), with its live columns."""
    tables = list(live_shape(project, conn).tables)
    return fingerprint.to_json(fingerprint.take(conn, fingerprint.live_columns(conn, tables)))


def _prepare_directory(directory: Path) -> None:
    """Create the directory (0700) if it is missing, and prove a file can be written in it, before any dump."""
    if directory.exists() and not directory.is_dir():
        raise MigrateError(f"cannot write backups to {directory}: it is not a directory")
    try:
        if not directory.is_dir():
            directory.mkdir(mode=0o700, parents=True)
            os.chmod(directory, 0o700)  # mkdir's mode is subject to the umask
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".backup-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise MigrateError(f"cannot write backups to {directory}: {exc.strerror or exc}") from None


def _new_file(directory: Path, stem: str, extension: str) -> tuple[Path, int]:
    """A new file, mode 0600, whose manifest name is free too: `stem`, or `stem-2`, … if taken."""
    for n in range(1, 100):
        path = directory / f"{stem}{'' if n == 1 else f'-{n}'}{extension}"
        if manifest_path(path).exists():
            continue
        try:
            return path, _open_private(path)
        except FileExistsError:
            continue
    raise MigrateError(f"cannot find a free backup file name in {directory} for {stem}")


def _open_private(path: Path) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask
    return fd


def _write_private(path: Path, text: str) -> None:
    fd = _open_private(path)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


# -- reading a backup -------------------------------------------------------------------------------

_TYPES = {"str": str, "int": int, "dict": dict}


def read_manifest(path: Path) -> tuple[Path, Manifest]:
    """The backup file and its manifest, given either one."""
    path = Path(path)
    given_manifest = path.name.endswith(MANIFEST_SUFFIX)
    manifest_file = path if given_manifest else manifest_path(path)
    if not path.is_file():
        raise MigrateError(f"no such backup: {path}")
    if not manifest_file.is_file():
        raise MigrateError(f"no manifest for {path}: expected {manifest_file}")
    try:
        data = json.loads(manifest_file.read_text())
        values = {f.name: data[f.name] for f in fields(Manifest)}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = f"no field {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise MigrateError(f"unreadable backup manifest {manifest_file}: {reason}") from None
    wrong = [f.name for f in fields(Manifest) if not isinstance(values[f.name], _TYPES[f.type])]
    if wrong:
        raise MigrateError(f"unreadable backup manifest {manifest_file}: bad {', '.join(wrong)}")
    manifest = Manifest(**values)
    if Path(manifest.file).name != manifest.file or manifest.file in ("", ".", ".."):
        raise MigrateError(f"backup manifest {manifest_file} names {manifest.file!r}, not a file beside it")
    backup = manifest_file.parent / manifest.file
    if not given_manifest and backup.name != path.name:
        raise MigrateError(f"backup manifest {manifest_file} describes {manifest.file}, not {path.name}")
    if not backup.is_file():
        raise MigrateError(f"the backup file {backup} named by {manifest_file.name} is missing")
    return backup, manifest


def verify_file(path: Path, manifest: Manifest) -> None:
    """Refuse a truncated or corrupt backup: its size, then its SHA-256, against the manifest."""
    size = path.stat().st_size
    if size != manifest.size:
        raise MigrateError(f"{path} is {size:,} bytes but its manifest says {manifest.size:,}: "
                           "the backup is truncated or damaged; nothing was restored")
    if _sha256(path) != manifest.sha256:
        raise MigrateError(f"{path} does not match its manifest's SHA-256: the backup is corrupt; nothing was restored")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- restore ----------------------------------------------------------------------------------------

def restore_backup(project: Project, url: sa.URL, path: Path, *, force: bool = False,
                   terminate: bool = False) -> Manifest:
    """Bring the database back to exactly the backup's state: tables added since are dropped.

    Refused, before anything changes, when the backup was taken of another database, or
    while other sessions are connected (they would write over the restored data), unless
    `force`; `terminate` ends those sessions first. The ledger keeps its own history:
    entries made since the backup are put back, and the restore is recorded.
    """
    backup, manifest = read_manifest(path)
    backend = url.get_backend_name()
    if manifest.dialect != backend:
        raise MigrateError(f"{backup.name} is a {manifest.dialect} backup; it cannot be restored "
                           f"into the {backend} database {dialect.redact(url)}")
    if not force and not same_database(manifest.database, url):
        raise MigrateError(f"{backup.name} is a backup of {manifest.database}, not of {dialect.redact(url)}; "
                           "nothing was restored: pass --force to restore it here anyway")
    verify_file(backup, manifest)
    with dialect.connection(url) as conn:
        tools = pg_tools(server_major(conn)) if backend == "postgresql" else None
        if tools:
            _run([tools.pg_restore, "--list", str(backup)], stdout=subprocess.DEVNULL,
                 failure=f"{backup} is not a readable pg_dump archive")
        else:
            _sqlite_check(backup)
        _sessions_in_the_way(conn, force=force, terminate=terminate)
        ns = namespace_for(project, conn)
        with dialect.migrator_lock(conn):
            history = ledger.entries(conn, ns)
            conn.rollback()
            started_at = ledger.now()
            if tools:
                _pg_load(tools, url, backup, ns.name)
            else:
                _sqlite_copy(backup, conn.connection.driver_connection)
            ledger.merge(conn.engine, ns, history)
            entry = ledger.Entry(manifest.phase, "restore", started_at, ledger.now(), 0.0, "ok", backup=str(backup),
                                 details={"backup of": manifest.database, "taken at": manifest.created_at})
            problem = _restored_differs(project, conn, manifest)
            if problem:
                entry.outcome, entry.error = "failed", problem
            ledger.record(conn.engine, ns, entry)
            if problem:
                raise MigrateError(f"the restore committed: the database now holds {backup.name}, but {problem}; "
                                   f"run {cli('verify')} to see where it stands")
    return manifest


def same_database(recorded: str, url: sa.URL) -> bool:
    """Whether a manifest's (redacted) database URL names the database `url` names."""
    try:
        theirs = sa.engine.make_url(recorded)
    except (sa.exc.ArgumentError, ValueError):
        return False
    if url.get_backend_name() == "sqlite":
        return bool(theirs.database and url.database) and Path(theirs.database).resolve() == Path(url.database).resolve()
    where = lambda u: (u.host or "localhost", u.port or 5432, u.database)  # noqa: E731
    return where(theirs) == where(url)


def _sessions_in_the_way(conn: sa.Connection, *, force: bool, terminate: bool) -> None:
    """Other sessions on the database: refused unless `force`, or ended with `terminate` (PostgreSQL).

    SQLite cannot list its connections: only one holding a lock shows, as the restore waits for it.
    """
    if conn.dialect.name != "postgresql":
        return
    rows = conn.exec_driver_sql(
        "SELECT pid, usename, coalesce(nullif(application_name, ''), '?'), state, "
        "extract(epoch FROM now() - backend_start)::int FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchall()
    conn.rollback()
    if not rows or force:
        return
    if terminate:
        for pid, *_ in rows:
            conn.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid})
        conn.commit()
        return
    listed = ", ".join(f"pid {pid} ({user}, {app}, {state}, connected {age} s)" for pid, user, app, state, age in rows)
    raise MigrateError(f"{len(rows)} other sessions are connected ({listed}); nothing was restored: stop them, "
                       "or pass --terminate to end them, or --force to restore while they stay")


def _restored_differs(project: Project, conn: sa.Connection, manifest: Manifest) -> str | None:
    """Why the restored database is not the backup's, or None: other sessions may have written since it committed."""
    expected = fingerprint.from_json(manifest.fingerprint)
    actual = fingerprint.from_json(take_fingerprint(project, conn))
    phase = read_state(project, conn).phase_number
    conn.rollback()
    diffs = fingerprint.differences(expected, actual) + [f"{t}: unexpected" for t in actual if t not in expected]
    if diffs:
        return (f"its contents differ from the backup's fingerprint ({'; '.join(diffs[:3])}): another session "
                "may have written since the restore committed")
    if phase != manifest.phase:
        return f"it is at phase {phase}, and the backup was taken at {manifest.phase}"
    return None


# -- connections ------------------------------------------------------------------------------------

# -- SQLite -----------------------------------------------------------------------------------------

def _require_sqlite_file(url: sa.URL) -> None:
    database = url.database
    if not database or database == ":memory:":
        raise MigrateError("an in-memory SQLite database cannot be backed up")
    if not Path(database).is_file():
        raise MigrateError(f"no database at {database}: there is nothing to back up")


def _sqlite_open_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _sqlite_check(path: Path) -> None:
    try:
        source = _sqlite_open_readonly(path)
        try:
            result = source.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    if result != "ok":
        raise MigrateError(f"{path} is not a readable SQLite backup: {result.splitlines()[0]}")


def _sqlite_copy(source: sqlite3.Connection | Path, target: sqlite3.Connection | Path) -> None:
    """The online backup API: a consistent copy of all of `source` over all of `target` (a file is opened here)."""
    opened: list[sqlite3.Connection] = []

    def open_(db: sqlite3.Connection | Path, readonly: bool) -> sqlite3.Connection:
        if isinstance(db, Path):
            opened.append(_sqlite_open_readonly(db) if readonly else sqlite3.connect(db))
            return opened[-1]
        return db

    try:
        open_(source, True).backup(open_(target, False))
    finally:
        for conn in opened:
            conn.close()


# -- PostgreSQL -------------------------------------------------------------------------------------

def server_major(conn: sa.Connection) -> int:
    number = int(conn.exec_driver_sql("SHOW server_version_num").scalar())
    conn.rollback()
    return number // 10000


def pg_tools(major: int) -> PgTools:
    """pg_dump, pg_restore and psql of the server's major version."""
    return PgTools(major, *(_pg_tool(name, major) for name in ("pg_dump", "pg_restore", "psql")))


def _pg_tool(name: str, major: int) -> str:
    candidate = PG_BIN_ROOT / str(major) / "bin" / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    found_major = _tool_major(found) if found else None
    if found_major == major:
        return found
    have = f"{name} on PATH is version {found_major}" if found else f"no {name} on PATH"
    raise MigrateError(f"the server runs PostgreSQL {major}, so {name} {major} is needed ({have}, "
                       f"none in {candidate.parent}): install the PostgreSQL {major} client tools")


def _tool_major(path: str) -> int | None:
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def _conninfo(url: sa.URL) -> str:
    """A libpq connection string for the URL, without its password (that goes in PGPASSWORD)."""
    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    params.update({k: (v[-1] if isinstance(v, tuple) else v) for k, v in url.query.items() if k != "password"})
    params.setdefault("connect_timeout", 10)

    def quoted(value) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={quoted(v)}" for k, v in params.items() if v is not None)


def _pg_env(url: sa.URL) -> dict[str, str]:
    password = url.password or url.query.get("password")
    if isinstance(password, tuple):
        password = password[-1]
    return {**os.environ, "PGPASSWORD": str(password)} if password else dict(os.environ)


def _recreate_schemas(toolkit_schema: str, major: int) -> str:
    """Drop the application's and the toolkit's schemas; recreate `public` as the server itself makes it."""
    if major >= 15:  # owned by the database owner; everyone may use it, only the owner create in it
        public = ("GRANT USAGE ON SCHEMA public TO PUBLIC;\n"
                  "DO $$ BEGIN\n"
                  "  IF (SELECT pg_has_role(oid, 'MEMBER') FROM pg_roles WHERE rolname = 'pg_database_owner') THEN\n"
                  "    ALTER SCHEMA public OWNER TO pg_database_owner;\n"
                  "  END IF;\n"
                  "END $$;\n")
    else:
        public = "GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC;\n"
    return (f'BEGIN;\nDROP SCHEMA IF EXISTS "{toolkit_schema}" CASCADE;\nDROP SCHEMA IF EXISTS public CASCADE;\n'
            f"CREATE SCHEMA public;\nCOMMENT ON SCHEMA public IS 'standard public schema';\n{public}")


def _pg_load(tools: PgTools, url: sa.URL, archive: Path, toolkit_schema: str) -> None:
    """Schemas dropped and recreated, then the archive replayed: one transaction, committed only
    if pg_restore read the whole archive and psql ran every statement."""
    env = _pg_env(url)
    with tempfile.TemporaryFile() as reader_err, tempfile.TemporaryFile() as loader_err:
        reader = subprocess.Popen([tools.pg_restore, "--no-owner", "--exit-on-error", "--file=-", str(archive)],
                                  stdout=subprocess.PIPE, stderr=reader_err, env=env)
        loader = subprocess.Popen([tools.psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                                   f"--dbname={_conninfo(url)}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=loader_err, env=env)
        try:
            loader.stdin.write(_recreate_schemas(toolkit_schema, tools.major).encode())
            shutil.copyfileobj(reader.stdout, loader.stdin, 1 << 20)
            if reader.wait() == 0:
                loader.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error: its stderr says which
        finally:
            reader.stdout.close()
            reader.wait()
            try:
                loader.stdin.close()
            except BrokenPipeError:
                pass
            loader.wait()
        if reader.returncode != 0:
            raise MigrateError(f"pg_restore failed; the restore was rolled back: {_first_line(reader_err)}")
        if loader.returncode != 0:
            raise MigrateError(f"the restore failed and was rolled back: {_first_line(loader_err)}")


def _run(argv: list[str], *, stdout: int | IO, env: dict[str, str] | None = None, failure: str | None = None) -> None:
    with tempfile.TemporaryFile() as err:
        code = subprocess.run(argv, stdout=stdout, stderr=err, env=env).returncode
        if code != 0:
            raise MigrateError(f"{failure or Path(argv[0]).name + ' failed'}: {_first_line(err)}")


def _first_line(stream: IO[bytes]) -> str:
    stream.seek(0)
    lines = [line.strip() for line in stream.read().decode(errors="replace").splitlines() if line.strip()]
    return lines[0] if lines else "no message"
