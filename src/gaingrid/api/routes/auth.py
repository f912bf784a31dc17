"""Register, log in, and the user's own profile."""
from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from gaingrid.models import utcnow
from gaingrid.service import users

from ..deps import CurrentUser, PasswordsDep, PhaseDep, SessionDep, TokensDep
from ..errors import PhaseUnavailable, conflict, documented, unauthorized
from ..schemas.users import (
    PROFILE_FIELDS,
    LoginIn,
    ProfilePatch,
    RegisterIn,
    TokenOut,
    UserOut,
)

router = APIRouter(tags=["accounts"],
                   responses=documented(401, 409, 503))


def _profile_allowed(phase, fields: set[str]) -> None:
    used = sorted(fields & set(PROFILE_FIELDS))
    reason = phase.missing("profile")
    if used and reason:
        raise PhaseUnavailable(f"{reason} ({', '.join(used)})")


def _public(row: dict) -> UserOut:
    return UserOut.model_validate({k: v for k, v in row.items() if k != "password"})


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             responses={409: {"description": "the email is taken"}})
def register(body: RegisterIn, session: SessionDep, phase: PhaseDep, passwords: PasswordsDep):
    _profile_allowed(phase, body.model_fields_set)
    conn = session.connection()
    if users.by_email(conn, phase.number, body.email):
        raise conflict("an account with this email already exists")
    values = body.model_dump(exclude_unset=True, exclude={"password"}, mode="json")
    row = users.create(conn, phase.number, {**values, "password": passwords.hash(body.password)})
    session.commit()
    return _public(row)


@router.post("/auth/login", response_model=TokenOut, responses={401: {"description": "wrong email or password"}})
def login(body: LoginIn, session: SessionDep, phase: PhaseDep, passwords: PasswordsDep, tokens: TokensDep):
    conn = session.connection()
    row = users.by_email(conn, phase.number, body.email)
    if not passwords.verify(row["password"] if row else None, body.password) or row is None:
        raise unauthorized("wrong email or password")
    if row.get("isActive") is False:
        raise unauthorized("this account is deactivated")
    if phase.has("profile"):
        users.update(conn, phase.number, row["id"], {"lastLogin": utcnow()})
        session.commit()
    token = tokens.issue(row["id"])
    return TokenOut(accessToken=token.value, expiresAt=datetime.fromtimestamp(token.expires_at, UTC))


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser):
    return _public(user.row)


@router.patch("/me", response_model=UserOut)
def update_me(body: ProfilePatch, user: CurrentUser, session: SessionDep, phase: PhaseDep):
    changes = body.model_dump(exclude_unset=True, mode="json")
    _profile_allowed(phase, set(changes))
    if not changes:
        return _public(user.row)
    row = users.update(session.connection(), phase.number, user.id, changes)
    session.commit()
    return _public(row or user.row)
