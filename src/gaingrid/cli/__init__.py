"""The `gaingrid` command: one module per verb group, each thin over the library.

    migrate   the phased migration (phased's commands)
    backup    backups and restores
    imports   Strong and Hevy imports, Strong export
    service   serve, catalog, reminders, accounts
    demo      the main job on SQLite, and demo data
"""
from __future__ import annotations

import sys

import typer

from gaingrid.cli import backup, demo, imports, migrate, service

app = typer.Typer(no_args_is_help=True, add_completion=False, help="GainGrid: the workout tracker and its migration toolkit.")
for group in (migrate, backup, service, imports, demo):
    group.register(app)


def main() -> None:
    """The console script: usage errors too end as one line (Click would print a boxed usage)."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        code = 1
    except Exception as exc:
        # Typer vendors Click's exceptions privately: recognise a usage error by its class name.
        if not any(cls.__name__ == "UsageError" for cls in type(exc).__mro__):
            raise
        typer.echo(f"error: {exc.format_message().strip().splitlines()[0]} (see --help)", err=True)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)


