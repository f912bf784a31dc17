"""The `gaingrid` command: thin commands over library functions."""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from gaingrid.cli import reporting
from gaingrid.cli.common import (
    DatabaseUrl,
    EnvName,
    Force,
    PrismaMigrations,
    Reason,
    Yes,
    backup_dir_for,
    console,
    guard,
    migrator_for,
    one_line_errors,
    rollout_for,
)
from gaingrid.phases import GAINGRID
from phased.declare.errors import MigrateError
from phased.dialects.engines import redact
from phased.environments import Refusals
from phased.environments.gate import record as promotion_record
from phased.environments.schedule import entry as schedule_entry
from phased.environments.schedule import parse_moment, record_entry
from phased.lifecycle.watch import DEFAULT_RATIO
from phased.movement.batches import DEFAULT_BATCH_SIZE
from phased.movement.throttle import Throttle
from phased.safety.backup import hook as backup_hook
from phased.state.replicas import ReplicaLag

migrate_app = typer.Typer(no_args_is_help=True, help="Move the database through the phases of the migration, and back.")

ToPhase = Annotated[Optional[int], typer.Option("--to", help="Target phase number.", show_default=False)]
NoBackup = Annotated[bool, typer.Option("--no-backup", help="Do not take a backup first.")]
BackupDirOption = Annotated[Path, typer.Option("--backup-dir", envvar="GAINGRID_BACKUP_DIR",
                                               help="Where `up` writes its backup.")]
BatchSize = Annotated[int, typer.Option("--batch-size", min=1, help="Source rows per backfill batch (one transaction each).")]
BatchDelay = Annotated[float, typer.Option("--batch-delay", min=0.0, help="Seconds to pause between backfill batches.")]
MaxLockWaiters = Annotated[int, typer.Option(
    "--max-lock-waiters", min=0, help="PostgreSQL: back off while this many more app sessions than at the start "
                                      "wait on locks.")]
MaxActive = Annotated[Optional[int], typer.Option(
    "--max-active", min=1, help="PostgreSQL: back off while more app sessions than this are active.",
    show_default=False)]

Replicas = Annotated[Optional[list[str]], typer.Option(
    "--replica", help="A streaming replica's URL, to read its replay lag on (repeatable; default: the replicas the "
                      "primary lists in pg_stat_replication, as of their last report).", show_default=False)]
MaxLag = Annotated[float, typer.Option(
    "--max-lag", min=0.0, help="Seconds a replica may fall behind: past it, the backfill waits for it between "
                               "batches.")]


def _throttle(delay: float, max_lock_waiters: int, max_active: int | None, replicas: list[str] | None = None,
              max_lag: float = 1.0) -> Throttle:
    return Throttle(delay=delay, max_lock_waiters=max_lock_waiters, max_active=max_active, max_lag=max_lag,
                    replicas=ReplicaLag(replicas or ()))


def _said(message: str) -> None:
    console.print(f"[dim]{message}[/]", soft_wrap=True)


@migrate_app.command()
@one_line_errors
def status(database_url: DatabaseUrl = None, env: EnvName = None, prisma_migrations: PrismaMigrations = None) -> None:
    """Show the phase the database is at and the phases still pending."""
    migrator = migrator_for(database_url, env=env, prisma_migrations=prisma_migrations)
    state = migrator.status()
    reporting.print_status(console, GAINGRID, migrator.url, state)
    reporting.print_backfills(console, migrator.backfills())
    for warning in migrator.warnings():
        console.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
    report = migrator.history_report()
    for agrees, line in report:
        console.print(line if agrees else f"[red]history:[/] {line}", soft_wrap=True)
    if state.differences or not all(agrees for agrees, _ in report):
        raise typer.Exit(1)


@migrate_app.command()
@one_line_errors
def adopt(database_url: DatabaseUrl = None, env: EnvName = None, prisma_migrations: PrismaMigrations = None) -> None:
    """Record the phase of a database another tool created (after checking its schema matches exactly)."""
    phase = migrator_for(database_url, env=env, prisma_migrations=prisma_migrations).adopt()
    console.print(f"adopted: the database is recorded at phase {phase.label}")
    if prisma_migrations:
        console.print(f"Prisma's history is kept, with its migrations in {prisma_migrations}", soft_wrap=True)


