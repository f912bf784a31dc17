"""The engine's commands: status, adopt, plan, up, down.

`up` walks the pending phases one at a time. Each phase's DDL, its archive
or restore of data, its version stamp and the check that the schema is now
exactly the phase's expected schema run in one transaction: a phase either
lands whole and valid, or the database stays at the last good phase.
"""
from __future__ import annotations

import io
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from . import alembic_bridge, batches, deferred, dialect, sync
from .batches import DEFAULT_BATCH_SIZE, BackfillProgress
from .errors import MigrateError
from .namespace import Namespace
from .phase import Phase, Project
from .state import DatabaseState, namespace_for, read_state, validate_phase


@dataclass(frozen=True)
class StepResult:
    phase: Phase
    direction: str  # "up" | "down"
    seconds: float
    rows_moved: int = 0


@dataclass(frozen=True)
class Plan:
    direction: str
    start: int
    target: int
    steps: tuple[Phase, ...]


StepCallback = Callable[[StepResult], None]
BackfillCallback = Callable[[BackfillProgress], None]


class Migrator:
    def __init__(self, project: Project, url: str | sa.URL, *, lock_timeout: float = 5.0) -> None:
        self.project = project
        self.url = dialect.parse_url(url) if isinstance(url, str) else url
        self.lock_timeout = lock_timeout

    # -- connections ---------------------------------------------------------

    @contextmanager
    def _connect(self, *, migrating: bool = False) -> Iterator[sa.Connection]:
        engine = dialect.create_engine(self.url, migrating=migrating)
        try:
            conn = dialect.connect(engine)
            try:
                yield conn
            finally:
                conn.close()
        finally:
            engine.dispose()

    def _cfg(self, conn: sa.Connection, hook=None):
        return alembic_bridge.config(self.project, namespace_for(self.project, conn), connection=conn, on_version_apply=hook)

    # -- reading -------------------------------------------------------------

    def status(self) -> DatabaseState:
        with self._connect() as conn:
            return read_state(self.project, conn)

    def backfills(self) -> list[BackfillProgress]:
        """Progress of the backfills whose sync is active at the database's phase."""
        with self._connect() as conn:
            state = read_state(self.project, conn)
            if not state.managed:
                return []
            ns = namespace_for(self.project, conn)
            active, _ = self.project.syncs_at(state.recorded.number)
            return [batches.progress(conn, ns, b) for b in active]

    def quarantine(self, limit: int = 50) -> list[dict]:
        with self._connect() as conn:
            return batches.quarantined_rows(conn, namespace_for(self.project, conn), limit)

    def plan(self, to: int | None = None, *, down: bool = False) -> Plan:
        with self._connect() as conn:
            state = read_state(self.project, conn)
        return self._plan(state, to, down=down)

    def render_sql(self, plan: Plan) -> str:
        """The exact SQL `up`/`down` would run for `plan`, rendered offline."""
        if not plan.steps:
            return ""
        ns = Namespace(self.project.namespace, self.url.get_backend_name())
        cfg = alembic_bridge.config(self.project, ns, url=self.url, output=io.StringIO())
        start = self.project.phase(plan.start).revision if plan.start else None
        if plan.direction == "down":
            return alembic_bridge.render_sql(cfg, start, self.project.phase(plan.target).revision, down=True)
        return alembic_bridge.render_sql(cfg, start, plan.steps[-1].revision)

    def _plan(self, state: DatabaseState, to: int | None, *, down: bool) -> Plan:
        _refuse_unusable(state)
        current = state.phase_number
        if current and not state.managed:
            raise MigrateError(
                f"the database has no version record but its schema is phase {current}: "
                "run `gaingrid migrate adopt` first"
            )
        if down:
            if to is None:
                raise MigrateError("down needs --to N (the phase to go back to)")
            if to < 1:
                raise MigrateError(f"cannot go down to phase {to}: phase 1 (legacy) is the baseline")
            target = self.project.phase(to).number
            if target > current:
                raise MigrateError(f"the database is at phase {current}; down --to {target} would go up: use up")
            steps = tuple(self.project.phase(n) for n in range(current, target, -1))
            return Plan("down", current, target, steps)
        target = self.project.phase(to).number if to is not None else self.project.default_target.number
        if target < current:
            raise MigrateError(f"the database is at phase {current}; up --to {target} would go down: use down --to {target}")
        steps = tuple(self.project.phase(n) for n in range(current + 1, target + 1))
        return Plan("up", current, target, steps)

    # -- writing -------------------------------------------------------------

    def adopt(self) -> Phase:
        with self._connect(migrating=True) as conn:
            state = read_state(self.project, conn)
            if state.managed:
                raise MigrateError(f"the database is already managed, at phase {state.recorded.label}")
            if state.empty:
                raise MigrateError("the database is empty: there is nothing to adopt; run `gaingrid migrate up`")
            _refuse_unusable(state)
            assert state.matched is not None
            with dialect.migrator_lock(conn):
                namespace_for(self.project, conn).ensure(conn)
                conn.commit()
                alembic_bridge.stamp(self._cfg(conn), state.matched.revision)
            return state.matched

    def up(self, to: int | None = None, on_step: StepCallback | None = None, *,
           batch_size: int = DEFAULT_BATCH_SIZE, on_backfill: BackfillCallback | None = None) -> list[StepResult]:
        return self._run(to, down=False, on_step=on_step, batch_size=batch_size, on_backfill=on_backfill)

    def down(self, to: int, on_step: StepCallback | None = None) -> list[StepResult]:
        return self._run(to, down=True, on_step=on_step)

    def backfill(self, *, batch_size: int = DEFAULT_BATCH_SIZE,
                 on_backfill: BackfillCallback | None = None) -> StepResult | None:
        """Run or resume the current phase's backfills, then complete the phase."""
        with self._connect(migrating=True) as conn:
            with dialect.migrator_lock(conn):
                state = read_state(self.project, conn)
                if not state.managed:
                    raise MigrateError("the database has no version record: run `gaingrid migrate up` first")
                phase = state.recorded
                if not phase.backfills:
                    raise MigrateError(f"phase {phase.label} has no backfill; the backfill belongs to a later phase")
                conn.rollback()
                return self._finish(conn, phase, time.perf_counter(), batch_size, on_backfill)

    def _run(self, to: int | None, *, down: bool, on_step: StepCallback | None,
             batch_size: int = DEFAULT_BATCH_SIZE, on_backfill: BackfillCallback | None = None) -> list[StepResult]:
        results: list[StepResult] = []
        with self._connect(migrating=True) as conn:
            dialect.set_lock_timeout(conn, self.lock_timeout)
            with dialect.migrator_lock(conn):
                state = read_state(self.project, conn)
                plan = self._plan(state, to, down=down)
                conn.rollback()
                namespace_for(self.project, conn).ensure(conn)
                conn.commit()
                if not down and state.recorded and self._incomplete(conn, state.recorded):
                    results.append(self._finish(conn, state.recorded, time.perf_counter(), batch_size, on_backfill))
                    if on_step:
                        on_step(results[-1])
                for phase in plan.steps:
                    started = time.perf_counter()
                    self._step(conn, phase, down=down)
                    if down or not phase.backfills:
                        result = StepResult(phase, "down" if down else "up", time.perf_counter() - started)
                    else:
                        result = self._finish(conn, phase, started, batch_size, on_backfill)
                    results.append(result)
                    if on_step:
                        on_step(result)
        return results

    def _incomplete(self, conn: sa.Connection, phase: Phase) -> bool:
        ns = namespace_for(self.project, conn)
        incomplete = any(not batches.progress(conn, ns, b, total=0).finished for b in phase.backfills) \
            or bool(deferred.pending(conn, phase))
        conn.rollback()
        return incomplete

    def _finish(self, conn: sa.Connection, phase: Phase, started: float, batch_size: int,
                on_backfill: BackfillCallback | None) -> StepResult:
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
            raise MigrateError(f"phase {phase.label}: a deferred foreign key does not hold: {_first_line(exc)}") from None
        validate_phase(self.project, conn, phase)
        conn.rollback()
        return StepResult(phase, "up", time.perf_counter() - started, moved)

    def _step(self, conn: sa.Connection, phase: Phase, *, down: bool) -> None:
        arrive = self.project.phase(phase.number - 1) if down else phase
        ns = namespace_for(self.project, conn)
        conn.rollback()  # Alembic manages its own per-step transactions only on an idle connection
        pending_keys = () if down or conn.dialect.name != "postgresql" else phase.deferred_foreign_keys

        # Legacy orphans (SQLite enforces no keys unless asked) are the backfill's to
        # quarantine, not a reason to refuse: only violations this step adds fail it.
        violations_before = set(dialect.foreign_key_violations(conn))
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
            broken = [v for v in dialect.foreign_key_violations(conn) if v not in violations_before]
            if broken:
                raise MigrateError(f"phase {phase.label} would leave rows that break a foreign key: {', '.join(broken[:5])}")

        try:
            if down:
                alembic_bridge.downgrade(self._cfg(conn, on_applied), arrive.revision)
            else:
                alembic_bridge.upgrade(self._cfg(conn, on_applied), phase.revision)
        except DBAPIError as exc:
            conn.rollback()
            raise MigrateError(f"phase {phase.label} {'down' if down else 'up'} failed and was rolled back: "
                               f"{_first_line(exc)}") from None


def _first_line(exc: DBAPIError) -> str:
    return (str(exc.orig) if exc.orig else str(exc)).strip().splitlines()[0]


def _refuse_unusable(state: DatabaseState) -> None:
    if state.managed and state.differences:
        raise MigrateError(
            f"schema drift: the database is recorded at phase {state.recorded.label} but differs from it "
            f"({len(state.differences)} differences: {state.differences[0]}…); run `gaingrid migrate status`"
        )
    if not state.managed and not state.empty and state.matched is None:
        raise MigrateError(
            f"the schema matches no phase (closest: phase {state.closest.label}, "
            f"{len(state.differences)} differences); run `gaingrid migrate status` for the list"
        )
