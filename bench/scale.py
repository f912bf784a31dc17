"""Does the migration keep its rate as the data grows? The real commands at several sizes.

    python bench/scale.py [--rows 1000000 3000000 10000000] [--seed 42]

For each size, on one PostgreSQL server with production durability (fsync,
synchronous_commit and full_page_writes on) and the server's default memory
settings: build a phase-4 database of about that many WorkoutExercise rows
(VACUUM ANALYZE, as autovacuum would have), then time the commands a user runs,
each in a child process from start to exit:

  `gaingrid migrate up --to 5 --no-backup`   (DDL, sync, backfill, keys, its verification)
  `gaingrid migrate verify`                  (every row and field, standalone)

It prints rows per second for each, and each size's rate as a ratio of the
first (smallest) size's: 1.00x means linear; the issue's bar is within 20%.
Each command's time includes its start-up (about a second: imports, connecting,
the baseline fingerprint), which weighs most at the smallest size. End to end
(`up` plus `verify`) at 10M rows or more has a bar of its own: under 2 minutes.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import host  # noqa: E402
from backfill import _count, _gaingrid  # noqa: E402

END_TO_END_ROWS, END_TO_END_SECONDS = 9_500_000, 120  # about 10M rows: demo data comes in whole users


def measure(rows: int, seed: int) -> dict[str, float]:
    with host("postgresql") as h:
        started = time.perf_counter()
        url, n = h.template(rows, seed)
        prepared = time.perf_counter() - started
        up, up_rss, _ = _gaingrid("migrate", "up", "--to", "5", "--no-backup", "--database-url", url)
        verify, _, _ = _gaingrid("migrate", "verify", "--database-url", url)
        assert _count(url) == n, "the backfill must copy every row"
        h.drop(url)
    return {"rows": n, "prepare": prepared, "up": up, "verify": verify, "rss": up_rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    results = []
    for rows in args.rows:
        print(f"~{rows:,} rows: preparing …", flush=True)
        r = measure(rows, args.seed)
        results.append(r)
        print(f"  {r['rows']:,} rows prepared in {r['prepare']:.0f} s; up --to 5 {r['up']:.1f} s, "
              f"verify {r['verify']:.1f} s, peak RSS {r['rss']:.0f} MB", flush=True)
    base = results[0]
    print(f"\n  {'rows':>11} {'up --to 5 s':>12} {'rows/s':>9} {'vs first':>9} {'verify s':>9} {'rows/s':>9} {'vs first':>9}")
    for r in results:
        up_rate, verify_rate = r["rows"] / r["up"], r["rows"] / r["verify"]
        print(f"  {r['rows']:>11,} {r['up']:>12.1f} {up_rate:>9,.0f} "
              f"{up_rate / (base['rows'] / base['up']):>8.2f}x {r['verify']:>9.1f} {verify_rate:>9,.0f} "
              f"{verify_rate / (base['rows'] / base['verify']):>8.2f}x")
    ok = all(r["rows"] / r[k] >= 0.8 * base["rows"] / base[k] for r in results for k in ("up", "verify"))
    print(f"\n  {'PASS' if ok else 'FAIL'}  every size's rate within 20% of the first's, for up and for verify")
    for r in (r for r in results if r["rows"] >= END_TO_END_ROWS):
        fast = r["up"] + r["verify"] < END_TO_END_SECONDS
        ok &= fast
        print(f"  {'PASS' if fast else 'FAIL'}  {r['rows']:,} rows end to end (up + verify) "
              f"{r['up'] + r['verify']:.1f} s, under {END_TO_END_SECONDS} s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
