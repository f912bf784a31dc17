"""Signed tokens (PyJWT, HS256): access tokens for the API, one-time password-reset tokens.

Claims: `sub` (the user id), `iat`, `exp`, `jti` (unique per token), `aud`
(what the token is for: an access token can't reset a password, nor a reset
token call the API) and `ver`, the user's token version when it was issued
(see gaingrid.service.sessions). A token whose version is no longer the
user's is refused: that is how logout, a password change and a reset end it.
A reset token is one-time because using it changes the password hash, and
with it the version.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
ACCESS = "gaingrid:access"
RESET = "gaingrid:reset"
_REQUIRED = ["sub", "iat", "exp", "jti", "aud", "ver"]


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: int  # Unix seconds


@dataclass(frozen=True)
class Claims:
    user_id: str
    version: str


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._key = secret
        self.ttl = ttl_seconds

    def issue(self, user_id: str, version: str, *, audience: str = ACCESS, ttl: int | None = None,
              now: float | None = None) -> Token:
        issued = int(time.time() if now is None else now)
        expires = issued + (self.ttl if ttl is None else ttl)
        claims = {"sub": user_id, "iat": issued, "exp": expires, "jti": secrets.token_urlsafe(12),
                  "aud": audience, "ver": version}
        return Token(jwt.encode(claims, self._key, algorithm=ALGORITHM), expires)

    def read(self, token: str, *, audience: str = ACCESS) -> Claims | None:
        """The token's user and version, or None if it is malformed, forged, expired or for another use."""
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM], audience=audience,
                                options={"require": _REQUIRED})
        except jwt.PyJWTError:
            return None
        if not isinstance(claims["sub"], str) or not isinstance(claims["ver"], str):
            return None
        return Claims(claims["sub"], claims["ver"])
