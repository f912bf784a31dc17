"""Benchmark phase 5's WorkoutLog backfill against the alternatives.

    python bench/backfill.py --rows 1000000 [--db sqlite|postgresql|both] [--orm-rows 20000] [--repeat 3]

For each database, prepares a phase-4 database with about --rows
WorkoutExercise rows once, clones it per approach and measures, on identical data:
  (a) the seed's approach: one ORM insert + commit per row (measured on
      --orm-rows rows, extrapolated);
  (b) the naive ceiling: one INSERT … SELECT of every row into Prisma's
      WorkoutLog, foreign keys in place;
  (c) our backfill: Migrator.up(to=5) (DDL, sync triggers, keyset batches,
      deferred FKs and, where the runner has it, its verification pass), run in
      a child process that also reports its peak RSS;
  (d) the floor: the same INSERT … SELECT with no foreign keys, plus adding
      them afterwards (PostgreSQL; SQLite cannot add them to a table).
(b), (c) and (d) run --repeat times, interleaved, each on a fresh clone, and
the medians are compared: on a shared machine one run can be 30% off.
(c) runs again on a --rows/5 database, to show its peak RSS does not grow.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (INSERT_SELECT, clone_of, engine, fk_not_valid_then_validate, host,  # noqa: E402
                     workout_log_ddl)
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from gaingrid.migrate.batches import DEFAULT_BATCH_SIZE  # noqa: E402

RSS_TARGET_MB = 300


@dataclass
class Result:
    label: str
    rows: int
    seconds: float
    note: str = ""
    runs: tuple[float, ...] = ()  # every repeat's seconds; `seconds` is their median

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def median_of(results: list[Result]) -> Result:
    """One result per approach: the median run, with the spread in the note (the machine is shared and noisy)."""
    runs = tuple(sorted(r.seconds for r in results))
    mid = statistics.median(runs)
    first = results[0]
    spread = f"median of {len(runs)}: {', '.join(f'{x:.2f}' for x in runs)} s" if len(runs) > 1 else ""
    return Result(first.label, first.rows, mid, "; ".join(x for x in (first.note, spread) if x), runs)


def _execute(url: str, statements: list[str]) -> float:
    """Run statements in one transaction (commit included in the time)."""
    eng = engine(url)
    try:
        started = time.perf_counter()
        with eng.begin() as conn:
            for s in statements:
                conn.exec_driver_sql(s)
        return time.perf_counter() - started
    finally:
        eng.dispose()


def _count(url: str) -> int:
    eng = engine(url)
    try:
        with eng.connect() as conn:
            return conn.exec_driver_sql('SELECT count(*) FROM "WorkoutLog"').scalar_one()
    finally:
        eng.dispose()


# -- the four approaches ----------------------------------------------------

def orm_per_row(url: str, backend: str, total: int, limit: int) -> Result:
    """(a) Prisma's findMany(include workout) + create per row, in SQLAlchemy's ORM."""
    from gaingrid.models.workout import Workout, WorkoutExercise
    from gaingrid.models.workout_log import WorkoutLog

    _execute(url, workout_log_ddl(backend, foreign_keys=True))
    eng = engine(url)
    try:
        with Session(eng, expire_on_commit=False) as session:
            started = time.perf_counter()
            sources = session.execute(select(WorkoutExercise, Workout.userId, Workout.date)
                                      .join(WorkoutExercise.workout).order_by(WorkoutExercise.id)
                                      .limit(limit)).all()
            session.commit()
            for we, user_id, date in sources:
                session.add(WorkoutLog(id=we.id, userId=user_id, exerciseId=we.exerciseId, date=date,
                                       sets=we.sets, reps=we.reps, weight=we.weight, durationMinutes=we.time,
                                       notes=we.notes, createdAt=we.createdAt, updatedAt=we.updatedAt))
                session.commit()  # flush + commit: one INSERT round trip and one commit per row
            seconds = time.perf_counter() - started
    finally:
        eng.dispose()
    measured = len(sources)
    assert _count(url) == measured
    return Result("(a) ORM insert+commit per row", total, seconds * total / measured,
                  f"measured on {measured:,} rows ({seconds:.1f} s), extrapolated")


def single_insert(url: str, backend: str, total: int, *, foreign_keys: bool) -> Result:
    """(b) with Prisma's foreign keys in place; (d) without, then added and validated (PostgreSQL)."""
    _execute(url, workout_log_ddl(backend, foreign_keys=foreign_keys))
    insert = _execute(url, [INSERT_SELECT])
    assert _count(url) == total
    if foreign_keys:
        return Result("(b) one INSERT…SELECT, FKs in place", total, insert)
    if backend != "postgresql":
        return Result("(d) one INSERT…SELECT, no FKs", total, insert,
                      "SQLite cannot add FKs to an existing table: plain no-FK insert")
    fk = sum(_execute(url, step) for step in fk_not_valid_then_validate())
    return Result("(d) INSERT…SELECT, no FKs, then FKs", total, insert + fk,
                  f"insert {insert:.1f} s + ADD NOT VALID/VALIDATE {fk:.1f} s")


