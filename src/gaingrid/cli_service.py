"""The service's commands: `gaingrid serve`, `catalog load`, `reminders dispatch`."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from pydantic import ValidationError
from gaingrid.cli_common import DEFAULT_URL, DatabaseUrl, console, one_line_errors
from gaingrid.migrate import dialect
from gaingrid.migrate.errors import MigrateError

catalog_app = typer.Typer(no_args_is_help=True, help="The exercise catalog shipped with GainGrid.")
reminders_app = typer.Typer(no_args_is_help=True, help="Training reminders.")


def _settings(database_url: str | None):
    from gaingrid.api.settings import Settings

    try:
        return Settings(database_url=database_url) if database_url else Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "GAINGRID_" + "_".join(str(p) for p in first["loc"]).upper()
        raise ValueError(f"{field}: {first['msg']}") from None


def _engine(database_url: str | None):
    return dialect.create_engine(dialect.parse_url(database_url or DEFAULT_URL))


def serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Run the HTTP API (docs at /docs). Configured by GAINGRID_* variables: see the README."""
    one_line_errors(_serve)(database_url, host, port)


def _serve(database_url: str | None, host: str, port: int) -> None:
    import uvicorn

    from gaingrid.api import create_app

    settings = _settings(database_url)
    app = create_app(settings)
    console.print(f"GainGrid API on http://{host}:{port} (docs at /docs), "
                  f"database {dialect.redact(settings.database_url)}", soft_wrap=True, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="info")


def catalog_load(database_url: DatabaseUrl = None) -> None:
    """Load the 873 catalog exercises; rerunning adds nothing and overwrites nothing."""
    one_line_errors(_catalog_load)(database_url)


def _catalog_load(database_url: str | None) -> None:
    from gaingrid.service import catalog
    from gaingrid.service.phase import PhaseReader

    engine = _engine(database_url)
    try:
        with dialect.connect(engine) as conn:
            phase = PhaseReader().read(conn)
            if phase.number == 0:
                raise MigrateError("the database is empty: run `gaingrid migrate up` first")
            result = catalog.load(conn, phase.number)
            conn.commit()
    finally:
        engine.dispose()
    note = "" if phase.number >= 4 else " (legacy columns only: run it again after phase 4 for the catalog fields)"
    console.print(f"catalog: {result.added} added, {result.updated} filled in, {result.unchanged} unchanged{note}")


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--now {text!r} is not an ISO 8601 date-time like 2025-03-30T05:00:00Z") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def reminders_dispatch(
    database_url: DatabaseUrl = None,
    now: Annotated[str | None, typer.Option(help="The current instant, ISO 8601 (naive = UTC) [default: now]")] = None,
    window: Annotated[int, typer.Option(min=1, max=7 * 24 * 60, help="Send a reminder at most this many minutes late.")] = 60,
    sender: Annotated[str | None, typer.Option(help="package.module:function taking a Notification [default: the log]")] = None,
) -> None:
    """Send the reminders due now in each user's timezone, once per period (run it every few minutes)."""
    one_line_errors(_dispatch)(database_url, now, window, sender)


def _dispatch(database_url: str | None, now: str | None, window: int, sender: str | None) -> None:
    from gaingrid.service.dispatch import dispatch, load_sender, log_sender

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    send = load_sender(sender) if sender else log_sender
    at = _instant(now)
    engine = _engine(database_url)
    try:
        result = dispatch(engine, at, send, timedelta(minutes=window))
    finally:
        engine.dispose()
    console.print(f"reminders: {len(result.sent)} sent, {len(result.failed)} failed, "
                  f"{result.checked} active checked at {at.astimezone(UTC).isoformat()}")
    if result.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    catalog_app.command("load")(catalog_load)
    reminders_app.command("dispatch")(reminders_dispatch)
    app.add_typer(catalog_app, name="catalog")
    app.add_typer(reminders_app, name="reminders")
