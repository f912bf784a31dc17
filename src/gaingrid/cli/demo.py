"""`gaingrid demo` (the main job, on SQLite) and `gaingrid demo-data`."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gaingrid.cli import reporting
from gaingrid.cli.common import DatabaseUrl, EnvName, console, migrator_for, one_line_errors


@one_line_errors
def demo_data(
    database_url: DatabaseUrl = None, env: EnvName = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same rows.")] = 42,
    users: Annotated[int, typer.Option(help="Number of users.")] = 50,
    workouts_per_user: Annotated[int, typer.Option(help="Average workouts per user.")] = 40,
    exercises_per_workout: Annotated[int, typer.Option(help="Average exercises per workout.")] = 5,
    months: Annotated[int, typer.Option(help="Months of history.")] = 12,
) -> None:
    """Fill a legacy (phase 1) database with realistic, deterministic data."""
    from gaingrid.cli.demo_run import fill_legacy
    from gaingrid.data.demo_data import DemoDataOptions

    options = DemoDataOptions(seed=seed, users=users, workouts_per_user=workouts_per_user,
                              exercises_per_workout=exercises_per_workout, months=months)
    counts = fill_legacy(migrator_for(database_url, env=env), options, console)
    reporting.print_counts(console, counts)


@one_line_errors
def demo(
    path: Annotated[Path, typer.Option(help="The SQLite file to create (replaced if it exists).")] = Path("gaingrid-demo.db"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    users: Annotated[int, typer.Option(help="Number of users.")] = 200,
) -> None:
    """The main job: a fresh SQLite legacy database with demo data, taken through every phase to 6."""
    from gaingrid.cli.demo_run import run_demo

    run_demo(path, seed=seed, users=users, console=console)


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data)
    app.command()(demo)