@migrate_app.command()
@one_line_errors
def plan(database_url: DatabaseUrl = None, env: EnvName = None, to: ToPhase = None,
         down: Annotated[bool, typer.Option("--down", help="Plan a downgrade to --to.")] = False,
         sql: Annotated[bool, typer.Option("--sql", help="Print the exact SQL for this dialect instead.")] = False,
         rollback: Annotated[bool, typer.Option(
             "--rollback", help="The rollback plan: for each pending phase, what down would do (its SQL, what it "
                                "archives, what it restores).")] = False,
         start: Annotated[Optional[int], typer.Option(
             "--from", help="Plan for a database at this phase (0: empty) without connecting to it.",
             show_default=False)] = None) -> None:
    """Show what each pending phase will change, without touching the database."""
    migrator = migrator_for(database_url, env=env)
    if rollback:
        if down:
            raise MigrateError("--rollback plans the way back from the pending phases: leave out --down")
        reporting.print_rollback(console, migrator.rollback_plan(to, start=start), sql=sql)
        return
    the_plan = migrator.plan(to, down=down, start=start)
    if sql:
        typer.echo(migrator.render_sql(the_plan), nl=False)
    else:
        reporting.print_plan(console, the_plan)


Record = Annotated[Optional[Path], typer.Option(
    "--record", help="The promotion gate reads this exported record of the source environment "
                     "(export-record) instead of its database.", show_default=False)]


@migrate_app.command()
@one_line_errors
def up(database_url: DatabaseUrl = None, env: EnvName = None, to: ToPhase = None,
       batch_size: BatchSize = DEFAULT_BATCH_SIZE, batch_delay: BatchDelay = 0.0, max_lock_waiters: MaxLockWaiters = 2,
       max_active: MaxActive = None, no_backup: NoBackup = False, backup_dir: BackupDirOption = Path("backups"),
       prisma_migrations: PrismaMigrations = None, force: Force = False, reason: Reason = None, yes: Yes = False,
       record: Record = None, replica: Replicas = None, max_lag: MaxLag = 1.0) -> None:
    """Apply pending phases, up to 6 (or --to N; phase 7 only when asked for). Backs up first."""
    migrator = migrator_for(database_url, env=env, report=_said, prisma_migrations=prisma_migrations)
    if env is not None or record is not None:  # without an environment, as before: up refuses what it must
        the_plan = migrator.plan(to)
        if the_plan.steps:
            guard(env, "up", migrator, the_plan.target, steps=the_plan.steps, force=force, reason=reason, yes=yes,
                  record=record)
    backup_dir = backup_dir_for(env, backup_dir, "backup_dir")
    with reporting.progress_bars(console) as update:
        results = migrator.up(to, on_step=lambda r: reporting.print_step(console, r), batch_size=batch_size,
                              throttle=_throttle(batch_delay, max_lock_waiters, max_active, replica, max_lag),
                              on_backfill=lambda p: update(p.name, p.done, p.total, p.note),
                              backup=None if no_backup else backup_hook(
                                  migrator.project, migrator.url, backup_dir,
                                  lambda path: console.print(f"backup: {path}", markup=False, soft_wrap=True)))
    if not results:
        console.print("nothing to do: the database is already at the target phase")
    reporting.print_backfills(console, [b for b in migrator.backfills(counted=False) if b.quarantined])


@migrate_app.command()
@one_line_errors
def verify(database_url: DatabaseUrl = None, env: EnvName = None,
           json_output: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
           allow_writes: Annotated[bool, typer.Option(
               "--allow-writes", help="The app has been writing: legacy changes since the baseline and new-app "
                                      "rows are warnings, not failures.")] = False,
           jobs: Annotated[int | None, typer.Option(
               "--jobs", "-j", help="Connections to read on at once, sharing one snapshot "
                                   "(default: the CPU count, at most 4).")] = None,
           prisma_migrations: PrismaMigrations = None,
           on: Annotated[Optional[str], typer.Option(
               "--on", help="A streaming replica's URL: read there, once it has replayed all the primary has "
                            "written (the result is still recorded on the primary).", show_default=False)] = None
           ) -> None:
    """Check every applied phase: schema, validity, consistency, legacy data, the backfill row by row."""
    migrator = migrator_for(database_url, env=env, jobs=jobs, report=lambda note: typer.echo(f"note: {note}", err=True),
                            prisma_migrations=prisma_migrations)
    with reporting.progress_bars(console if not json_output else Console(stderr=True)) as update:
        result = migrator.verify(strict=not allow_writes, on_progress=lambda done, total: update("verify", done, total),
                                 on=on)
    if json_output:
        typer.echo(json.dumps(result.to_json(), indent=2, default=str))
    else:
        reporting.print_verification(console, result)
    if not result.ok:
        raise typer.Exit(1)


