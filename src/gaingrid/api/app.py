"""The app factory: one engine per app, one session per request."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from gaingrid.migrate import dialect
from gaingrid.service.phase import PhaseReader

from . import errors
from .routes import auth, exercises, logs, plans, reminders, status, workouts
from .security import Passwords, Tokens
from .settings import Settings

DESCRIPTION = """\
GainGrid's HTTP API, served from the migrated schema while the migration runs.

Authenticate with `POST /auth/login` and send `Authorization: Bearer <accessToken>`.
Every resource belongs to its user: another user's id answers 404.
An endpoint whose tables a phase has not created yet answers 503 and says which phase it needs;
`GET /status` tells clients the phase, for a maintenance notice.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # dialect.create_engine: real transactions and enforced foreign keys on SQLite.
    engine = dialect.create_engine(dialect.parse_url(settings.database_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        engine.dispose()

    app = FastAPI(title="GainGrid", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.phases = PhaseReader()
    app.state.tokens = Tokens(settings.token_secret.get_secret_value(), settings.token_ttl_seconds)
    app.state.passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    errors.install(app)
    for module in (status, auth, exercises, plans, reminders, logs, workouts):
        app.include_router(module.router)
    return app
