"""Read-only work spread over several connections that all see one snapshot.

A full verification reads every row of the biggest tables several times
(fingerprints, the row-by-row comparison, orphan checks). Those reads are
independent, so they run as tasks on a few connections at once, as
`pg_dump --jobs` and `pg_amcheck --jobs` do:

- PostgreSQL: the coordinating connection's REPEATABLE READ transaction exports
  its snapshot and every worker adopts it, so all tasks read the same data.
- SQLite: the coordinating connection's read transaction holds the shared
  lock, which keeps any writer from committing until the work is done, so
  every connection reads the same data. sqlite3 lets go of the GIL while
  SQLite runs a statement, so the threads do run in parallel. In WAL mode
  readers do not hold writers back and Python cannot share a snapshot between
  connections: the work runs on the coordinating connection alone.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

import sqlalchemy as sa

from phased import dialects

T = TypeVar("T")
Task = Callable[[sa.Connection], T]


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Readers:
    """Run tasks on up to `jobs` connections sharing the snapshot of `conn` (jobs=1: on `conn` alone)."""

    def __init__(self, conn: sa.Connection, engine: sa.Engine | None, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs}")
        self.conn = conn
        self.engine = engine
        self.jobs = jobs if engine is not None else 1

    def map(self, tasks: Sequence[Task]) -> list:
        """The tasks' results, in order; the first task is started first."""
        if self.jobs == 1 or len(tasks) < 2:
            return [task(self.conn) for task in tasks]
        extra = self._open_extra(min(self.jobs, len(tasks)) - 1)
        try:
            results: list = [None] * len(tasks)
            pending = iter(enumerate(tasks))
            lock = threading.Lock()
            failures: list[BaseException] = []

            def drain(conn: sa.Connection) -> None:
                while not failures:
                    with lock:
                        i, task = next(pending, (None, None))
                    if task is None:
                        return
                    try:
                        results[i] = task(conn)
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                        failures.append(exc)

            with ThreadPoolExecutor(max_workers=1 + len(extra), thread_name_prefix="verify") as pool:
                for f in [pool.submit(drain, c) for c in [self.conn, *extra]]:
                    f.result()
            if failures:
                raise failures[0]
            return results
        finally:
            for conn in extra:
                conn.close()

    def _open_extra(self, n: int) -> list[sa.Connection]:
        """Up to n more connections that see the coordinator's snapshot; fewer if they cannot."""
        assert self.engine is not None
        dialect = dialects.of(self.conn)
        snapshot = dialect.export_snapshot(self.conn)
        if snapshot is None:
            return []
        opened = []
        for _ in range(n):
            conn = self.engine.connect()
            try:
                conn = dialect.adopt_snapshot(conn, snapshot)
            except sa.exc.OperationalError:
                conn.close()
                break
            opened.append(conn)
        return opened
