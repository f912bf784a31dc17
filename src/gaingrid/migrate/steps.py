"""Executing one phase: its DDL step (Alembic, in one validated transaction)
and, for a phase with backfills, the second half: fill, deferred keys, check."""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from . import alembic_bridge, batches, deferred, dialect, sync
from .batches import BackfillProgress
from .errors import MigrateError
from .phase import Phase, Project
from .state import expected_shape, namespace_for, validate_phase

BackfillCallback = Callable[[BackfillProgress], None]


LOCK_NOT_AVAILABLE = "55P03"


class PhaseExecutor:
    def __init__(self, project: Project, url: sa.URL, *, lock_retries: int = 5) -> None:
        self.project = project
        self.url = url
        self.lock_retries = lock_retries

    def incomplete(self, conn: sa.Connection, phase: Phase) -> bool:
        ns = namespace_for(self.project, conn)
        incomplete = any(not batches.progress(conn, ns, b, total=0).finished for b in phase.backfills) \
            or bool(deferred.pending(conn, phase))
        conn.rollback()
        return incomplete

    def finish(self, conn: sa.Connection, phase: Phase, batch_size: int,
               on_backfill: BackfillCallback | None) -> int:
        """The second half of a phase with backfills: fill, add deferred keys, verify the whole schema."""
        ns = namespace_for(self.project, conn)
        moved = 0
        engine = dialect.create_engine(self.url, migrating=True)
        try:
            for b in phase.backfills:
                moved += batches.run(engine, ns, b, batch_size=batch_size, on_batch=on_backfill).done
        finally:
            engine.dispose()
        try:
            deferred.complete(conn, self.project, phase)
        except DBAPIError as exc:
            conn.rollback()
            raise MigrateError(f"phase {phase.label}: a deferred foreign key does not hold: {first_line(exc)}") from None
        validate_phase(self.project, conn, phase)
        conn.rollback()
        return moved

    def _reshaped_and_children(self, conn: sa.Connection, before: Phase | None, after: Phase) -> list[str]:
        if conn.dialect.name != "sqlite":
            return []
        old = expected_shape(self.project, before, conn.dialect).tables if before else {}
        new = expected_shape(self.project, after, conn.dialect).tables
        plain = lambda t: replace(t, indexes={}) if t else None  # noqa: E731  indexes hold no rows
        changed = {n for n in old.keys() | new.keys() if plain(old.get(n)) != plain(new.get(n))}
        children = {n for n, t in new.items() if any(fk.target in changed for fk in t.foreign_keys.values())}
        return sorted((changed | children) & new.keys())

    def apply(self, conn: sa.Connection, phase: Phase, *, down: bool) -> None:
        arrive = self.project.phase(phase.number - 1) if down else phase
        ns = namespace_for(self.project, conn)
        conn.rollback()  # Alembic manages its own per-step transactions only on an idle connection
        pending_keys = () if down or conn.dialect.name != "postgresql" else phase.deferred_foreign_keys

        # Legacy orphans (SQLite enforces no keys unless asked) are the backfill's to
        # quarantine, not a reason to refuse: only violations this step adds fail it.
        # Only tables the step reshapes, and their children, can gain any.
        leave = phase if down else (self.project.phase(phase.number - 1) if phase.number > 1 else None)
        at_risk = self._reshaped_and_children(conn, leave, arrive)
        violations_before = set(dialect.foreign_key_violations(conn, at_risk))
        conn.rollback()

        def on_applied(ctx, step, heads, run_args):
            active, retired = self.project.syncs_at(arrive.number)
            if active or retired:
                batches.ensure_bookkeeping(conn, ns)
            sync.reconcile(conn, ns, active, retired)
            if not down:
                for b in phase.backfills:
                    batches.reset(conn, ns, b)
            validate_phase(self.project, conn, arrive, deferred=pending_keys)
            broken = [v for v in dialect.foreign_key_violations(conn, at_risk) if v not in violations_before]
            if broken:
                raise MigrateError(f"phase {phase.label} would leave rows that break a foreign key: {', '.join(broken[:5])}")

        cfg = alembic_bridge.config(self.project, ns, connection=conn, on_version_apply=on_applied)
        for attempt in range(self.lock_retries + 1):
            try:
                if down:
                    alembic_bridge.downgrade(cfg, arrive.revision)
                else:
                    alembic_bridge.upgrade(cfg, phase.revision)
                return
            except DBAPIError as exc:
                conn.rollback()
                # lock_timeout expired: the app holds a conflicting lock. Back off and try again
                # rather than queue every writer behind our DDL.
                if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE and attempt < self.lock_retries:
                    time.sleep(min(0.5 * 2 ** attempt, 10.0))
                    continue
                raise MigrateError(f"phase {phase.label} {'down' if down else 'up'} failed and was rolled back: "
                                   f"{first_line(exc)}") from None


def first_line(exc: DBAPIError) -> str:
    return (str(exc.orig) if exc.orig else str(exc)).strip().splitlines()[0]
