"""`gaingrid import strong|hevy FILE --user EMAIL` and `gaingrid export strong FILE --user EMAIL`."""
from __future__ import annotations

import json
import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gaingrid.cli.common import DEFAULT_URL, DatabaseUrl, EnvName, app_database, console, one_line_errors
from phased.declare.errors import MigrateError

import_app = typer.Typer(no_args_is_help=True, help="Import workout history exported from Strong or Hevy.")
export_app = typer.Typer(no_args_is_help=True, help="Export workout history for other apps.")


class Unit(str, Enum):
    kg = "kg"
    lb = "lb"


ImportFile = Annotated[Path, typer.Argument(help="The app's CSV export.", show_default=False)]
User = Annotated[str, typer.Option("--user", help="The account's email address.", show_default=False)]
ImportUnit = Annotated[Unit, typer.Option("--unit", help="The unit of a weight column that does not say "
                                                         "(Strong's Weight: the app's unit). Stored in kg.")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    import_app.command("strong")(import_strong)
    import_app.command("hevy")(import_hevy)
    export_app.command("strong")(export_strong)
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")


def import_strong(file: ImportFile, user: User, unit: ImportUnit = Unit.kg, json_output: Json = False,
                  database_url: DatabaseUrl = None, env: EnvName = None) -> None:
    """Import a Strong export: one transaction, verified set by set; importing it again adds nothing."""
    one_line_errors(lambda: _import("strong", file, user, unit.value, json_output,
                                    app_database(database_url, env)))()


def import_hevy(file: ImportFile, user: User, unit: ImportUnit = Unit.kg, json_output: Json = False,
                database_url: DatabaseUrl = None, env: EnvName = None) -> None:
    """Import a Hevy export: one transaction, verified set by set; importing it again adds nothing."""
    one_line_errors(lambda: _import("hevy", file, user, unit.value, json_output,
                                    app_database(database_url, env)))()


def export_strong(file: Annotated[Path, typer.Argument(help="The CSV file to write.", show_default=False)],
                  user: User, unit: Annotated[Unit, typer.Option("--unit", help="Weights in kg or lb.")] = Unit.kg,
                  database_url: DatabaseUrl = None, env: EnvName = None) -> None:
    """Write the account's workout logs as a Strong CSV export; importing it back adds nothing."""
    one_line_errors(lambda: _export(file, user, unit.value, app_database(database_url, env)))()


def _account(conn, email: str) -> tuple[int, dict]:
    from gaingrid.service import users
    from gaingrid.service.phase import PhaseReader

    phase = PhaseReader().read(conn)
    missing = phase.missing("logs")
    if missing:
        raise MigrateError(f"{missing}: run `gaingrid migrate up` first")
    row = users.by_email(conn, phase.number, email.strip().lower())
    if row is None:
        raise ValueError(f"no account has the email {email!r}: register it first (POST /auth/register)")
    return phase.number, row


def _import(app: str, file: Path, email: str, unit: str, json_output: bool, database_url: str | None) -> None:
    from gaingrid.service import database
    from gaingrid.service.imports import run_import

    try:
        raw = file.open("rb")
    except OSError as exc:
        raise ValueError(f"cannot read {file}: {exc.strerror}") from None
    engine = database.create_engine(database_url or DEFAULT_URL)
    try:
        with raw, database.writer(engine).begin() as conn:
            phase, row = _account(conn, email)
            report = run_import(conn, phase, row, app, raw, file.name, unit)
    finally:
        engine.dispose()
    if json_output:
        typer.echo(json.dumps(report.to_json(), indent=2, default=str, ensure_ascii=False))
    else:
        _print(report)


def _export(file: Path, email: str, unit: str, database_url: str | None) -> None:
    from gaingrid.service import database
    from gaingrid.service.imports import StrongExport

    partial = file.with_name(f".{file.name}.partial")
    engine = database.create_engine(database_url or DEFAULT_URL)
    try:
        with engine.connect() as conn, _open(partial, file) as out:
            phase, row = _account(conn, email)
            export = StrongExport(conn, phase, row, unit)
            for chunk in export:
                out.write(chunk)
        os.replace(partial, file)  # a failed export leaves no half-written file behind
    finally:
        engine.dispose()
        partial.unlink(missing_ok=True)
    console.print(f"exported {export.sets:,} sets in {export.sessions:,} sessions of {row['email']} to {file} "
                  f"(Strong's format, weights in {unit})", markup=False, soft_wrap=True)


def _open(partial: Path, target: Path):
    try:
        return partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ValueError(f"cannot write {target}: {exc.strerror}") from None


def _print(report) -> None:
    console.print(f"imported [bold]{report.file}[/] ({report.app}) for {report.user}: times read in "
                  f"{report.timezone}, weights stored in kg (the file's unit: {report.unit} where it does not say)",
                  soft_wrap=True)
    counts = Table(title="sets", title_justify="left")
    for column in ("rows in the file", "imported", "already there", "quarantined", "reconciled"):
        counts.add_column(column, justify="right")
    counts.add_row(f"{report.rows:,}", f"{report.imported:,}", f"{report.present:,}", f"{report.quarantined:,}",
                   "[green]yes[/]" if report.reconciled else "[red]NO[/]")
    console.print(counts)
    console.print(f"sessions: {report.sessions:,} in the file, {report.new_sessions:,} new")
    matches = Table(title="exercises: every name in the file and what it became", title_justify="left")
    for column in ("in the file", "exercise", "how", "sets"):
        matches.add_column(column)
    for m in sorted(report.mappings, key=lambda m: m.source):
        matches.add_row(m.source, m.exercise, m.how, f"{m.sets:,}")
    console.print(matches)
    if report.quarantine:
        table = Table(title=f"quarantined rows (not imported): {report.quarantined:,}", title_justify="left")
        for column in ("line", "reason", "row"):
            table.add_column(column)
        for q in report.quarantine:
            table.add_row(str(q.line), q.reason, q.row)
        console.print(table)
        if report.quarantined > len(report.quarantine):
            console.print(f"… and {report.quarantined - len(report.quarantine):,} more (use --json for the count)")
    if report.ignored_columns:
        console.print(f"columns not imported: {', '.join(report.ignored_columns)}", soft_wrap=True)
    if report.kept:
        table = Table(title="already in the database, but different from the file (the database's kept)",
                      title_justify="left")
        table.add_column("line")
        table.add_column("difference")
        for d in report.kept:
            table.add_row(str(d.line), d.what)
        console.print(table)
    check = Table(title="verification: each set read back from the database", title_justify="left")
    for column in ("sets compared", "differences (the database's kept)", "result"):
        check.add_column(column, justify="right")
    check.add_row(f"{report.verified:,}", f"{len(report.kept):,}",
                  "[green]clean[/]" if report.clean else "[yellow]see above[/]")
    console.print(check)
