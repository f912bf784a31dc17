"""What every `gaingrid` command shares: the database option, the console, one-line errors."""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional, Sequence

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from gaingrid.phases import GAINGRID
from phased.declare.errors import MigrateError
from phased.declare.phase import Phase
from phased.environments import Refusals, Rollout
from phased.environments import load as load_config
from phased.lifecycle.commands import Migrator

DEFAULT_URL = "sqlite:///gaingrid.db"
console = Console(highlight=False)

DatabaseUrl = Annotated[
    Optional[str],
    typer.Option("--database-url", envvar="GAINGRID_DATABASE_URL", show_envvar=True,
                 help=f"SQLAlchemy URL of the database [default: {DEFAULT_URL}]", show_default=False),
]


EnvName = Annotated[
    Optional[str],
    typer.Option("--env", envvar="GAINGRID_ENV", show_envvar=True, show_default=False,
                 help="A named environment of gaingrid.toml (or [tool.gaingrid] in pyproject.toml): its database, "
                      "backup directory, window and promotion rules."),
]
Force = Annotated[bool, typer.Option("--force", help="Run despite the environment's window or promotion gate "
                                                     "(needs --reason; recorded in the ledger).")]
Reason = Annotated[Optional[str], typer.Option("--reason", help="Why --force: recorded in the ledger with the override.",
                                               show_default=False)]
Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for the environment's name (confirm = true).")]


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


def given(parameter: str) -> bool:
    """Whether the command line itself gave `parameter` (not its default or its environment variable)."""
    # Typer vendors Click privately (typer._click): its context is the one current while a command runs.
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    source = ctx.get_parameter_source(parameter) if ctx is not None else None
    return source is not None and source.name == "COMMANDLINE"


def rollout_for(env: str | None) -> Rollout | None:
    """The environment `--env` names, from the project's config file; None without --env."""
    if env is None:
        return None
    config = load_config(GAINGRID.name)
    if config is None:
        raise MigrateError(f"--env {env}: there is no gaingrid.toml (or [tool.gaingrid] in pyproject.toml) in this "
                           "directory or above it; write one (see the README's Environments) or use --database-url")
    return Rollout(GAINGRID, config, env)


def database_url_for(url: str | None, env: str | None, *, app: bool = False) -> tuple[str, Rollout | None]:
    """The database a command works on: the environment's (its direct URL for the migrator, its app URL
    for the app's own commands with `app`), else --database-url, GAINGRID_DATABASE_URL, the default."""
    rollout = rollout_for(env)
    if rollout is None:
        return url or DEFAULT_URL, None
    if given("database_url"):
        raise MigrateError("give --env or --database-url, not both: --env reads its URL from the variable "
                           "the config file names")
    return (rollout.env.url() if app else rollout.migrator_url()), rollout


def app_database(url: str | None, env: str | None) -> str | None:
    """The database of the app's own commands (serve, imports, catalog, reminders): the environment's app URL
    (a pooled one is fine for them), else what was given."""
    return url if env is None else database_url_for(url, env, app=True)[0]


def migrator_for(url: str | None, *, env: str | None = None, jobs: int | None = None,
                 report: Callable[[str], None] | None = None, prisma_migrations: Path | None = None) -> Migrator:
    """`report` hears of retries and of what the throttle does, as they happen. Prisma's history joins
    every migrator: in `prisma_migrations`, or the folder `adopt` remembered (if any). With `env`, the
    environment's database (its direct URL) and what the migrator is told of its pooler."""
    from gaingrid import prisma

    url, rollout = database_url_for(url, env)
    recorders = [prisma.history(prisma_migrations)]
    if rollout is None:
        return Migrator(GAINGRID, url, jobs=jobs, report=report, recorders=recorders)
    told = rollout.env.pooled and not rollout.env.direct_url_env
    return Migrator(GAINGRID, url, jobs=jobs, report=report, recorders=recorders, direct_hint=rollout.env.direct_hint,
                    pooled=f"pooled = true for environment {rollout.name}" if told else None)


def backup_dir_for(env: str | None, given_dir: Path, parameter: str) -> Path:
    """The environment's backup directory, unless the command line names one."""
    rollout = rollout_for(env)
    return rollout.env.backup_dir if rollout is not None and not given(parameter) else given_dir


def guard(env: str | None, command: str, migrator: Migrator, phase: int, *, steps: Sequence[Phase] = (),
          force: bool = False, reason: str | None = None, yes: bool = False, record: Path | None = None) -> bool:
    """Before `command` changes an environment's database: its window, its promotion gate (for up), its
    confirmation; an override (--force with --reason) is recorded in the ledger first. True: the
    environment's name was typed."""
    rollout = rollout_for(env)
    if rollout is None:
        if record is not None:
            raise MigrateError("--record is for the promotion gate of an environment: give --env NAME too")
        return False
    checks: list[Refusals] = [rollout.window(command)]
    if command == "up":
        checks.append(rollout.promotion(steps, record=record))
    for check in checks:
        check.enforce(force=force, reason=reason)
    named = rollout.env.confirm and not yes
    if named:
        typer.echo(f"{command} on {rollout.name}: type the environment's name to go on: ", nl=False)
        typed = sys.stdin.readline()
        if not typed:
            raise MigrateError(f"{rollout.name} asks for its name to be typed (confirm = true): type it, or pass --yes")
        if typed.strip() != rollout.name:
            raise MigrateError(f"typed {typed.strip()!r}, not {rollout.name!r}: nothing was changed")
    if force:
        rollout.record_override(migrator.url, command, phase, checks, reason or "")
    return named
