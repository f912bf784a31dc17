"""A streaming replica of a throwaway PostgreSQL server, for the suite and the benchmarks.

`pg_basebackup -R` of the running primary into a temporary directory, then
pg_ctl on another free port, as the same OS user as the primary (pg_server).
The primary needs nothing set: PostgreSQL's defaults stream (wal_level
replica, ten WAL senders), and initdb's pg_hba.conf trusts replication
connections from the loopback. Set GAINGRID_TEST_PG_REPLICA_URL to an admin
URL of an existing replica of GAINGRID_TEST_PG_URL's server to use it instead.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from typing import Iterator

import psycopg
import sqlalchemy as sa

from phased.dialects import engines
from phased.state import fingerprint, replicas

from .net import free_port
from .pg_server import _as_postgres_user, _libpq, _pg_bin, server_dirs

EXTERNAL_REPLICA_ENV = "GAINGRID_TEST_PG_REPLICA_URL"
READY_PATIENCE = 60.0  # seconds a new replica gets to accept connections and start streaming


@contextmanager
def temporary_replica(primary_url: str) -> Iterator[str]:
    """Start a replica of the server at `primary_url` (an admin URL) and yield its admin URL; stop it after."""
    external = os.environ.get(EXTERNAL_REPLICA_ENV)
    if external:
        yield external
        return
    primary = sa.make_url(primary_url)
    root, data, sock = server_dirs("gaingrid-pg-replica-")
    port = free_port()
    try:
        subprocess.run(_as_postgres_user(
            [_pg_bin("pg_basebackup"), "-h", primary.host or "127.0.0.1", "-p", str(primary.port or 5432),
             "-U", primary.username or "postgres", "-D", str(data), "-R", "-X", "stream", "-c", "fast"]),
            check=True, capture_output=True)
        settings = _settings(primary_url)
        subprocess.run(_as_postgres_user(
            [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-o",
             f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c hot_standby=on {settings}", "start"]),
            check=True, capture_output=True)
        url = primary.set(port=port).render_as_string(hide_password=False)
        _wait_streaming(primary_url)
        yield url
    finally:
        subprocess.run(_as_postgres_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def on_replica(url: str, replica_admin_url: str) -> str:
    """The URL of `url`'s database (on the primary) as the replica serves it."""
    return sa.make_url(url).set(port=sa.make_url(replica_admin_url).port).render_as_string(hide_password=False)


def _settings(primary_url: str) -> str:
    """The primary's settings a hot standby must match or exceed (max_connections and the like), and its
    durability: the copy runs as the original does."""
    names = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
             "max_locks_per_transaction", "fsync", "synchronous_commit", "full_page_writes")
    with psycopg.connect(_libpq(primary_url)) as conn:
        rows = conn.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(names)]).fetchall()
    return " ".join(f"-c {name}={value}" for name, value in rows)


def _wait_streaming(primary_url: str) -> None:
    deadline = time.monotonic() + READY_PATIENCE
    with psycopg.connect(_libpq(primary_url), autocommit=True) as conn:
        while not conn.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").fetchone()[0]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica did not start streaming within {READY_PATIENCE:.0f} s")
            time.sleep(0.1)


def pause_replay(replica_url: str) -> None:
    with psycopg.connect(_libpq(replica_url), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")


def resume_replay(replica_url: str) -> None:
    with psycopg.connect(_libpq(replica_url), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")


def caught_up(primary_url: str, replica_url: str, patience: float) -> None:
    """Wait until the replica has replayed everything the primary had written when this was called."""
    with engines.connection(engines.parse_url(primary_url)) as primary, \
            engines.connection(engines.parse_url(replica_url)) as replica:
        replicas.wait_for_replay(primary, replica, patience=patience)


def fingerprints(url: str) -> fingerprint.Fingerprint:
    """Every table of the database by content: the application's and the toolkit's bookkeeping."""
    with engines.connection(engines.parse_url(url)) as conn:
        return fingerprint.take(conn, fingerprint.live_columns(conn, sa.inspect(conn).get_table_names()))
