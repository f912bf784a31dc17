"""The app factory: one engine per app, one session per request."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from gaingrid.service import database
from gaingrid.service.phase import PhaseReader
from gaingrid.service.sessions import TokenVersions

from . import errors, spec
from .deps import prepare_service_tables
from .passwords import Passwords
from .ratelimit import RateLimits
from .routes import auth, exercises, imports, logs, me, plans, reminders, status, workouts
from .settings import Settings
from .tokens import Tokens

log = logging.getLogger("gaingrid.api")

DESCRIPTION = """\
GainGrid's HTTP API, served from the migrated schema while the migration runs.

Authenticate with `POST /auth/login` and send `Authorization: Bearer <accessToken>`.
Every resource belongs to its user: another user's id answers 404.
An endpoint whose tables a phase has not created yet answers 503 and says which phase it needs;
`GET /status` tells clients the phase, for a maintenance notice.
"""
UNSET_SECRET_WARNING = (
    "GAINGRID_TOKEN_SECRET is unset: tokens are signed with a random secret of this process, so every "
    "login ends when it restarts, other processes refuse its tokens, and `gaingrid accounts reset-token` "
    "can't issue tokens it accepts. Set it to a random string of at least 32 characters."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if not settings.token_secret_is_set:
        log.warning(UNSET_SECRET_WARNING)
    engine = database.create_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        engine.dispose()

    app = FastAPI(title="GainGrid", version="1.1.0", description=DESCRIPTION, lifespan=lifespan,
                  max_body_size=settings.max_body_bytes, dependencies=[Depends(prepare_service_tables)])
    app.state.settings = settings
    app.state.engine = engine
    app.state.writer = database.writer(engine)
    app.state.phases = PhaseReader()
    app.state.versions = TokenVersions()
    app.state.tokens = Tokens(settings.token_secret.get_secret_value(), settings.token_ttl_seconds)
    app.state.passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    app.state.rate_limits = RateLimits(settings.rate_limit_storage, settings.rate_limit_per_account,
                                       settings.rate_limit_per_address)
    errors.install(app)
    for module in (status, auth, me, exercises, plans, reminders, logs, workouts):
        app.include_router(module.router)
    app.include_router(imports.router, max_body_size=settings.max_import_bytes)
    spec.install(app)
    return app
