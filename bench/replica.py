"""Replica lag under the online load: does `migrate up --replica URL --max-lag 1` keep a replica within 1 s?

    python bench/replica.py [--rows 200000] [--before 10] [--after 10] [--workers 8] [--seed 42]

On a PostgreSQL primary started with production durability and a streaming
replica of it (`pg_basebackup -R`, gaingrid.testing.pg_replica), builds a
legacy (phase 1) database of about --rows WorkoutExercise rows, then runs the
online harness (gaingrid.testing.online: the real Prisma client and the new
app over HTTP writing before, during and after `gaingrid migrate up`) twice,
each on a fresh copy of that database, with the replica attached both times:

  baseline:   `migrate up --no-backup --max-lag 1000000`  (the throttle never waits for the replica)
  throttled:  `migrate up --no-backup --replica REPLICA_URL --max-lag 1`

A sampler reads the replica's replay lag every 100 ms with the toolkit's own
measure (phased.state.replicas.ReplicaLag: the time since the primary was
at the oldest log position the replica has not replayed; zero when the
primary is idle and the replica caught up), next to PostgreSQL's own
pg_stat_replication.replay_lag. After each run it waits for the replica to
catch up, runs `gaingrid migrate verify --on REPLICA_URL --allow-writes`
(the app wrote throughout, as in the online suite) and compares the
toolkit's fingerprints of every table on the primary and on the replica.

Prints a table and PASS/FAIL for the throttled run's targets; exits 1 if
one fails. The default is 200,000 rows, so that both runs fit in about
15 minutes on a small machine; the README has the figures at 1,000,000 too.
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PostgresHost
from online import legacy_database

import gaingrid
from gaingrid.phases import GAINGRID
from gaingrid.testing import online, pg_replica, pg_server
from phased.dialects import engines
from phased.lifecycle.commands import Migrator
from phased.lifecycle.recorder import step_seconds
from phased.movement.batches import DEFAULT_BATCH_SIZE
from phased.state import fingerprint, replicas

MAX_LAG = 1.0  # the bound, seconds, with no tolerance: the sampler reports the honest maximum
EVERY = 0.1  # seconds between lag readings
UNTHROTTLED = "1000000"  # --max-lag for the baseline: a bound the replica never reaches
CATCH_UP = 600.0  # seconds the replica gets to replay what a run wrote before verify --on


class LagSampler:
    """The replica's replay lag every EVERY seconds, timestamped: (time.time(), toolkit's s, PostgreSQL's s).

    PostgreSQL's replay_lag is the walsender's, NULL once the standby is caught up and idle (read as 0)."""

    def __init__(self, primary_url: str, replica_url: str) -> None:
        self.primary_url, self.lag = primary_url, replicas.ReplicaLag([replica_url])
        self.samples: list[tuple[float, float, float]] = []
        self.failed: BaseException | None = None  # a sampler that stopped must not read as zero lag
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LagSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.failed:
            raise RuntimeError("the lag sampler stopped") from self.failed

    def _run(self) -> None:
        try:
            self._sample()
        except BaseException as exc:  # noqa: BLE001 - raised again in the bench's thread
            self.failed = exc

    def _sample(self) -> None:
        with engines.connection(engines.parse_url(self.primary_url)) as primary:
            self.lag.start(primary)
            try:
                while not self._stop.wait(EVERY):
                    ours = self.lag.read(primary)
                    theirs = primary.exec_driver_sql(
                        "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0)::float8 FROM pg_stat_replication"
                    ).scalar_one()
                    primary.rollback()
                    self.samples.append((time.time(), ours.seconds if ours else 0.0, theirs))
            finally:
                self.lag.close()

    def within(self, window: tuple[float, float]) -> tuple[float, float, float, int]:
        """(max, p99) of the toolkit's measure, max of PostgreSQL's, and how many readings, over the window."""
        start, end = window
        inside = [s for s in self.samples if start <= s[0] <= end]
        if not inside:
            raise RuntimeError("no lag reading during the migration")
        ours = sorted(s[1] for s in inside)
        return ours[-1], ours[min(len(ours) - 1, int(len(ours) * 0.99))], max(s[2] for s in inside), len(inside)


@dataclass
class Run:
    name: str
    report: online.Report
    lag_max: float
    lag_p99: float
    walsender_max: float
    readings: int
    ledger: list[str]  # what the ledger recorded of the replica, per phase step
    verify_exit: int
    verify_seconds: float
    verify_output: str
    fingerprints_equal: bool
    differences: list[str]


def ledger_lag(url: str) -> list[str]:
    """`migrate up`'s steps that watched a replica: the most lag the throttle saw, its waits and their time."""
    entries = Migrator(GAINGRID, url).history(limit=50)
    last = next((e.run for e in reversed(entries) if e.direction == "up"), None)  # not verify --on's entry
    out = []
    for e in entries:
        if e.run == last and "replica_lag_max_s" in e.details:
            d = e.details
            # The throttle reads the lag once a batch: how long one took says how coarse its readings were.
            backfill = dict(step_seconds(e)).get("complete", 0.0)
            batches = max(1, math.ceil(e.rows_moved / DEFAULT_BATCH_SIZE))
            out.append(f"phase {e.phase}: max {d['replica_lag_max_s']:.2f} s, "
                       f"{d.get('replica_waits', 0)} waits ({d.get('replica_wait_s', 0.0):.1f} s); "
                       f"{batches} batches of up to {DEFAULT_BATCH_SIZE:,} rows in {backfill:.1f} s")
    return out