def our_backfill(url: str) -> tuple[Result, dict]:
    """(c) Migrator.up(to=5) in a child process (its peak RSS is the backfill's)."""
    done = subprocess.run([sys.executable, __file__, "--child-backfill", url], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"(c) failed in the child process:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert _count(url) == out["rows"]
    note = f"{out['batches']} batches; the step's own verification not counted"
    return Result(f"(c) Migrator.up(to=5), batch {DEFAULT_BATCH_SIZE:,}", out["rows"], out["backfill"], note), out


def child_backfill(url: str) -> None:
    from gaingrid.migrate.runner import Migrator
    from gaingrid.phases import GAINGRID

    batch_ends: list[float] = []
    migrator = Migrator(GAINGRID, url)
    results = migrator.up(to=5, on_backfill=lambda p: batch_ends.append(time.perf_counter()))
    step = results[-1]
    assert step.phase.number == 5
    started = time.perf_counter()
    full = migrator.verify(strict=True)  # what `gaingrid migrate verify` runs: every check of every phase
    verify_seconds = time.perf_counter() - started
    assert full.ok, [c for c in full.checks if not c.ok]
    status = Path("/proc/self/status").read_text()
    hwm_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
    print(json.dumps({"seconds": step.seconds, "backfill": step.seconds - step.verify_seconds,
                      "rows": step.rows_moved, "batches": len(batch_ends), "verification": step.verify_seconds,
                      "full_verify": verify_seconds, "peak_rss_mb": hwm_kb / 1024, "jobs": migrator.jobs}))


# -- the run ----------------------------------------------------------------

def bench(backend: str, rows: int, orm_rows: int, seed: int, repeat: int) -> bool:
    print(f"\n=== {backend}: preparing phase-4 databases (~{rows:,} and ~{rows // 5:,} WorkoutExercise rows) ...",
          flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    with host(backend) as h:
        started = time.perf_counter()
        template, n = h.template(rows, seed)
        small_template, n_small = h.template(rows // 5, seed)
        print(f"prepared in {time.perf_counter() - started:.0f} s: {n:,} and {n_small:,} rows", flush=True)
        results: dict[str, Result] = {}
        with clone_of(h, template) as url:
            results["a"] = orm_per_row(url, backend, n, orm_rows)
        runs: dict[str, list] = {"b": [], "c": [], "d": []}
        for _ in range(repeat):  # interleaved, so a slow spell of the machine hits every approach alike
            with clone_of(h, template) as url:
                runs["b"].append(single_insert(url, backend, n, foreign_keys=True))
            with clone_of(h, template) as url:
                runs["c"].append(our_backfill(url))
            with clone_of(h, template) as url:
                runs["d"].append(single_insert(url, backend, n, foreign_keys=False))
        results["b"] = median_of(runs["b"])
        results["c"] = median_of([r for r, _ in runs["c"]])
        results["d"] = median_of(runs["d"])
        with clone_of(h, small_template) as url:
            _small, small = our_backfill(url)
    return report(backend, results, [(n_small, small)] + [(n, out) for _, out in runs["c"]])


def report(backend: str, r: dict[str, Result], rss: list[tuple[int, dict]]) -> bool:
    base = r["b"].rate
    print(f"\n{backend}: WorkoutLog backfill of {r['b'].rows:,} rows "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"  {'approach':<38} {'rows':>10} {'seconds':>9} {'rows/s':>11} {'vs (b)':>8}  note")
    for res in r.values():
        print(f"  {res.label:<38} {res.rows:>10,} {res.seconds:>9.1f} {res.rate:>11,.0f} "
              f"{res.rate / base:>7.{3 if res.rate < 0.1 * base else 2}f}x  {res.note}")
    c = r["c"].rate
    targets = [(f"(c) >= 100 x (a)  [{c / r['a'].rate:,.0f}x]", c >= 100 * r["a"].rate)]
    if backend == "postgresql":
        targets += [(f"(c) >= 1.5 x (b)  [{c / base:.2f}x]", c >= 1.5 * base),
                    (f"(c) >= 0.5 x (d)  [{c / r['d'].rate:.2f}x]", c >= 0.5 * r["d"].rate)]
    else:
        targets += [(f"(c) >= 1.0 x (b)  [{c / base:.2f}x]", c >= 1.0 * base)]
    for rows in sorted({rows for rows, _ in rss}):
        peak = max(out["peak_rss_mb"] for r, out in rss if r == rows)
        targets.append((f"(c) peak RSS < {RSS_TARGET_MB} MB at {rows:,} rows  [{peak:.0f} MB]", peak < RSS_TARGET_MB))
    big = [out for rows, out in rss if rows == max(r for r, _ in rss)]
    ratios = sorted(out["full_verify"] / out["backfill"] for out in big)
    ratio = statistics.median(ratios)
    limit = 0.5 if backend == "postgresql" else 1.0
    print(f"  full verify (`gaingrid migrate verify`, every row and field, {big[0]['jobs']} connections): "
          f"{statistics.median(o['full_verify'] for o in big):.1f} s, next to the same run's backfill "
          f"{statistics.median(o['backfill'] for o in big):.1f} s; ratio per run "
          f"{', '.join(f'{x:.2f}' for x in ratios)}, median {ratio:.2f}x")
    targets.append((f"verify <= {limit} x backfill time  [{ratio:.2f}x]", ratio <= limit))
    print("  targets:")
    for text, ok in targets:
        print(f"    {'PASS' if ok else 'FAIL'}  {text}")
    if backend == "postgresql":
        print("  (peak RSS is the migrator's client process; the PostgreSQL server's memory is not included)")
        if not os.environ.get("GAINGRID_TEST_PG_URL"):
            print("  (the throwaway server runs fsync=off, synchronous_commit=off: per-row commits cost no disk "
                  "flush, which flatters (a))")
    print(flush=True)
    return all(ok for _t, ok in targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="target WorkoutExercise rows")
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--orm-rows", type=int, default=20_000, help="rows to measure approach (a) on")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (b), (c) and (d), interleaved; medians are reported")
    parser.add_argument("--child-backfill", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_backfill:
        child_backfill(args.child_backfill)
        return
    backends = ("postgresql", "sqlite") if args.db == "both" else (args.db,)
    ok = [bench(b, args.rows, min(args.orm_rows, args.rows), args.seed, args.repeat) for b in backends]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()
