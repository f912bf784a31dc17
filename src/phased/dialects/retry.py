"""One retry policy for the whole engine.

Every step that can meet the application's locks (a phase's DDL transaction,
the sync's install, index builds, deferred foreign keys, each backfill batch)
runs under a bounded lock wait (`lock_timeout`) and is retried on the three
transient conflicts PostgreSQL reports, with exponential backoff and full
jitter, so that two retrying sessions do not collide again in step. SQLite's
"database is locked" (its busy timeout expired) is retried the same way.
Every retry is counted by cause, for the ledger, and reported as it happens.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, TypeVar

import tenacity
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

TRANSIENT = {"55P03": "lock timeout", "40P01": "deadlock", "40001": "serialization failure"}


def transient_cause(exc: BaseException) -> str | None:
    """What transient conflict `exc` is, or None if retrying it cannot help."""
    if not isinstance(exc, DBAPIError):
        return None
    code = getattr(exc.orig, "sqlstate", None)
    if code in TRANSIENT:
        return TRANSIENT[code]
    if "database is locked" in str(exc.orig):
        return "database locked"
    return None


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


@dataclass
class Retries:
    """Retries taken in one command, by cause; `report` hears of each as it happens."""

    counts: Counter = field(default_factory=Counter)
    report: Callable[[str], None] | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, int]:
        return dict(self.counts)


@dataclass(frozen=True)
class Timeouts:
    """How long each kind of step may wait for a lock, and run, in seconds (0: no limit)."""

    # DDL whose lock makes the app's writers queue behind it while it waits. Kept under
    # PostgreSQL's deadlock_timeout (1 s): if the migrator and the app ever wait on each
    # other, the migrator's wait ends first, it rolls back and retries, and the app goes on.
    blocking: float = 0.5
    blocking_statement: float = 30.0  # such DDL is catalog-only; one that runs long holds its lock too long
    batch: float = 2.0  # a backfill batch waits only on sync commits; the app's deletes of its rows wait on it
    batch_statement: float = 300.0
    background: float = 60.0  # index builds and validations: their locks never block the app's writes
    background_statement: float = 0.0

    def escalated(self, attempt: int, *, after: int = 4, cap: float = 4.0) -> "Timeouts":
        """The waits for the `attempt`th retry of a step: the same for the first `after`, then doubling
        up to `cap` seconds. A step that lost its lock race that often meets a lock held longer than a
        blocking wait (an app query of a second or more on the table it must lock): waiting longer is
        then the only way through. Past deadlock_timeout, a cycle may now cost an app transaction
        rather than the migrator's; by then the alternative is a step that never completes."""
        if attempt <= after:
            return self
        return replace(self, blocking=min(cap, self.blocking * 2 ** (attempt - after)))

    def outlasting(self, seconds: float | None) -> "Timeouts":
        """Blocking waits that last past `seconds`: how long the server lets an autovacuum in the
        way hold its lock against a waiter before cancelling it (None: nothing to outlast)."""
        if seconds is None:
            return self
        return replace(self, blocking=max(self.blocking, seconds + 0.25))

    def settings(self, kind: str, *, local: bool = False) -> list[str]:
        """The SET statements for a step of `kind`: "blocking", "batch" or "background"."""
        scope = "LOCAL " if local else ""
        return [f"SET {scope}lock_timeout = '{int(getattr(self, kind) * 1000)}ms'",
                f"SET {scope}statement_timeout = '{int(getattr(self, kind + '_statement') * 1000)}ms'"]


@dataclass(frozen=True)
class Policy:
    attempts: int = 12
    first_wait: float = 0.1  # seconds; the waits grow exponentially, each drawn at random below its cap
    max_wait: float = 5.0


def run(what: str, fn: Callable[[], T], retries: Retries, policy: Policy = Policy(), *,
        before_retry: Callable[[], None] | None = None, explain: Callable[[], list[str]] | None = None) -> T:
    """Call `fn`, retrying transient conflicts. When the retries run out, the last error propagates.

    `before_retry` cleans up (a rollback) before the wait; `explain` says who is in the way,
    for the report of each retry.
    """

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception()
        cause = transient_cause(exc) or "error"
        retries.counts[cause] += 1
        if before_retry:
            before_retry()
        if retries.report:
            who = explain() if explain and cause == "lock timeout" else []
            retries.report(f"{what}: {cause}, retry {state.attempt_number} of {policy.attempts - 1} "
                           f"in {state.upcoming_sleep:.2f} s" + (f" ({'; '.join(who)})" if who else ""))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: transient_cause(e) is not None),
        wait=tenacity.wait_random_exponential(multiplier=policy.first_wait, max=policy.max_wait),
        stop=tenacity.stop_after_attempt(policy.attempts),
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(fn)
