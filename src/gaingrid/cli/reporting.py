"""Rich renderings of the engine's results, for people."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from phased.declare.phase import Project
from phased.dialects import engines
from phased.lifecycle.commands import Plan, StepResult
from phased.lifecycle.recorder import step_seconds
from phased.lifecycle.rehearse import Rehearsal, RehearsalStep
from phased.movement.batches import BackfillProgress
from phased.state.ledger import Entry
from phased.state.state import DatabaseState
from phased.verification.verify import Verification


def print_status(console: Console, project: Project, url: sa.URL, state: DatabaseState) -> None:
    console.print(f"database: {engines.redact(url)}")
    current = state.phase_number
    if state.empty:
        console.print("state: empty (no application tables); `up` creates phase 1 and continues")
    elif state.managed and not state.differences:
        console.print(f"state: at phase {state.recorded.label}")
        if state.in_flight:
            flight = state.in_flight
            moving = project.phase(flight.phase)
            done = "; ".join(state.progress) or "nothing of it committed yet"
            console.print(f"[yellow]phase {moving.label} in progress ({flight.direction}, started "
                          f"{flight.started_at:%Y-%m-%d %H:%M:%S} UTC): {done}. Run `gaingrid migrate "
                          f"{flight.direction}` to finish it, or the other direction to undo it.[/]", soft_wrap=True)
    elif state.managed:
        console.print(f"state: recorded at phase {state.recorded.label}, but the schema has drifted from it:")
    elif state.matched:
        console.print(f"state: no version record; the schema matches phase {state.matched.label}. "
                      "Run `gaingrid migrate adopt` to record it.")
    else:
        console.print(f"state: the schema matches no phase; closest is phase {state.closest.label}, which differs in:")
    for line in state.differences:
        console.print(f"  - {line}", markup=False)

    table = Table("phase", "name", "state", "what it changes")
    for phase in project.phases:
        if phase.number <= current and not state.differences:
            mark = "applied" if phase.number < current else "[bold green]current[/]"
        elif phase.opt_in:
            mark = "[dim]opt-in[/]"
        else:
            mark = "[yellow]pending[/]"
        table.add_row(str(phase.number), phase.name, mark, phase.summary)
    console.print(table)


def print_backfills(console: Console, backfills: list[BackfillProgress]) -> None:
    for b in backfills:
        share = f"{b.done / b.total:.0%}" if b.total else "100%"
        state = "done" if b.finished else f"in progress ({share}); resume with `gaingrid migrate backfill`"
        console.print(f"backfill {b.name}: {b.done:,} of {b.total:,} source rows, {state}")
        if b.quarantined:
            console.print(f"[yellow]  {b.quarantined:,} rows quarantined (not migrated, kept with the reason): "
                          "see `gaingrid migrate quarantine`[/]")


def print_quarantine(console: Console, rows: list[dict]) -> None:
    """One line a row (grep-able), the source row's JSON under it."""
    if not rows:
        console.print("no quarantined rows")
        return
    for r in rows:
        console.print(f"{r['backfill']}  {r['source_key']}  {r['reason']}", markup=False, soft_wrap=True)
        console.print(f"    {r['row'] or ''}", markup=False, soft_wrap=True, style="dim")


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} rows/s" if task.speed else "")


@contextmanager
def progress_bars(console: Console) -> Iterator[Callable[..., None]]:
    """A bar per label, with rows done, rows/s, time left and what the throttle is doing:
    update(label, done, total, note=None).

    The display starts with the first update, so a command that fails before
    any progress prints nothing but its error.
    """
    bar = Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), _RowsPerSecond(),
                   TimeRemainingColumn(), TextColumn("[dim]{task.fields[note]}"), console=console)
    tasks: dict[str, int] = {}

    def update(label: str, done: int, total: int, note: str | None = None) -> None:
        if not tasks:
            bar.start()
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=total, note="")
        bar.update(tasks[label], completed=done, total=total, note=note or "")

    try:
        yield update
    finally:
        if tasks:
            bar.stop()


def print_plan(console: Console, plan: Plan) -> None:
    if not plan.steps:
        console.print(f"nothing to do: the database is at phase {plan.start}")
        return
    console.print(f"plan: {plan.direction} from phase {plan.start} to phase {plan.target}")
    table = Table("step", "phase", "what it changes")
    for i, phase in enumerate(plan.steps, 1):
        change = phase.summary if plan.direction == "up" else f"reverse: {phase.summary} (dropped data is archived)"
        table.add_row(str(i), phase.label, change)
    console.print(table)
    console.print("[dim]nothing was changed; `--sql` prints the exact statements[/]")


def print_step(console: Console, result: StepResult) -> None:
    arrow = "↓" if result.direction in ("down", "undo", "tidy") else "↑"
    moved = f", {result.rows_moved:,} rows backfilled" if result.rows_moved else ""
    console.print(f"{arrow} phase {result.phase.label} {result.direction}: ok, schema verified{moved} "
                  f"({result.seconds:.2f} s)")


def print_counts(console: Console, counts: dict[str, int] | object) -> None:
    rows = counts if isinstance(counts, dict) else vars(counts)
    table = Table("table", "rows")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)


