"""The service's commands: `gaingrid serve`, `catalog load`, `reminders dispatch`, `accounts reset-token`."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from pydantic import ValidationError

from gaingrid.cli.common import DEFAULT_URL, DatabaseUrl, EnvName, app_database, console, one_line_errors
from phased.declare.errors import MigrateError
from phased.dialects import engines

catalog_app = typer.Typer(no_args_is_help=True, help="The exercise catalog shipped with GainGrid.")
reminders_app = typer.Typer(no_args_is_help=True, help="Training reminders.")
accounts_app = typer.Typer(no_args_is_help=True, help="User accounts, for operators.")


def _settings(database_url: str | None):
    from gaingrid.api.settings import Settings

    try:
        return Settings(database_url=database_url) if database_url else Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "GAINGRID_" + "_".join(str(p) for p in first["loc"]).upper()
        raise ValueError(f"{field}: {first['msg']}") from None


def _engine(database_url: str | None):
    from gaingrid.service import database

    return database.create_engine(database_url or DEFAULT_URL)


def serve(
    database_url: DatabaseUrl = None, env: EnvName = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Run the HTTP API (docs at /docs). Configured by GAINGRID_* variables: see the README."""
    one_line_errors(lambda: _serve(app_database(database_url, env), host, port))()


def _serve(database_url: str | None, host: str, port: int) -> None:
    import uvicorn

    from gaingrid.api import create_app
    from gaingrid.api.app import UNSET_SECRET_WARNING

    settings = _settings(database_url)
    if not settings.token_secret_is_set:
        console.print(f"[bold red]WARNING:[/] {UNSET_SECRET_WARNING}", soft_wrap=True)
    app = create_app(settings)
    console.print(f"GainGrid API on http://{host}:{port} (docs at /docs), "
                  f"database {engines.redact(settings.database_url)}", soft_wrap=True, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="info")


def catalog_load(database_url: DatabaseUrl = None, env: EnvName = None) -> None:
    """Load the 873 catalog exercises; rerunning adds nothing and overwrites nothing."""
    one_line_errors(lambda: _catalog_load(app_database(database_url, env)))()


def _catalog_load(database_url: str | None) -> None:
    from gaingrid.service import catalog
    from gaingrid.service.phase import PhaseReader

    engine = _engine(database_url)
    try:
        with engines.connect(engine) as conn:
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
    database_url: DatabaseUrl = None, env: EnvName = None,
    now: Annotated[str | None, typer.Option(help="The current instant, ISO 8601 (naive = UTC) [default: now]")] = None,
    window: Annotated[int, typer.Option(min=1, max=7 * 24 * 60, help="Send a reminder at most this many minutes late.")] = 60,
    sender: Annotated[str | None, typer.Option(help="package.module:function taking a Notification [default: the log]")] = None,
) -> None:
    """Send the reminders due now in each user's timezone, once per period (run it every few minutes)."""
    one_line_errors(lambda: _dispatch(app_database(database_url, env), now, window, sender))()


def _dispatch(database_url: str | None, now: str | None, window: int, sender: str | None) -> None:
    from gaingrid.service import database
    from gaingrid.service.dispatch import dispatch, load_sender, log_sender

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    send = load_sender(sender) if sender else log_sender
    at = _instant(now)
    engine = _engine(database_url)
    try:
        result = dispatch(database.writer(engine), at, send, timedelta(minutes=window))
    finally:
        engine.dispose()
    console.print(f"reminders: {len(result.sent)} sent, {len(result.failed)} failed, "
                  f"{result.checked} active checked at {at.astimezone(UTC).isoformat()}")
    if result.failed:
        raise typer.Exit(1)


def reset_token(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    database_url: DatabaseUrl = None, env: EnvName = None,
    valid_minutes: Annotated[int, typer.Option(min=5, max=7 * 24 * 60, help="How long the token works.")] = 60,
) -> None:
    """Issue a one-time password-reset token for an account (there is no mail: hand it to the user).

    Signed with GAINGRID_TOKEN_SECRET, which must be the running service's.
    """
    one_line_errors(lambda: _reset_token(email, app_database(database_url, env), valid_minutes))()


def _reset_token(email: str, database_url: str | None, valid_minutes: int) -> None:
    from gaingrid.api.tokens import RESET, Tokens
    from gaingrid.service import database, users
    from gaingrid.service.phase import PhaseReader
    from gaingrid.service.sessions import TokenVersions

    settings = _settings(database_url)
    if not settings.token_secret_is_set:
        raise ValueError("GAINGRID_TOKEN_SECRET is unset: set it to the running service's secret, "
                         "or the service will not accept the token")
    engine = _engine(settings.database_url)
    try:
        with database.writer(engine).begin() as conn:
            phase = PhaseReader().read(conn)
            if phase.number == 0:
                raise MigrateError("the database is empty: run `gaingrid migrate up` first")
            row = users.by_email(conn, phase.number, email.strip().lower())
            if row is None:
                raise ValueError(f"no account has the email {email!r}")
            version = TokenVersions().current(conn, row["id"], row["password"])
    finally:
        engine.dispose()
    token = Tokens(settings.token_secret.get_secret_value(), settings.token_ttl_seconds)
    issued = token.issue(row["id"], version, audience=RESET, ttl=valid_minutes * 60)
    expires = datetime.fromtimestamp(issued.expires_at, UTC).isoformat(timespec="seconds")
    console.print(f"reset token for {row['email']}, valid until {expires}, once:", markup=False, soft_wrap=True)
    typer.echo(issued.value)
    console.print('the user sends it as POST /auth/reset {"token": "<token>", "newPassword": "<new password>"}',
                  markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    catalog_app.command("load")(catalog_load)
    reminders_app.command("dispatch")(reminders_dispatch)
    accounts_app.command("reset-token")(reset_token)
    app.add_typer(catalog_app, name="catalog")
    app.add_typer(reminders_app, name="reminders")
    app.add_typer(accounts_app, name="accounts")