@migrate_app.command()
@one_line_errors
def rehearse(database_url: DatabaseUrl = None, env: EnvName = None) -> None:
    """Run the whole migration on a throwaway clone (up, verify, down, compare, up, verify); the source is only read."""
    from phased.lifecycle.rehearse import rehearse as run_rehearsal

    migrator = migrator_for(database_url, env=env)
    # The clone keeps no other history: what the team's own migrations added is still foreign there,
    # but its Prisma history, which the rehearsal does not write, is not checked.
    project = replace(migrator.project, checks=GAINGRID.checks)
    result = run_rehearsal(project, migrator.url, on_step=lambda s: reporting.print_rehearsal_step(console, s))
    reporting.print_rehearsal(console, result)
    if not result.ok:
        raise typer.Exit(1)


@migrate_app.command()
@one_line_errors
def report(html: Annotated[Optional[Path], typer.Option("--html", help="Also write the HTML page of the last run.",
                                                        show_default=False)] = None,
           ratio: Annotated[float, typer.Option("--ratio", min=1.0, help="Flag a statement whose mean time after "
                                                                         "the run is this many times its mean before.")]
           = DEFAULT_RATIO,
           database_url: DatabaseUrl = None, env: EnvName = None) -> None:
    """The performance watch (the app's top statements, mean time and calls before the last run and since,
    regressions flagged; PostgreSQL's pg_stat_statements); with --html, the page of the last run: timeline,
    throughput, verification, backup."""
    migrator = migrator_for(database_url, env=env)
    statements, why = migrator.performance(ratio)
    reporting.print_performance(console, statements, why, ratio)
    if html is not None:
        try:
            html.write_text(migrator.report_html(), encoding="utf-8")
        except OSError as exc:
            raise MigrateError(f"cannot write {html}: {exc.strerror}") from None
        console.print(f"report: {html}", markup=False, soft_wrap=True)


@migrate_app.command()
@one_line_errors
def history(database_url: DatabaseUrl = None, env: EnvName = None,
            limit: Annotated[int, typer.Option(min=1, help="Entries to show at most.")] = 50) -> None:
    """Print the ledger: every phase run, adopt, backfill and verify, with its outcome."""
    reporting.print_history(console, migrator_for(database_url, env=env).history(limit))


@migrate_app.command()
@one_line_errors
def backfill(database_url: DatabaseUrl = None, env: EnvName = None, batch_size: BatchSize = DEFAULT_BATCH_SIZE,
             batch_delay: BatchDelay = 0.0, max_lock_waiters: MaxLockWaiters = 2, max_active: MaxActive = None,
             replica: Replicas = None, max_lag: MaxLag = 1.0) -> None:
    """Run or resume the current phase's backfill alone (it continues where a killed run stopped)."""
    migrator = migrator_for(database_url, env=env, report=_said)
    with reporting.progress_bars(console) as update:
        result = migrator.backfill(batch_size=batch_size,
                                   throttle=_throttle(batch_delay, max_lock_waiters, max_active, replica, max_lag),
                                   on_backfill=lambda p: update(p.name, p.done, p.total, p.note))
    reporting.print_step(console, result)
    reporting.print_backfills(console, migrator.backfills())


@migrate_app.command()
@one_line_errors
def quarantine(database_url: DatabaseUrl = None, env: EnvName = None,
               limit: Annotated[int, typer.Option(min=1, help="Rows to show at most.")] = 50) -> None:
    """List the source rows a backfill could not migrate, with the reason (they are never dropped)."""
    reporting.print_quarantine(console, migrator_for(database_url, env=env).quarantine(limit))


