"""The user's own profile and password."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException

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
from ..errors import conflict, documented
from ..schemas.users import PasswordChangeIn, ProfilePatch, TokenOut, UserOut
from .auth import profile_allowed, public, token_out

router = APIRouter(prefix="/me", tags=["accounts"], responses=documented(401, 503))


@router.get("", response_model=UserOut)
def me(user: CurrentUser):
    return public(user.row)


@router.patch("", response_model=UserOut)
def update_me(body: ProfilePatch, user: CurrentUser, session: SessionDep, phase: PhaseDep):
    changes = body.model_dump(exclude_unset=True, mode="json")
    profile_allowed(phase, set(changes))
    if not changes:
        return public(user.row)
    row = users.update(session.connection(), phase.number, user.id, changes)
    session.commit()
    return public(row or user.row)


@router.post("/password", response_model=TokenOut, responses=documented(403, 409, 429))
def change_password(body: PasswordChangeIn, user: CurrentUser, session: SessionDep, phase: PhaseDep,
                    passwords: PasswordsDep, tokens: TokensDep, versions: VersionsDep, limits: RateLimitsDep,
                    address: ClientAddress):
    """Every earlier token of the account stops working; use the one this answers with."""
    limits.attempt(user.row["email"], address)
    session.commit()  # let go of the lock while hashing
    matches, _ = passwords.check(user.row["password"], body.currentPassword)
    if not matches:
        raise HTTPException(403, "the current password is wrong")
    hashed = passwords.hash(body.newPassword)
    conn = session.connection()
    if not users.replace_password(conn, phase.number, user.id, user.row["password"], hashed):
        raise conflict("the password was changed meanwhile; log in again")
    version = versions.current(conn, user.id, hashed)
    session.commit()
    return token_out(tokens, user.id, version)
