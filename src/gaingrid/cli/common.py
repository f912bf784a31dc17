"""What every `gaingrid` command shares: the database option, the console, one-line errors."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from gaingrid.phases import GAINGRID
from phased.declare.errors import MigrateError
from phased.lifecycle.commands import Migrator

DEFAULT_URL = "sqlite:///gaingrid.db"
console = Console(highlight=False)

DatabaseUrl = Annotated[
    Optional[str],
    typer.Option("--database-url", envvar="GAINGRID_DATABASE_URL", show_envvar=True,
                 help=f"SQLAlchemy URL of the database [default: {DEFAULT_URL}]", show_default=False),
]


def one_line_errors(command: Callable) -> Callable:
    """Refusals and failures end as one line on stderr and exit code 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (MigrateError, ValueError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None)
            message = ("database error: " + (str(orig) if orig else str(exc)).strip().splitlines()[0]
                       + "; run `gaingrid migrate status` to see where the database stands")
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(1)
    return wrapper


PrismaMigrations = Annotated[
    Optional[Path],
    typer.Option("--prisma-migrations", metavar="DIR", show_default=False,
                 help="The team's prisma/migrations: each phase becomes a Prisma migration there and in "
                      "_prisma_migrations (PostgreSQL). `adopt` remembers it; the others default to that."),
]


def migrator_for(url: str | None, *, jobs: int | None = None, report: Callable[[str], None] | None = None,
                 prisma_migrations: Path | None = None) -> Migrator:
    """`report` hears of retries and of what the throttle does, as they happen. Prisma's history joins
    every migrator: in `prisma_migrations`, or the folder `adopt` remembered (if any)."""
    from gaingrid import prisma

    return Migrator(GAINGRID, url or DEFAULT_URL, jobs=jobs, report=report,
                    recorders=[prisma.history(prisma_migrations)])
