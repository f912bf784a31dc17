"""Per-request dependencies: the session, the database's phase, the user."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gaingrid.service import users
from gaingrid.service.phase import DbPhase
from gaingrid.service.sessions import TokenVersions
from phased import MigrateError

from .errors import PhaseUnavailable, log, unauthorized
from .passwords import Passwords
from .ratelimit import RateLimits
from .tokens import Tokens

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One session per request. Routes commit what they write; anything else is rolled back.

    A request whose method may write runs its transactions as writers
    (BEGIN IMMEDIATE on SQLite: see gaingrid.service.database).
    """
    state = request.app.state
    bind = state.engine if request.method in READ_ONLY_METHODS else state.writer
    with Session(bind, expire_on_commit=False, autoflush=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_phase(request: Request, session: SessionDep) -> DbPhase:
    phase = request.app.state.phases.read(session.connection())
    if phase.number == 0:
        raise PhaseUnavailable(phase.missing("accounts") or "the database is empty")
    return phase


PhaseDep = Annotated[DbPhase, Depends(get_phase)]


def requires(feature: str) -> Any:
    """A dependency that answers 503 until the database has reached `feature`'s phase."""
    def check(phase: PhaseDep) -> DbPhase:
        reason = phase.missing(feature)
        if reason:
            raise PhaseUnavailable(reason)
        return phase
    return Depends(check)


def _state(name: str) -> Any:
    def get(request: Request) -> Any:
        return getattr(request.app.state, name)
    return Depends(get)


TokensDep = Annotated[Tokens, _state("tokens")]
PasswordsDep = Annotated[Passwords, _state("passwords")]
RateLimitsDep = Annotated[RateLimits, _state("rate_limits")]


VersionsDep = Annotated[TokenVersions, _state("versions")]


def prepare_service_tables(request: Request) -> None:
    """App-wide, resolved before every other dependency: on PostgreSQL, creates the service's
    own table the first time the database is at phase 1 or later (on SQLite, the first logout does).

    On a connection of its own, before the request's transaction begins: on
    SQLite a second writer inside a writing request would wait for itself.
    A failure (say, the database is down) is left to the request to meet.
    """
    state = request.app.state
    if state.versions.ready or not state.versions.created_up_front(state.engine.dialect.name):
        return
    try:
        with state.writer.begin() as conn:
            if state.phases.read(conn).number >= 1:
                state.versions.create(conn)
    except (SQLAlchemyError, MigrateError) as exc:
        log.warning("cannot prepare the service's tables yet: %s", str(exc).splitlines()[0])


def client_address(request: Request) -> str:
    """The peer's address (behind a proxy, run uvicorn with --proxy-headers so this is the client's)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]

bearer = HTTPBearer(auto_error=False, description="The accessToken from POST /auth/login")


@dataclass(frozen=True)
class AuthUser:
    id: str
    row: dict[str, Any]  # the User columns the database's phase has


def get_current_user(session: SessionDep, phase: PhaseDep, tokens: TokensDep, versions: VersionsDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> AuthUser:
    if credentials is None:
        raise unauthorized("not authenticated: send Authorization: Bearer <token>")
    claims = tokens.read(credentials.credentials)
    if claims is None:
        raise unauthorized("the token is invalid or has expired; log in again")
    conn = session.connection()
    row = users.by_id(conn, phase.number, claims.user_id)
    if row is None or row.get("isActive") is False:
        raise unauthorized("the token's account no longer exists or is deactivated")
    if versions.current(conn, row["id"], row["password"]) != claims.version:
        raise unauthorized("the token was revoked (logout or password change); log in again")
    return AuthUser(row["id"], row)


CurrentUser = Annotated[AuthUser, Depends(get_current_user)]
