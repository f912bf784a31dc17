"""The before/after performance watch: the app's top statements (pg_stat_statements, where the
database has it) before and after each phase, and what became slower since."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from phased.state import ledger

TOP = 200  # statements kept per snapshot, by total time (and, after, those kept before)
DEFAULT_RATIO = 1.5  # after / before mean time above this is a regression
NOISE_MS = 0.5  # ... and only if the mean grew by more than this (a 0.02 ms statement doubling is noise)


@dataclass(frozen=True)
class Statement:
    query: str
    before_calls: int
    before_mean_ms: float
    after_calls: int
    after_mean_ms: float | None  # None: not called since
    regressed: bool

    @property
    def ratio(self) -> float | None:
        if self.after_mean_ms is None or not self.before_mean_ms:
            return None
        return self.after_mean_ms / self.before_mean_ms


_UTILITY = ("set ", "show ", "begin", "commit", "rollback", "savepoint", "release", "start transaction")
_CATALOGS = ("pg_catalog", "information_schema", "pg_stat_", "pg_class", "pg_namespace", "pg_index",
             "pg_constraint", "pg_attribute", "pg_type", "pg_locks", "sqlite_master")


def the_apps(found: dict[str, list], namespace: str) -> dict[str, list]:
    """The app's statements: not the migrator's own (its bookkeeping in `namespace`, the catalogs it
    reads, the statistics it reads here) nor session chatter (SET, BEGIN, COMMIT ...)."""
    def own(query: str) -> bool:
        text = query.lstrip().lower()
        return text.startswith(_UTILITY) or namespace.lower() in text or any(c in text for c in _CATALOGS)
    return {k: v for k, v in found.items() if not own(v[0])}


def snapshot(found: dict[str, list], keep: dict | None = None) -> dict:
    """The TOP statements of `found` by total time, and those of `keep` (the snapshot before)."""
    top = sorted(found, key=lambda k: -found[k][2])[:TOP]
    keys = set(top) | (set(keep) & set(found) if keep else set())
    return {k: [found[k][0][:300], found[k][1], round(found[k][2], 3)] for k in keys}


def compare(before: dict, after_run: dict, now: dict, *, ratio: float = DEFAULT_RATIO) -> list[Statement]:
    """`before`: the snapshot at the first phase's start; `after_run`: at the last phase's end; `now`: a fresh
    one. Each maps a statement's id to [query, calls, total_ms] (cumulative, as pg_stat_statements keeps them).
    Before is the statements' history up to the run; after, what they did since it ended."""
    out = []
    for key, (query, calls, total) in before.items():
        if not calls:
            continue
        if key not in after_run:  # not among the statements kept at the run's end
            continue
        mean_before = total / calls
        _, calls_then, total_then = after_run[key]
        _, calls_now, total_now = now.get(key, (query, calls_then, total_then))
        since = calls_now - calls_then
        mean_after = (total_now - total_then) / since if since > 0 else None
        regressed = (mean_after is not None and mean_after > mean_before * ratio
                     and mean_after - mean_before > NOISE_MS)
        out.append(Statement(query, calls, mean_before, max(since, 0), mean_after, regressed))
    return sorted(out, key=lambda s: (not s.regressed, -(s.ratio or 0)))


def last_run(entries: Sequence[ledger.Entry]) -> tuple[dict, dict] | None:
    """(the snapshot before the last run's first phase, after its last), from the ledger."""
    runs = [e for e in entries if e.direction in ("up", "down") and e.run and "statements" in e.details]
    if not runs:
        return None
    run = runs[-1].run
    steps = [e for e in runs if e.run == run]
    return steps[0].details["statements"]["before"], steps[-1].details["statements"]["after"]
