"""Per-request dependencies: the session, the database's phase, the user."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from gaingrid.service import users
from gaingrid.service.phase import DbPhase

from .errors import PhaseUnavailable, unauthorized
from .security import Passwords, Tokens


def get_session(request: Request) -> Iterator[Session]:
    """One session per request. Routes commit what they write; anything else is rolled back."""
    with Session(request.app.state.engine, expire_on_commit=False, autoflush=False) as session:
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


def get_tokens(request: Request) -> Tokens:
    return request.app.state.tokens


def get_passwords(request: Request) -> Passwords:
    return request.app.state.passwords


TokensDep = Annotated[Tokens, Depends(get_tokens)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]

bearer = HTTPBearer(auto_error=False, description="The accessToken from POST /auth/login")


@dataclass(frozen=True)
class AuthUser:
    id: str
    row: dict[str, Any]  # the User columns the database's phase has


def get_current_user(session: SessionDep, phase: PhaseDep, tokens: TokensDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> AuthUser:
    if credentials is None:
        raise unauthorized("not authenticated: send Authorization: Bearer <token>")
    user_id = tokens.user_id(credentials.credentials)
    if user_id is None:
        raise unauthorized("the token is invalid or has expired; log in again")
    row = users.by_id(session.connection(), phase.number, user_id)
    if row is None or row.get("isActive") is False:
        raise unauthorized("the token's account no longer exists or is deactivated")
    return AuthUser(user_id, row)


CurrentUser = Annotated[AuthUser, Depends(get_current_user)]
