"""Password hashes: argon2id for new ones, the Prisma app's bcrypt read and upgraded on login.

A login costs the same whether the email exists and whatever its stored
hash, so that its timing tells nothing about the account: every check runs
one argon2 verification and one bcrypt verification. The user's own hash
takes one of the two; the other runs against a decoy hash of the same kind.
A bcrypt user whose password matches gets an argon2id hash computed at once
(pwdlib's verify_and_update), which costs what an argon2 verification does.

Hashing is also bounded: at most `slots` run at once, so a login flood
neither takes every core from the other requests nor the memory of dozens
of argon2 computations (64 MiB each by default).
"""
from __future__ import annotations

import os
import secrets
import threading

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

BCRYPTJS_ROUNDS = 10  # what the Prisma app (bcryptjs) used: the decoy costs the same
BCRYPT_MAX_BYTES = 72


class LegacyBcrypt(BcryptHasher):
    """bcryptjs's hashes, read as bcryptjs reads them: only a password's first 72 bytes count.

    (The bcrypt package refuses longer passwords instead of truncating them.)
    """

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        raw = password.encode("utf-8") if isinstance(password, str) else password
        try:
            return super().verify(raw[:BCRYPT_MAX_BYTES], hash)
        except ValueError:  # a malformed hash that still looked like bcrypt
            return False


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int, slots: int | None = None) -> None:
        self._argon2 = Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib)
        self._bcrypt = LegacyBcrypt(rounds=BCRYPTJS_ROUNDS)
        # The first hasher is the one new hashes use; the others are only verified (and upgraded).
        self._hashes = PasswordHash((self._argon2, self._bcrypt))
        decoy = secrets.token_urlsafe(32)
        self._decoys = {self._argon2: self._argon2.hash(decoy), self._bcrypt: self._bcrypt.hash(decoy)}
        self._slots = threading.BoundedSemaphore(slots or max(1, (os.cpu_count() or 2) - 1))

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hashes.hash(password)

    def check(self, stored: str | None, password: str) -> tuple[bool, str | None]:
        """(whether `password` matches `stored`, the hash to store instead or None).

        `stored` None (no such account) or unreadable never matches, at the same cost.
        """
        own = next((h for h in self._decoys if stored is not None and h.identify(stored)), None)
        with self._slots:
            matches, upgraded = False, None
            if own is not None:
                matches, upgraded = self._hashes.verify_and_update(password, stored)
            for hasher, decoy in self._decoys.items():
                # The hasher the account did not use; both when there is no account.
                # A bcrypt match already paid for argon2 by computing the new hash.
                if hasher is not own and not (upgraded and own is self._bcrypt):
                    hasher.verify(password, decoy)
            return matches, upgraded
