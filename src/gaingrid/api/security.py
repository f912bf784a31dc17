"""Password hashing (argon2id) and bearer tokens.

Tokens are signed, not stored: base64url(JSON {sub, exp}) + "." +
base64url(HMAC-SHA256). The signature covers the payload, so a token can't
be forged or extended without the secret; expiry is checked on every use,
and the user must still exist and be active.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Verified against when the email is unknown, so the answer takes as long either way.
        self._decoy = self._hasher.hash("not a password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """False for a wrong password or a hash argon2 can't read (say, a legacy bcrypt hash)."""
        try:
            return self._hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: int  # Unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._key = secret.encode("utf-8")
        self._ttl = ttl_seconds

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, user_id: str, now: float | None = None) -> Token:
        expires = int(now if now is not None else time.time()) + self._ttl
        payload = _b64(json.dumps({"sub": user_id, "exp": expires}, separators=(",", ":")).encode("utf-8"))
        return Token(f"{payload}.{self._sign(payload)}", expires)

    def user_id(self, token: str, now: float | None = None) -> str | None:
        """The token's user, or None if it is malformed, forged or expired."""
        payload, dot, signature = token.partition(".")
        if not dot or not payload.isascii() or not signature.isascii():
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            claims = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str) or not isinstance(claims.get("exp"), int):
            return None
        if claims["exp"] <= (now if now is not None else time.time()):
            return None
        return claims["sub"]