@migrate_app.command()
@one_line_errors
def down(to: Annotated[int, typer.Option("--to", help="The phase to go back to (1 or more).")],
         database_url: DatabaseUrl = None, env: EnvName = None,
         yes: Annotated[bool, typer.Option("--yes", help="Go ahead without asking (after printing what it will do); "
                                                         "on an environment with confirm = true, without typing "
                                                         "its name.")] = False,
         prisma_migrations: PrismaMigrations = None, force: Force = False, reason: Reason = None) -> None:
    """Reverse applied phases down to --to N, archiving what is dropped: prints what it will archive,
    rebuild or keep, with row counts, and asks first unless --yes."""
    migrator = migrator_for(database_url, env=env, report=_said, prisma_migrations=prisma_migrations)
    preview = migrator.down_preview(to)
    for line in preview:
        console.print(line, soft_wrap=True)
    named = False  # the environment's name was typed: that is the answer
    if env is not None and migrator.plan(to, down=True).steps:
        named = guard(env, "down", migrator, to, force=force, reason=reason, yes=yes)
    if preview and not (yes or named):
        if not sys.stdin.isatty():
            raise MigrateError("down asks before it changes anything, and no one can answer here: "
                               "rerun with --yes to go ahead")
        if not typer.confirm(f"go down to phase {to}?"):
            raise MigrateError("down cancelled: nothing was changed")
    results = migrator.down(to, on_step=lambda r: reporting.print_step(console, r))
    if not results:
        console.print("nothing to do: the database is already at that phase")


@migrate_app.command("export-record")
@one_line_errors
def export_record(output: Annotated[Path, typer.Option("--output", "-o", help="The file to write (JSON).")],
                  env: EnvName = None, database_url: DatabaseUrl = None) -> None:
    """Write this environment's promotion record: its ledger entries and their script checksums, for the
    promotion gate of an environment that cannot reach this one (`up --record FILE`)."""
    if env is None:
        raise MigrateError("export-record needs --env NAME: the record names the environment it comes from")
    migrator = migrator_for(database_url, env=env)
    data = promotion_record(GAINGRID, env, redact(migrator.url), migrator.status().phase_number, migrator.history())
    try:
        output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise MigrateError(f"cannot write {output}: {exc.strerror}") from None
    console.print(f"promotion record of {env} (phase {data['phase']}, {len(data['entries'])} ledger entries): {output}",
                  markup=False, soft_wrap=True)


@migrate_app.command()
@one_line_errors
def schedule(at: Annotated[str, typer.Option("--at", help="When the window starts: ISO 8601 (without an offset: "
                                                          "in the environment window's timezone, else UTC).")],
             minutes: Annotated[int, typer.Option("--minutes", min=1, help="How long it lasts.")] = 60,
             to: ToPhase = None, database_url: DatabaseUrl = None, env: EnvName = None, force: Force = False,
             reason: Reason = None) -> None:
    """Record a planned maintenance window for the pending phases; the service's /status announces it."""
    rollout = rollout_for(env)
    window = rollout.env.window if rollout else None
    start = parse_moment(at, window.zone if window else timezone.utc)
    end = start + timedelta(minutes=minutes)
    if start <= datetime.now(timezone.utc):
        raise MigrateError(f"--at {at} is in the past: plan a window that is still to come")
    migrator = migrator_for(database_url, env=env)
    the_plan = migrator.plan(to)
    if not the_plan.steps:
        raise MigrateError("nothing to schedule: the database is already at the target phase")
    if window is not None and not window.covers(start, end):
        Refusals("schedule", rollout.name, [f"the planned window is not inside its maintenance window "
                                            f"({window.describe()})"], "plan it in the window, ").enforce(
            force=force, reason=reason)
    phases = [p.number for p in the_plan.steps]
    planned = schedule_entry(the_plan.target, start, end, phases, env)
    record_entry(GAINGRID, migrator.url, planned)
    console.print(f"scheduled{' on ' + env if env else ''}: {planned.details['from']} to {planned.details['to']}, "
                  f"phases {', '.join(map(str, phases))}; the service's /status announces it until it has passed",
                  markup=False, soft_wrap=True)


@migrate_app.command("prisma-schema")
@one_line_errors
def prisma_schema(phase: Annotated[int, typer.Option("--phase", help="The phase (1 to 7).")]) -> None:
    """Print the schema.prisma a team that keeps Prisma commits at phase N (the sync's index declared while
    it exists)."""
    from gaingrid import prisma

    typer.echo(prisma.schema(GAINGRID.phase(phase)), nl=False)


def register(app: typer.Typer) -> None:
    app.add_typer(migrate_app, name="migrate")
