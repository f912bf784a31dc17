"""Register, log in, log out, and reset a password with an operator's one-time token.

The slow part of each (hashing a password) runs outside any transaction:
on SQLite a writing request holds the database's write lock for its whole
transaction, and must not hold it through 100 ms of argon2.
"""
from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from gaingrid.models import utcnow
from gaingrid.service import users

from ..deps import (
    ClientAddress,
    CurrentUser,
    PasswordsDep,
    PhaseDep,
    RateLimitsDep,
    SessionDep,
    TokensDep,
    VersionsDep,
)
from ..errors import PhaseUnavailable, conflict, documented, unauthorized
from ..schemas.users import PROFILE_FIELDS, LoginIn, PasswordResetIn, RegisterIn, TokenOut, UserOut
from ..tokens import RESET, Tokens

router = APIRouter(prefix="/auth", tags=["accounts"], responses=documented(401, 409, 503))
limited = documented(429)


def profile_allowed(phase, fields: set[str]) -> None:
    used = sorted(fields & set(PROFILE_FIELDS))
    reason = phase.missing("profile")
    if used and reason:
        raise PhaseUnavailable(f"{reason} ({', '.join(used)})")


def public(row: dict) -> UserOut:
    return UserOut.model_validate({k: v for k, v in row.items() if k != "password"})


def token_out(tokens: Tokens, user_id: str, version: str) -> TokenOut:
    token = tokens.issue(user_id, version)
    return TokenOut(accessToken=token.value, expiresAt=datetime.fromtimestamp(token.expires_at, UTC))


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             responses={409: {"description": "the email is taken"}, **limited})
def register(body: RegisterIn, session: SessionDep, phase: PhaseDep, passwords: PasswordsDep,
             limits: RateLimitsDep, address: ClientAddress):
    limits.attempt(body.email, address)
    profile_allowed(phase, body.model_fields_set)
    session.commit()  # nothing written yet: let go of the lock while hashing
    hashed = passwords.hash(body.password)
    conn = session.connection()
    if users.by_email(conn, phase.number, body.email):
        raise conflict("an account with this email already exists")
    values = body.model_dump(exclude_unset=True, exclude={"password"}, mode="json")
    row = users.create(conn, phase.number, {**values, "password": hashed})
    session.commit()
    return public(row)


@router.post("/login", response_model=TokenOut, responses={401: {"description": "wrong email or password"},
                                                          **limited})
def login(body: LoginIn, session: SessionDep, phase: PhaseDep, passwords: PasswordsDep, tokens: TokensDep,
          versions: VersionsDep, limits: RateLimitsDep, address: ClientAddress):
    """Takes as long for an unknown email as for any account. A legacy (bcrypt) hash is replaced by argon2id."""
    limits.attempt(body.email, address)
    row = users.by_email(session.connection(), phase.number, body.email)
    session.commit()
    matches, upgraded = passwords.check(row["password"] if row else None, body.password)
    if row is None or not matches:
        raise unauthorized("wrong email or password")
    if row.get("isActive") is False:
        raise unauthorized("this account is deactivated")
    conn = session.connection()
    if upgraded and users.replace_password(conn, phase.number, row["id"], row["password"], upgraded):
        row["password"] = upgraded
    if phase.has("profile"):
        users.update(conn, phase.number, row["id"], {"lastLogin": utcnow()})
    version = versions.current(conn, row["id"], row["password"])
    session.commit()
    return token_out(tokens, row["id"], version)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(user: CurrentUser, session: SessionDep, versions: VersionsDep):
    """Ends every session of the account: all its tokens stop working."""
    versions.log_out(session.connection(), user.id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/reset", status_code=status.HTTP_204_NO_CONTENT,
             responses={401: {"description": "the token is invalid, expired or used"}, **limited})
def reset_password(body: PasswordResetIn, session: SessionDep, phase: PhaseDep, passwords: PasswordsDep,
                   tokens: TokensDep, versions: VersionsDep, limits: RateLimitsDep, address: ClientAddress):
    """Sets a new password with a one-time token an operator issued (`gaingrid accounts reset-token`).

    Every token of the account, the reset token included, stops working.
    """
    claims = tokens.read(body.token, audience=RESET)
    limits.attempt(claims.user_id if claims else "", address)
    invalid = unauthorized("the reset token is invalid, expired or already used; ask for a new one")
    if claims is None:
        raise invalid
    conn = session.connection()
    row = users.by_id(conn, phase.number, claims.user_id)
    if row is None or versions.current(conn, row["id"], row["password"]) != claims.version:
        raise invalid
    session.commit()
    hashed = passwords.hash(body.newPassword)
    if not users.replace_password(session.connection(), phase.number, row["id"], row["password"], hashed):
        raise invalid  # used meanwhile
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
