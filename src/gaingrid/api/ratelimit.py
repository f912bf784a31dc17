"""Rate limits on the endpoints that check or set a password (the `limits` library).

Attempts to log in, register, change or reset a password share the
counters: each counts against the client's address and against the account
it names (the email, whether or not it exists, so a 429 tells nothing about
the account). Over either limit: 429 with Retry-After, before any password
work. Counters are in memory by default (per process); point
GAINGRID_RATE_LIMIT_STORAGE at e.g. redis://host:6379 to share them
between processes.
"""
from __future__ import annotations

import math
import time

from fastapi import HTTPException
from limits import RateLimitItem, parse, storage, strategies


class TooManyAttempts(HTTPException):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, f"too many attempts; try again in {retry_after} s",
                         headers={"Retry-After": str(retry_after)})


class RateLimits:
    def __init__(self, storage_uri: str, per_account: str, per_address: str) -> None:
        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        self._per_account: RateLimitItem = parse(per_account)
        self._per_address: RateLimitItem = parse(per_address)

    def attempt(self, account: str, address: str) -> None:
        """Count one attempt (at any of the limited actions); raise TooManyAttempts if over a limit."""
        for item, key in ((self._per_address, ("address", address)), (self._per_account, ("account", account))):
            if not self._limiter.hit(item, *key):
                reset_at, _remaining = self._limiter.get_window_stats(item, *key)
                raise TooManyAttempts(max(1, math.ceil(reset_at - time.time())))
