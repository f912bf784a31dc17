"""Rich renderings of the engine's results, for people."""
from __future__ import annotations

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from gaingrid.migrate import dialect
from gaingrid.migrate.phase import Project
from gaingrid.migrate.runner import Plan, StepResult
from gaingrid.migrate.state import DatabaseState


def print_status(console: Console, project: Project, url: sa.URL, state: DatabaseState) -> None:
    console.print(f"database: {dialect.redact(url)}")
    current = state.phase_number
    if state.empty:
        console.print("state: empty (no application tables); `up` creates phase 1 and continues")
    elif state.managed and not state.differences:
        console.print(f"state: at phase {state.recorded.label}")
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
    arrow = "↑" if result.direction == "up" else "↓"
    console.print(f"{arrow} phase {result.phase.label} {result.direction}: ok, schema verified ({result.seconds:.2f} s)")


def print_counts(console: Console, counts: dict[str, int] | object) -> None:
    rows = counts if isinstance(counts, dict) else vars(counts)
    table = Table("table", "rows")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
