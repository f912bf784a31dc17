"""PostgreSQL's backups, restores and rehearsal clones.

A backup is `pg_dump -Fc` of the whole database, the toolkit's schema included,
by the client tools of the server's major version, in the snapshot the
manifest's fingerprint is taken in. A restore drops and recreates `public` and
the toolkit's schema and replays the archive in one transaction (pg_restore's
script, run by psql, committed only once the whole archive has been read): it
lands whole or not at all.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from phased.declare.errors import MigrateError
from phased.declare.sql import quote

PG_BIN_ROOT = Path("/usr/lib/postgresql")  # Debian's layout: /usr/lib/postgresql/<major>/bin


@dataclass(frozen=True)
class PgTools:
    major: int
    pg_dump: str
    pg_restore: str
    psql: str


def server_major(conn: sa.Connection) -> int:
    number = int(conn.exec_driver_sql("SHOW server_version_num").scalar())
    conn.rollback()
    return number // 10000


def pg_tools(major: int) -> PgTools:
    """pg_dump, pg_restore and psql of a server's major version."""
    return PgTools(major, *(_tool(name, major) for name in ("pg_dump", "pg_restore", "psql")))


def tools_for(conn: sa.Connection) -> PgTools:
    return pg_tools(server_major(conn))


def _tool(name: str, major: int) -> str:
    candidate = PG_BIN_ROOT / str(major) / "bin" / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    found_major = tool_major(found) if found else None
    if found_major == major:
        return found
    have = f"{name} on PATH is version {found_major}" if found else f"no {name} on PATH"
    raise MigrateError(f"the server runs PostgreSQL {major}, so {name} {major} is needed ({have}, "
                       f"none in {candidate.parent}): install the PostgreSQL {major} client tools")


def tool_major(path: str) -> int | None:
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


# -- backup -----------------------------------------------------------------------------------------

@contextmanager
def snapshot(conn: sa.Connection, url: sa.URL) -> Iterator[tuple[sa.Connection, Callable[[int, Path], None]]]:
    """A repeatable-read transaction, and a dump that sees the same snapshot as its reads."""
    tools = tools_for(conn)
    conn = conn.execution_options(isolation_level="REPEATABLE READ")
    with conn.begin():
        exported = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()

        def dump(fd: int, _path: Path) -> None:
            _run([tools.pg_dump, "--format=custom", f"--snapshot={exported}", f"--dbname={_conninfo(url)}"],
                 env=_env(url), stdout=fd)

        yield conn, dump


# -- restore ----------------------------------------------------------------------------------------

def check(conn: sa.Connection, path: Path) -> None:
    """Refuse a file pg_restore cannot read."""
    _run([tools_for(conn).pg_restore, "--list", str(path)], stdout=subprocess.DEVNULL,
         failure=f"{path} is not a readable pg_dump archive")


def other_sessions(conn: sa.Connection, *, force: bool, terminate: bool) -> None:
    """Other sessions on the database: refused unless `force`, or ended with `terminate`."""
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


def load(conn: sa.Connection, url: sa.URL, archive: Path, toolkit_schema: str) -> None:
    """Schemas dropped and recreated, then the archive replayed: one transaction, committed only
    if pg_restore read the whole archive and psql ran every statement."""
    tools, env = tools_for(conn), _env(url)
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
    return (f"BEGIN;\nDROP SCHEMA IF EXISTS {quote(toolkit_schema)} CASCADE;\nDROP SCHEMA IF EXISTS public CASCADE;\n"
            f"CREATE SCHEMA public;\nCOMMENT ON SCHEMA public IS 'standard public schema';\n{public}")


def same_server_database(theirs: sa.URL, url: sa.URL) -> bool:
    where = lambda u: (u.host or "localhost", u.port or 5432, u.database)  # noqa: E731
    return where(theirs) == where(url)


# -- rehearsal clones -------------------------------------------------------------------------------

def require_createdb(conn: sa.Connection) -> None:
    can, user = conn.exec_driver_sql(
        "SELECT rolcreatedb OR rolsuper, current_user FROM pg_roles WHERE rolname = current_user").one()
    if not can:
        raise MigrateError(f"rehearse needs a scratch database: role {user!r} lacks the CREATEDB privilege "
                           f"(grant it with ALTER ROLE {quote(user)} CREATEDB, or rehearse as another role)")


@contextmanager
def clone(engine: sa.Engine, url: sa.URL, copy_in_use: Callable[[sa.URL], None]) -> Iterator[sa.URL]:
    """A scratch database made from the source as a template, dropped afterwards. A template must be
    idle: while the source is in use, `copy_in_use(clone_url)` fills the empty clone instead."""
    name = f"{url.database}_rehearsal_{uuid.uuid4().hex[:8]}"
    admin = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            try:
                conn.exec_driver_sql(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(url.database)}")
            except DBAPIError as exc:
                if "being accessed by other users" not in str(exc.orig):
                    raise MigrateError(f"cannot clone {url.database}: {str(exc.orig).splitlines()[0]}") from None
                conn.exec_driver_sql(f"CREATE DATABASE {quote(name)}")
                copy_in_use(url.set(database=name))
            # A crash soon after a clone could recover its sequences behind their tables' rows
            # (measured: ledger_id_seq below max(id)); a checkpoint makes the clone durable as made.
            # It needs superuser or pg_checkpoint: without either, the clone is still usable.
            try:
                conn.exec_driver_sql("CHECKPOINT")
            except DBAPIError:
                pass
        try:
            yield url.set(database=name)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
    finally:
        admin.dispose()


def longest_lock_wait(conn: sa.Connection) -> float:
    """Seconds the longest current lock wait on the database has lasted."""
    waited = conn.exec_driver_sql(
        "SELECT coalesce(max(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'").scalar()
    conn.rollback()
    return float(waited)


# -- running the client tools -----------------------------------------------------------------------

def _conninfo(url: sa.URL) -> str:
    """A libpq connection string for the URL, without its password (that goes in PGPASSWORD)."""
    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    params.update({k: (v[-1] if isinstance(v, tuple) else v) for k, v in url.query.items() if k != "password"})
    params.setdefault("connect_timeout", 10)

    def quoted(value) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={quoted(v)}" for k, v in params.items() if v is not None)


def _env(url: sa.URL) -> dict[str, str]:
    password = url.password or url.query.get("password")
    if isinstance(password, tuple):
        password = password[-1]
    return {**os.environ, "PGPASSWORD": str(password)} if password else dict(os.environ)


def _run(argv: list[str], *, stdout: int | IO, env: dict[str, str] | None = None, failure: str | None = None) -> None:
    with tempfile.TemporaryFile() as err:
        code = subprocess.run(argv, stdout=stdout, stderr=err, env=env).returncode
        if code != 0:
            raise MigrateError(f"{failure or Path(argv[0]).name + ' failed'}: {_first_line(err)}")


def _first_line(stream: IO[bytes]) -> str:
    stream.seek(0)
    lines = [line.strip() for line in stream.read().decode(errors="replace").splitlines() if line.strip()]
    return lines[0] if lines else "no message"