def measure(name: str, host: PostgresHost, replica_admin: str, template: str, args: argparse.Namespace,
            migrate_args: tuple[str, ...]) -> Run:
    url = host.clone(template)
    on_replica = pg_replica.on_replica(url, replica_admin)
    # On the admin databases: until the replica has replayed the CREATE DATABASE, the clone is not there to connect to.
    pg_replica.caught_up(host.admin_url, replica_admin, CATCH_UP)
    print(f"{name}: `gaingrid migrate up {' '.join(migrate_args)}` under load …", flush=True)
    with LagSampler(url, on_replica) as sampler:
        report = online.run(url, before=args.before, after=args.after, workers=args.workers, seed=args.seed,
                            migrate_args=("--no-backup", *(a.replace("REPLICA_URL", on_replica) for a in migrate_args)))
    lag_max, lag_p99, walsender_max, readings = sampler.within(report.window)
    pg_replica.caught_up(url, on_replica, CATCH_UP)
    started = time.perf_counter()
    verify = subprocess.run([str(Path(sys.executable).with_name("gaingrid")), "migrate", "verify", "--on", on_replica,
                             "--allow-writes", "--database-url", url],
                            capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    verify_seconds = time.perf_counter() - started
    primary, replica = pg_replica.fingerprints(url), pg_replica.fingerprints(on_replica)
    run = Run(name, report, lag_max, lag_p99, walsender_max, readings, ledger_lag(url), verify.returncode, verify_seconds,
              verify.stdout + verify.stderr, primary == replica, fingerprint.differences(primary, replica))
    host.drop(url)
    return run


def show(runs: list[Run], rows: int) -> bool:
    base, throttled = runs
    print(f"\n{rows:,} WorkoutExercise rows; lag read {EVERY:g} s apart ({base.readings:,} and {throttled.readings:,} "
          f"readings during the migrations); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'run':<10} {'migrate s':>9} {'lag max s':>9} {'lag p99 s':>9} {'PG replay_lag max s':>19} "
          f"{'app ops':>8} {'failed writes':>13} {'verify --on':>15} {'fingerprints':>12}")
    for r in runs:
        ops = sum(n for (_app, _outcome), n in r.report.outcomes.items())
        print(f"  {r.name:<10} {r.report.migrate_seconds:>9.1f} {r.lag_max:>9.2f} {r.lag_p99:>9.2f} "
              f"{r.walsender_max:>19.2f} {ops:>8,} {r.report.failed_writes:>13} "
              f"{f'exit {r.verify_exit}, {r.verify_seconds:.1f} s':>15} {'equal' if r.fingerprints_equal else 'DIFFER':>12}")
    for r in runs:
        print(f"  {r.name} ledger: {'; '.join(r.ledger) or 'no replica lag recorded'}")
        for line in r.differences:
            print(f"  {r.name} fingerprints: {line}")
        if r.verify_exit:
            print(f"  {r.name} verify --on said:\n{r.verify_output[-2000:]}")
        if r.report.migrate_exit:
            print(f"  {r.name} migrate up said:\n{r.report.migrate_output[-2000:]}")
        for (window, app, op, err), n in sorted(r.report.failures.items()):
            print(f"  {r.name} failed: {n} × {app} {op} {window} the migration: {err}")
    print(f"  throttled vs baseline: max lag {_ratio(throttled.lag_max, base.lag_max)}, "
          f"p99 lag {_ratio(throttled.lag_p99, base.lag_p99)}, "
          f"PostgreSQL's replay_lag max {_ratio(throttled.walsender_max, base.walsender_max)}, "
          f"migrate time {_ratio(throttled.report.migrate_seconds, base.report.migrate_seconds)} "
          f"(the toolkit's lag reads 0.00 until the replica is one reading, {EVERY:g} s, behind)")
    targets = {
        f"throttled: max replay lag during the migration ≤ {MAX_LAG:g} s (no tolerance; sampled every {EVERY:g} s)":
            throttled.lag_max <= MAX_LAG,
        "throttled: `migrate up` exits 0": throttled.report.migrate_exit == 0,
        "throttled: `verify --on REPLICA` exits 0": throttled.verify_exit == 0,
        "throttled: the primary's and the replica's fingerprints are equal": throttled.fingerprints_equal,
        "throttled: 0 failed app writes": throttled.report.failed_writes == 0,
    }
    for target, ok in targets.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {target}")
    return all(targets.values())


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "n/a (baseline 0)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--after", type=float, default=10)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    print(f"gaingrid from {Path(gaingrid.__file__).parent}", flush=True)
    external = bool(os.environ.get(pg_replica.EXTERNAL_REPLICA_ENV))
    with pg_server.running(durable=True, own=not external) as primary, \
            pg_replica.temporary_replica(primary.url) as replica_admin:
        host = PostgresHost(primary.url)
        template = pg_server.create_database(primary.url, prefix="replica_tpl")
        print(f"building a legacy database with about {args.rows:,} WorkoutExercise rows …", flush=True)
        rows = legacy_database(template, args.rows, args.seed)
        with engines.connection(engines.parse_url(template)) as conn:
            # what autovacuum would have done on a live database
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        runs = [measure("baseline", host, replica_admin, template, args, ("--max-lag", UNTHROTTLED)),
                measure("throttled", host, replica_admin, template, args,
                        ("--replica", "REPLICA_URL", "--max-lag", f"{MAX_LAG:g}"))]
    sys.exit(0 if show(runs, rows) else 1)


if __name__ == "__main__":
    main()
