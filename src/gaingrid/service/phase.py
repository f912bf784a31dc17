"""Which migration phase the database is at, and which features that allows.

The service runs during the migration, so every request checks the phase
before touching a table that an earlier phase may not have yet. The version
record is one cheap read; a database without one (made by Prisma, not yet
adopted) is identified by comparing its schema, which is costly, so that
answer is cached for a few seconds.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from gaingrid.phases import GAINGRID
from phased import MigrateError, read_state, recorded_revision

LATEST = GAINGRID.default_target.number  # 6: the new model, with its indexes
LAST_LEGACY = 6  # phase 7 drops WorkoutExercise, which the legacy workouts API writes

# The first phase at which each feature's tables and columns exist.
FEATURES: dict[str, tuple[int, str]] = {
    "accounts": (1, "accounts"),
    "profile": (2, "profile fields"),
    "plans": (3, "training plans"),
    "reminders": (3, "reminders"),
    "catalog": (4, "catalog fields and filters"),
    "planExercises": (4, "plan exercises"),
    "logs": (5, "workout logs"),
}


@dataclass(frozen=True)
class DbPhase:
    number: int  # 0: an empty database
    name: str | None
    managed: bool  # False: no version record (identified by its schema)

    def has(self, feature: str) -> bool:
        return self.number >= FEATURES[feature][0]

    def missing(self, feature: str) -> str | None:
        """Why `feature` is unavailable, or None if it is available."""
        needed, label = FEATURES[feature]
        if self.number == 0:
            return "the database is empty: run `gaingrid migrate up` first"
        if self.number < needed:
            return f"the database is at phase {self.number}; {label} need phase {needed}"
        return None

    @property
    def legacy_api(self) -> bool:
        return 1 <= self.number <= LAST_LEGACY


class PhaseReader:
    """Reads the phase per request; caches only the costly schema comparison."""

    def __init__(self, unmanaged_ttl: float = 10.0) -> None:
        self._ttl = unmanaged_ttl
        self._cached: tuple[float, DbPhase] | None = None
        self._lock = threading.Lock()

    def read(self, conn: sa.Connection) -> DbPhase:
        revision = recorded_revision(GAINGRID, conn)
        if revision:
            phase = GAINGRID.by_revision(revision)
            return DbPhase(phase.number, phase.name, True)
        with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < self._ttl:
                return self._cached[1]
        state = read_state(GAINGRID, conn)
        if state.empty:
            found = DbPhase(0, None, False)
        elif state.matched is None:
            raise MigrateError(f"the database schema matches no migration phase (closest: phase {state.closest.label})")
        else:
            found = DbPhase(state.matched.number, state.matched.name, False)
        with self._lock:
            self._cached = (time.monotonic(), found)
        return found
