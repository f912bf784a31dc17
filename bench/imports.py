"""How long a 100,000-set Hevy export takes to import on SQLite. Target: under 10 s.

    python bench/imports.py [--sets 100000] [--db sqlite|postgresql]

Writes a synthetic Hevy export (gaingrid.testing.exports: sessions of warm-up,
normal, failure and drop sets, notes with commas, quotes and line breaks),
makes a phase-6 database with the catalog and one account, and times, in the
same run:

- the baseline: a plain `csv.reader` pass over the same file (reading alone);
- the import as `gaingrid import hevy` runs it: one transaction, the
  verification included;
- the same file imported again (every set found present: nothing added);
- the export of the account in Strong's format.

Prints each time, the import's sets per second and its multiple of the
baseline, and PASS or FAIL against the target.
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gaingrid.phases import GAINGRID  # noqa: E402
from gaingrid.service import catalog, database, users  # noqa: E402
from gaingrid.service.imports import StrongExport, run_import  # noqa: E402
from gaingrid.testing import pg_server  # noqa: E402
from gaingrid.testing.exports import hevy_csv  # noqa: E402
from phased.lifecycle.commands import Migrator

TARGET_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        path = Path(tmp) / "hevy.csv"
        size = hevy_csv(path, args.sets)
        if args.db == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url = pg_server.create_database(stack.enter_context(pg_server.temporary_server()))
        Migrator(GAINGRID, url).up(to=6)
        engine = database.create_engine(url)
        stack.callback(engine.dispose)
        with database.writer(engine).begin() as conn:
            catalog.load(conn, 6)
            user = users.create(conn, 6, {"email": "bench@example.com", "password": "x", "timezone": "Europe/Berlin"})

        baseline = _timed(lambda: sum(1 for _ in csv.reader(path.open(newline="", encoding="utf-8"))))[0]
        first, report = _timed(lambda: _import(engine, user, path))
        again, repeat = _timed(lambda: _import(engine, user, path))
        exported, text = _timed(lambda: _export(engine, user))
    assert (report.imported, report.quarantined, report.clean) == (args.sets, 0, True), report
    assert (repeat.imported, repeat.present) == (0, args.sets)
    print(f"{args.sets:,} sets, {size / 1e6:.1f} MB Hevy export, {args.db}, {report.sessions:,} sessions, "
          f"{len(report.mappings)} exercise names")
    print(f"  baseline, csv.reader over the file:  {baseline:6.2f} s")
    print(f"  import (verified, one transaction):  {first:6.2f} s  {args.sets / first:,.0f} sets/s, "
          f"{first / baseline:.0f}x the baseline")
    print(f"  the same file again (adds nothing):  {again:6.2f} s")
    print(f"  export in Strong's format:           {exported:6.2f} s  ({len(text) / 1e6:.1f} MB)")
    verdict = "PASS" if first < TARGET_S else "FAIL"
    print(f"target: import under {TARGET_S:.0f} s on SQLite: {verdict}" if args.db == "sqlite"
          else f"(the target is for SQLite; {args.db} for comparison)")
    return 0 if verdict == "PASS" or args.db != "sqlite" else 1


def _import(engine, user, path):
    with database.writer(engine).begin() as conn, path.open("rb") as raw:
        return run_import(conn, 6, user, "hevy", raw, path.name)


def _export(engine, user) -> str:
    with engine.connect() as conn:
        return "".join(StrongExport(conn, 6, user))


def _timed(step):
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


if __name__ == "__main__":
    sys.exit(main())
