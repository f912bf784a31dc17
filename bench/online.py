"""Online migration under the real legacy app's load.

    python bench/online.py [--db postgresql|sqlite] [--rows 1000000] [--before 30] [--after 30] [--workers 8]
                           [--round-trip]

Builds a legacy (phase 1) database with about --rows WorkoutExercise rows,
on a PostgreSQL server started with production durability (or a SQLite
file), then runs the harness (gaingrid.testing.online): the real Prisma
client generated from legacy.prisma writes with --workers workers (on SQLite,
the same shapes with Prisma's statements), the new app writes workout logs
through the HTTP API, and `gaingrid migrate up` takes the database from
phase 1 to 6 in the middle. Prints the before/during/after table, the
outcomes, and PASS/FAIL per target. Exits 1 if a target fails.

--round-trip: the new app logs in as users the legacy app writes for too (and
edits and deletes their logs), and the middle is a round trip: `up`,
`down --to 4`, `up`, `up --to 7`, `down --to 6`, each timed. The legacy app's
writes at phase 7 fail by design (its table is gone) and are counted apart.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import engine, options_for  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from gaingrid.data.demo_data import generate_demo_data  # noqa: E402
from gaingrid.phases import GAINGRID  # noqa: E402
from gaingrid.testing import online, pg_server  # noqa: E402
from phased.lifecycle.commands import Migrator


def legacy_database(url: str, rows: int, seed: int) -> int:
    Migrator(GAINGRID, url).up(to=1)
    eng = engine(url)
    try:
        return generate_demo_data(eng, options_for(rows, seed)).workout_exercises
    finally:
        eng.dispose()


def show(console: Console, report: online.Report, rows: int) -> None:
    console.print(f"\n[bold]{report.database}[/], {rows:,} WorkoutExercise rows; `gaingrid migrate` "
                  f"took {report.migrate_seconds:.1f} s, exit {report.migrate_exit}")
    for command, code, seconds in report.steps:
        console.print(f"  gaingrid migrate {command}: exit {code}, {seconds:.1f} s", markup=False)
    table = Table("app", "window", "ops", "p50 ms", "p99 ms", "max ms", "p99 vs before")
    for app, windows in (("legacy (Prisma)" if report.database == "postgresql" else "legacy", report.legacy),
                         ("new (HTTP /logs)", report.new)):
        base = windows["before"].p99
        for name, w in windows.items():
            ratio = f"{w.p99 / base:.2f}×" if base and w.ops else ""
            table.add_row(app, name, f"{w.ops:,}", f"{w.p50:.1f}", f"{w.p99:.1f}", f"{w.max:.0f}", ratio)
    console.print(table)
    shapes = Table("legacy shape", *(f"{w} p50/p99 ms" for w in online.WINDOWS), title="by transaction shape")
    for op, windows in report.shapes.items():
        shapes.add_row(op, *(f"{w.p50:.1f} / {w.p99:.1f} ({w.ops:,})" for w in windows.values()))
    console.print(shapes)
    outcomes = Table("app", "outcome", "operations")
    for (app, outcome), n in sorted(report.outcomes.items()):
        outcomes.add_row(app, outcome, f"{n:,}")
    console.print(outcomes)
    for (window, app, op, err), n in sorted(report.failures.items()):
        console.print(f"  failed: {n} × {app} {op} {window} the migration: {err}", markup=False)
    for kind, example in report.errors.items():
        console.print(f"  {kind}: e.g. {example}", markup=False, soft_wrap=True)
    wait = f"{report.longest_lock_wait * 1000:.0f} ms" if report.longest_lock_wait is not None else "n/a on SQLite"
    console.print(f"lost {report.lost}, divergent {report.divergent}, brought back {report.resurrected} "
                  f"(the harness's own SQL over the mapping); longest app lock wait seen: {wait}; "
                  f"migration retries: {report.retries or 'none'}")
    for target, ok in report.targets.items():
        console.print(f"  {'[green]PASS[/]' if ok else '[red]FAIL[/]'}  {target}")
    console.print("[dim]`gaingrid migrate` said:[/]")
    console.print("\n".join(line for line in report.migrate_output.splitlines() if "━" not in line), markup=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--before", type=float, default=30)
    parser.add_argument("--after", type=float, default=30)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--round-trip", action="store_true", help="up, down --to 4, up, up --to 7, down --to 6")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="gaingrid-online-") as tmp:
        if args.db == "postgresql":
            with pg_server.temporary_server(durable=True) as admin:
                url = pg_server.create_database(admin, prefix="online")
                report = _run(console, url, args, tmp)
        else:
            report = _run(console, f"sqlite:///{tmp}/online.db", args, tmp)
    sys.exit(0 if report.passed else 1)


def _run(console: Console, url: str, args: argparse.Namespace, tmp: str) -> online.Report:
    console.print(f"building a legacy database with about {args.rows:,} WorkoutExercise rows …")
    rows = legacy_database(url, args.rows, args.seed)
    console.print(f"{rows:,} rows; load {args.before:g} s before, during `migrate up`, {args.after:g} s after …")
    commands = [("up",), ("down", "--to", "4", "--yes"), ("up",), ("up", "--to", "7"),
                ("down", "--to", "6", "--yes")] if args.round_trip else None
    report = online.run(url, before=args.before, after=args.after, workers=args.workers, seed=args.seed,
                        backup_dir=f"{tmp}/backups", commands=commands, shared=args.round_trip)
    show(console, report, rows)
    return report


if __name__ == "__main__":
    main()
