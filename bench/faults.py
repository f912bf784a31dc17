"""Faults at every point of a migration, with the app writing: does one rerun always resume?

    python bench/faults.py [--db postgresql|sqlite|both] [--rows 100000] [--kills 30] [--terminates 12]
                           [--crashes 7] [--downs 8] [--sqlite-kills 20] [--no-load] [--seed 1]

PostgreSQL (production durability): SIGKILL of the migrator, pg_terminate_backend
of its sessions, and `pg_ctl stop -m immediate` then a restart, each at named
points of `gaingrid migrate up` from phase 1 (the DDL of each phase, the
sync's index, the backfill, the foreign keys' add and validation, the phase 6
index builds, verify), and SIGKILL during `down --to 4` from phase 6. SQLite:
SIGKILL at moments inside every step, the phase 4 table rebuild included, up
and down. The real Prisma legacy app and the new app write throughout. After
each fault one plain rerun of the same command must end whole (see
gaingrid.testing.faults). Prints fault × point × outcome, and the share
resumed; exits 1 below 100 %.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import engine, options_for  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from gaingrid.data.demo_data import generate_demo_data  # noqa: E402
from gaingrid.phases import GAINGRID  # noqa: E402
from gaingrid.testing import faults, pg_server  # noqa: E402
from phased.lifecycle.commands import Migrator


def legacy(url: str, rows: int, seed: int) -> None:
    Migrator(GAINGRID, url).up(to=1)
    eng = engine(url)
    try:
        generate_demo_data(eng, options_for(rows, seed))
    finally:
        eng.dispose()


def show(console: Console, backend: str, outcomes: list[faults.Outcome]) -> bool:
    table = Table("command", "fault", "point", "delay s", "outcome", "seconds", title=f"{backend}: fault × point × outcome")
    for o in outcomes:
        mark = "[green]resumed[/]" if o.resumed else ("[yellow]not reached[/]" if not o.reached else "[red]FAILED[/]")
        table.add_row(o.trial.command, o.trial.fault, o.trial.point, f"{o.trial.delay:.3f}", mark, f"{o.seconds:.0f}")
        if o.reached and not o.resumed:
            table.add_row("", "", "", "", o.detail[:160], "")
    console.print(table)
    reached = [o for o in outcomes if o.reached]
    resumed = sum(o.resumed for o in reached)
    by_fault = Counter(o.trial.fault for o in reached)
    console.print(f"{backend}: {resumed} of {len(reached)} faults resumed by one rerun "
                  f"({100 * resumed / max(1, len(reached)):.0f} %); faults by kind: {dict(by_fault)}; "
                  f"{len(outcomes) - len(reached)} trials ended before their point (not counted)")
    ok = resumed == len(reached) and reached
    console.print(f"  {'[green]PASS[/]' if ok else '[red]FAIL[/]'}  100 % resumed")
    return bool(ok)


def until_reached(trials: list[faults.Trial], run, console: Console, rounds: int = 3) -> list[faults.Outcome]:
    """Run the trials; a trial whose point was not reached is tried again (up to `rounds` times),
    so that the planned number of faults really lands."""
    outcomes: list[faults.Outcome] = []
    for n, trial in enumerate(trials, 1):
        for attempt in range(rounds):
            outcome = run(n * rounds + attempt, trial)
            if outcome.reached or attempt == rounds - 1:
                break
        console.print(f"  {n}/{len(trials)} {trial.command} {trial.fault} at {trial.point}: "
                      f"{'resumed' if outcome.resumed else outcome.detail[:120]}", markup=False)
        outcomes.append(outcome)
    return outcomes


def postgresql(console: Console, args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    trials = faults.plan(True, rng, kills=args.kills, terminates=args.terminates, crashes=args.crashes,
                         downs=args.downs)
    with pg_server.running(durable=True) as server:
        template_up = pg_server.create_database(server.url, prefix="faults_tpl")
        legacy(template_up, args.rows, args.seed)
        template_down = pg_server.create_database(server.url, prefix="faults_tpl")
        legacy(template_down, args.rows, args.seed)
        Migrator(GAINGRID, template_down).up()
        def run(n: int, trial: faults.Trial) -> faults.Outcome:
            url = _clone(server.url, template_up if trial.command == "up" else template_down)
            try:
                return faults.run_trial(url, trial, server=server, load=not args.no_load, seed=args.seed + n)
            finally:
                pg_server.drop_database(server.url, url)

        outcomes = until_reached(trials, run, console)
    return show(console, "postgresql", outcomes)


def _clone(admin: str, template: str) -> str:
    import psycopg
    from psycopg import sql

    name = f"faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template.rsplit("/", 1)[1])))
        # A sequence copied from a template counts on WAL the copy does not carry: without a
        # checkpoint after the copy, a crash can rewind it below values already used (the
        # ledger's ids). Production databases are not made from templates; the trials are.
        conn.execute("CHECKPOINT")
    return admin.rsplit("/", 1)[0] + "/" + name


def sqlite(console: Console, args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    trials = faults.plan(False, rng, kills=args.sqlite_kills, downs=max(4, args.downs // 2))
    with tempfile.TemporaryDirectory(prefix="gaingrid-faults-") as tmp:
        root = Path(tmp)
        up_tpl, down_tpl = root / "up.db", root / "down.db"
        legacy(f"sqlite:///{up_tpl}", args.rows, args.seed)
        faults.sqlite_copy(up_tpl, down_tpl)
        Migrator(GAINGRID, f"sqlite:///{down_tpl}").up()
        timing = faults.timeline(faults.sqlite_copy(up_tpl, root / "t1.db"), "up", load=not args.no_load)
        timing.windows.update(faults.timeline(faults.sqlite_copy(down_tpl, root / "t2.db"), "down",
                                              load=not args.no_load).windows)
        def run(n: int, trial: faults.Trial) -> faults.Outcome:
            url = faults.sqlite_copy(up_tpl if trial.command == "up" else down_tpl, root / f"trial{n}.db")
            return faults.run_trial(url, trial, timing=timing, load=not args.no_load, seed=args.seed + n)

        outcomes = until_reached(trials, run, console)
    return show(console, "sqlite", outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--terminates", type=int, default=12)
    parser.add_argument("--crashes", type=int, default=7)
    parser.add_argument("--downs", type=int, default=8)
    parser.add_argument("--sqlite-kills", type=int, default=20)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    console = Console()
    results = []
    if args.db in ("postgresql", "both"):
        results.append(postgresql(console, args))
    if args.db in ("sqlite", "both"):
        results.append(sqlite(console, args))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
