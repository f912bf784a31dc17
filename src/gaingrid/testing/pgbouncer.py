"""A throwaway PgBouncer in transaction mode, in front of a PostgreSQL server, for the suite.

Debian's `pgbouncer` package (`.ci/run` installs it). It listens on loopback on a free port,
trusts the server's own users (the suite's server trusts loopback too), and pools in
transaction mode, as production Prisma apps reach PostgreSQL: a client's session state
(SET, session advisory locks) does not stay with it between transactions.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import make_url

from .net import free_port


def _binary() -> str:
    found = shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
                                               if Path(p).exists()), None)
    if found is None:
        raise RuntimeError("pgbouncer not found: install Debian's pgbouncer package (apt-get install pgbouncer; "
                           ".ci/run does)")
    return found


@contextmanager
def running(server_url: str, *, pool_mode: str = "transaction") -> Iterator[int]:
    """Start PgBouncer in front of the server at `server_url` (any database on it); yield its port."""
    server = make_url(server_url)
    root = Path(tempfile.mkdtemp(prefix="gaingrid-pgbouncer-"))
    port = free_port()
    users = root / "users.txt"
    users.write_text(f'"{server.username or "postgres"}" ""\n')
    ini = root / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {users}\n"
        f"pool_mode = {pool_mode}\nmax_client_conn = 500\ndefault_pool_size = 20\n"
        # psycopg and node-postgres send these at start-up; PgBouncer passes on only what it knows.
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {root / 'pgbouncer.log'}\n")
    command = [_binary(), str(ini)]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(root, "postgres")
        for path in (users, ini):
            shutil.chown(path, "postgres")
        command = [command[0], "--user", "postgres", *command[1:]]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "pgbouncer.log")
                    raise RuntimeError(f"pgbouncer did not start: {process.stderr.read() if process.poll() is not None else ''}"
                                       f"{log.read_text()[-800:] if log.exists() else ''}")
                time.sleep(0.05)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)  # SIGTERM: shut down at once
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def through(url: str, port: int) -> str:
    """`url` (a database on the server PgBouncer fronts), reached through PgBouncer on `port`."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
