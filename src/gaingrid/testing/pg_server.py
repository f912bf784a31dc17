"""A throwaway PostgreSQL server for the test suite and the benchmarks.

initdb + pg_ctl in a temporary directory, on a free port, as the `postgres`
user when we run as root (PostgreSQL refuses to run as root). Set
GAINGRID_TEST_PG_URL to an admin URL (able to CREATE DATABASE) to use an
existing server instead.

The suite runs it without fsync, for speed; the benchmarks ask for
production durability (`durable=True`: fsync, synchronous_commit and
full_page_writes on), so that their figures mean what they say.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import psycopg
from psycopg import sql

from .net import free_port

EXTERNAL_URL_ENV = "GAINGRID_TEST_PG_URL"


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / name).exists():
            return str(root / name)
    raise RuntimeError(f"{name} not found: install PostgreSQL server binaries")


def server_dirs(prefix: str) -> tuple[Path, Path, Path]:
    """A temporary root for one server: (root, its data directory to be, its socket directory),
    owned by `postgres` when running as root (the server refuses to run as root)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    return root, data, sock


def _as_postgres_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass
class Server:
    """A running throwaway server: its admin URL, and what the fault harness needs to crash it."""

    url: str
    data: Path | None = None  # None: an external server (GAINGRID_TEST_PG_URL), which is never crashed
    options: str = ""
    log: Path | None = None

    def _ctl(self, *args: str) -> None:
        assert self.data is not None, "an external server is not stopped or started from here"
        subprocess.run(_as_postgres_user([_pg_bin("pg_ctl"), "-D", str(self.data), *args]), check=True,
                       capture_output=True)

    def crash(self) -> None:
        """`pg_ctl stop -m immediate` (no shutdown checkpoint: the next start runs crash recovery)."""
        self._ctl("-m", "immediate", "stop")

    def start(self) -> None:
        self._ctl("-o", self.options, "-l", str(self.log), "-w", "start")


@contextmanager
def running(*, durable: bool = False, own: bool = False, settings: dict[str, str] | None = None) -> Iterator[Server]:
    """Start a server (or take the external one, unless `own`) and yield it; stop it after.

    `own` is for a caller that crashes and restarts the server, or needs `settings` of its own,
    which it may not do to a shared one."""
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external and not own:
        yield Server(external)
        return
    root, data, sock = server_dirs("gaingrid-pg-")
    port = free_port()
    subprocess.run(
        _as_postgres_user([_pg_bin("initdb"), "-D", str(data), "-U", "postgres",
                           "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True, capture_output=True,
    )
    durability = "on" if durable else "off"
    options = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync={durability} "
               f"-c synchronous_commit={durability} -c full_page_writes={durability} -c max_connections=200 "
               # the performance watch reads it (CREATE EXTENSION in a database turns it on there)
               "-c shared_preload_libraries=pg_stat_statements"
               + "".join(f" -c {name}={value}" for name, value in (settings or {}).items()))
    server = Server(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data, options, root / "server.log")
    server.start()
    try:
        yield server
    finally:
        subprocess.run(_as_postgres_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def temporary_server(*, durable: bool = False) -> Iterator[str]:
    """Start a server and yield its admin URL (SQLAlchemy form); stop it after."""
    with running(durable=durable) as server:
        yield server.url


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(admin_url: str, prefix: str = "gg") -> str:
    """Create an empty database on the server and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