def print_verification(console: Console, result: Verification) -> None:
    table = Table("phase", "check", "result", "detail", title=f"verification at phase {result.phase}")
    for c in result.checks:
        mark = "[green]ok[/]" if c.ok else ("[yellow]warning[/]" if c.warning else "[red]FAILED[/]")
        table.add_row(str(c.phase), c.name, mark, c.detail)
    console.print(table)
    for c in result.checks:
        if c.ok:
            continue
        for row in c.data.get("rows", []):
            fields = ", ".join(f"{k}: expected {v[0]!r}, found {v[1]!r}" for k, v in row["fields"].items())
            console.print(f"  differs  {row['key']}  {fields}", markup=False, soft_wrap=True)
        label = "missing" if "missing" in c.name else "extra"
        for key in c.data.get("keys", []):
            console.print(f"  {label}  {key}", markup=False, soft_wrap=True)
    verdict = "[green]passed[/]" if result.ok else "[red]FAILED[/]"
    console.print(f"verification {verdict} in {result.seconds:.2f} s")


def print_history(console: Console, entries: list[Entry]) -> None:
    if not entries:
        console.print("the ledger is empty")
        return
    table = Table("#", "phase", "direction", "started (UTC)", "seconds", "of which", "rows", "outcome", "operator",
                  "backup")
    for e in entries:
        outcome = "[green]ok[/]" if e.outcome == "ok" else f"[red]{e.outcome}[/]: {e.error or ''}"
        if e.direction == "override":  # an environment's rule, forced (--force --reason)
            outcome = f"[yellow]forced[/] {e.details.get('command', '')}: {escape(e.details.get('reason', ''))}"
        elif e.direction == "schedule":
            outcome = f"planned {e.details.get('from')} to {e.details.get('to')}"
        parts = ", ".join(f"{name} {seconds:.2f}" for name, seconds in step_seconds(e))
        table.add_row(str(e.id), str(e.phase), e.direction, e.started_at.strftime("%m-%d %H:%M:%S"),
                      f"{e.seconds:.2f}", parts, f"{e.rows_moved:,}" if e.rows_moved else "", outcome, e.operator,
                      Path(e.backup).name if e.backup else "")
    console.print(table)


def print_rehearsal_step(console: Console, step: RehearsalStep) -> None:
    mark = "[green]ok[/]" if step.ok else "[red]FAILED[/]"
    rows = f", {step.rows_moved:,} rows moved" if step.rows_moved else ""
    console.print(f"rehearsal: {step.label}: {mark} ({step.seconds:.2f} s{rows}) {step.detail}", soft_wrap=True)


def print_rehearsal(console: Console, result: Rehearsal) -> None:
    table = Table("step", "seconds", "rows moved", "result", title=f"rehearsal on a clone ({result.clone}, now dropped)")
    for s in result.steps:
        table.add_row(s.label, f"{s.seconds:.2f}", f"{s.rows_moved:,}" if s.rows_moved else "",
                      "[green]ok[/]" if s.ok else f"[red]FAILED[/]: {s.detail}")
    console.print(table)
    wait = "not observable on SQLite" if result.longest_lock_wait is None else f"{result.longest_lock_wait * 1000:.0f} ms"
    console.print(f"longest lock wait seen: {wait}")
    console.print("rehearsal [green]passed[/]: the migration is safe to run on this data" if result.ok
                  else f"rehearsal [red]FAILED[/]: {result.failure}", soft_wrap=True)


def print_performance(console: Console, statements, why: str, ratio: float) -> None:
    """The performance watch: each statement's mean time and calls before the last run and since it ended."""
    if statements is None:
        console.print(f"performance watch: {why}", soft_wrap=True, markup=False)
        return
    table = Table("statement", "calls before", "mean before", "calls after", "mean after", "after / before",
                  title="the app's statements, before the last run and since it ended")
    for s in statements:
        after = "" if s.after_mean_ms is None else f"{s.after_mean_ms:.2f} ms"
        change = "" if s.ratio is None else f"{s.ratio:.2f}×"
        table.add_row(escape(" ".join(s.query.split())[:80]), f"{s.before_calls:,}", f"{s.before_mean_ms:.2f} ms",
                      f"{s.after_calls:,}", after, f"[red]{change} REGRESSION[/]" if s.regressed else change)
    console.print(table)
    regressed = sum(s.regressed for s in statements)
    console.print(f"{regressed} statement{'s' if regressed != 1 else ''} regressed (mean time after / before over "
                  f"{ratio:g})" if regressed else f"no regression (mean time after / before over {ratio:g})")


def print_rollback(console: Console, steps, *, sql: bool = False) -> None:
    """The rollback plan: what `down` would do to each pending phase (its SQL with --sql)."""
    if not steps:
        console.print("nothing pending: no rollback to plan")
        return
    for step in steps:
        console.print(f"[bold]phase {escape(step.phase.label)}[/]: down --to {step.phase.number - 1}", soft_wrap=True)
        for line in step.archives or ("nothing (no data of the app's is dropped)",):
            console.print(f"  archives: {escape(line)}", soft_wrap=True)
        for line in step.restores or ("nothing",):
            console.print(f"  restores: {escape(line)}", soft_wrap=True)
        if sql:
            console.print(step.sql, markup=False, soft_wrap=True, highlight=False)
