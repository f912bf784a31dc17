"""Executing one phase, in the lifecycle pgroll gives each operation:

- start: the expand, in one validated transaction: the revision's DDL (Alembic),
  the sync that keeps a new table in step with its source, the version stamp;
  indexes the sync needs are built before it, each on its own;
- complete: the phase's second half: fill its backfills, add and validate its
  deferred foreign keys, check the schema. (The contract of the old shape is a
  phase of its own, opt-in, as the old app must keep working until it retires.)
- rollback: the revision's downgrade, what it drops archived first;
- validate, the pre-flight, is the runner's: it reads in a snapshot (verify.preflight).

Everything that can meet the application's locks waits at most
a lock timeout (retry.Timeouts) and is retried under the engine's one policy (retry.py).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from phased import dialects
from phased.declare.errors import MigrateError, cli
from phased.declare.phase import Phase, Project
from phased.dialects import engines, retry
from phased.lifecycle import additions
from phased.movement import batches, blockers
from phased.movement.batches import BackfillProgress, BatchSettings
from phased.schema import alembic_bridge, deferred
from phased.state.histories import History
from phased.state.state import expected_shape, live_shape, namespace_for, validate_phase

BackfillCallback = Callable[[BackfillProgress], None]


class Executor:
    def __init__(self, project: Project, url: sa.URL, *, retries: retry.Retries, policy: retry.Policy,
                 timeouts: retry.Timeouts, histories: Sequence[History] = ()) -> None:
        """`histories`: other tools' histories, stamped in each phase's transaction (state/histories.py)."""
        self.project = project
        self.histories = tuple(histories)
        self.url = url
        self.retries = retries
        self.policy = policy
        self.timeouts = timeouts

    def incomplete(self, conn: sa.Connection, phase: Phase) -> bool:
        ns = namespace_for(self.project, conn)
        incomplete = any(not batches.progress(conn, ns, b, total=0).finished for b in phase.backfills) \
            or bool(deferred.pending(conn, phase))
        conn.rollback()
        return incomplete

    def _retried(self, conn: sa.Connection, what: str, fn: Callable[[], object], next_step: str):
        """Run `fn` under the retry policy, each retry after the fourth waiting longer for its locks
        (retry.Timeouts.escalated); when the retries run out, say why and what to run next."""
        try:
            return self._retried_once(conn, what, fn, next_step)
        finally:
            if conn.in_transaction():
                conn.rollback()
            dialects.of(conn).set_timeouts(conn, self.timeouts)

    def _retried_once(self, conn: sa.Connection, what: str, fn: Callable[[], object], next_step: str):
        tables = [t.name for t in self.project.metadata.sorted_tables]

        def in_the_way() -> list[str]:
            who = blockers.holding_locks(conn, tables, older_than=self.timeouts.blocking)
            conn.rollback()
            return who

        attempt = [0]

        def before_retry() -> None:
            # An autovacuum in the way gives way only to a waiter that waits past deadlock_timeout:
            # the next try waits that long at once. Fewer, longer waits also queue the app for less
            # in all than the short ones that each lose the race to it.
            conn.rollback()
            attempt[0] += 1
            dialect = dialects.of(conn)
            vacuum = dialect.autovacuum_yields_after(conn, tables)
            conn.rollback()
            dialect.set_timeouts(conn, self.timeouts.escalated(attempt[0]).outlasting(vacuum))

        try:
            return retry.run(what, fn, self.retries, self.policy, before_retry=before_retry, explain=in_the_way)
        except DBAPIError as exc:
            conn.rollback()
            cause = retry.transient_cause(exc)
            if cause is None:
                raise
            who = in_the_way()
            raise MigrateError(
                f"{what}: gave up after {self.policy.attempts} tries, the last a {cause}"
                + (f" ({'; '.join(who)})" if who else f" ({retry.first_line(exc)})")
                + f"; {next_step}") from None

    def complete(self, conn: sa.Connection, phase: Phase, settings: BatchSettings,
                 on_backfill: BackfillCallback | None) -> int:
        """The second half of a phase: fill its backfills, complete its deferred keys, verify the schema."""
        ns = namespace_for(self.project, conn)
        moved = 0
        engine = engines.create_engine(self.url, migrating=True)
        try:
            for b in phase.backfills:
                moved += batches.run(engine, ns, b, replace(settings, retries=self.retries),
                                     on_batch=on_backfill).done
        finally:
            engine.dispose()
        pending = deferred.pending(conn, phase)
        existing = deferred.existing(conn, phase)
        conn.rollback()
        for name, step, statement in additions.deferred_keys(self.project, phase):
            if name in pending and not (step == "add" and name in existing):
                self._deferred_key(conn, phase, name, step, statement)
        validate_phase(self.project, conn, phase)
        conn.rollback()
        return moved

    def _deferred_key(self, conn: sa.Connection, phase: Phase, name: str, step: str, statement: str) -> None:
        # Adding a key locks both tables against writes (briefly): it runs under the session's blocking
        # wait, which each retry after the fourth lengthens (_retried). Past deadlock_timeout the server
        # cancels an autovacuum in its way: a backfill of millions of rows sets one off on the new
        # table, and with a fixed short wait the add lost every race to it. Validating blocks no write.
        settings = [] if step == "add" else self.timeouts.settings("background", local=True)

        def run() -> None:
            with conn.begin():
                for s in [*settings, statement]:
                    conn.exec_driver_sql(s)

        try:
            self._retried(conn, f"phase {phase.label}: {step} {name}", run,
                          f"the phase is applied but its keys are not finished: run {cli('up')} to finish it")
        except DBAPIError as exc:
            conn.rollback()
            if getattr(exc.orig, "sqlstate", None) == "23503":
                raise MigrateError(f"phase {phase.label}: foreign key {name} does not hold: {retry.first_line(exc)}; "
                                   f"see {cli('quarantine')}, fix the rows, then run {cli('up')}") from None
            raise MigrateError(f"phase {phase.label}: {step} {name} failed: {retry.first_line(exc)}; the phase is "
                               f"applied, its keys are not: fix that, then run {cli('up')}") from None

    def _reshaped_and_children(self, conn: sa.Connection, before: Phase | None, after: Phase) -> list[str]:
        """Where the migrator turns enforcement off to rebuild tables: the tables a step reshapes,
        and their children, whose rows it must check itself."""
        if not dialects.of(conn).rebuilds_tables:
            return []
        old = expected_shape(self.project, before, conn.dialect).tables if before else {}
        new = expected_shape(self.project, after, conn.dialect).tables
        plain = lambda t: replace(t, indexes={}) if t else None  # noqa: E731  indexes hold no rows
        changed = {n for n in old.keys() | new.keys() if plain(old.get(n)) != plain(new.get(n))}
        children = {n for n, t in new.items() if any(fk.target in changed for fk in t.foreign_keys.values())}
        return sorted((changed | children) & new.keys())

    def support_indexes(self, conn: sa.Connection, at: Phase, *, drops: bool) -> None:
        """Build the indexes the sync needs at phase `at` (and with `drops`, drop those it no longer
        needs), each on its own (CONCURRENTLY on PostgreSQL)."""
        ns = namespace_for(self.project, conn)
        now = additions.live(conn, ns)
        conn.rollback()
        for statement in additions.indexes(self.project, ns, at, now, drops=drops):
            self._retried(conn, f"phase {at.label}: {statement.split(' ON ')[0].lower()}",
                          lambda s=statement: dialects.of(conn).run_alone(conn, s, self.timeouts),
                          f"run {cli('up')} again")

    def revert_partial(self, conn: sa.Connection, phase: Phase, *, down: bool) -> None:
        """Undo (`down`) an up of `phase` stopped before its version was stamped, or redo an
        interrupted down of it, when part of it did commit: the parts of a revision that
        commit on their own (indexes built or dropped CONCURRENTLY, see ddl.py) are idempotent,
        so the revision is run again over them, in the direction that restores a whole phase."""
        whole = self.project.phase(phase.number - 1) if down else phase
        if not expected_shape(self.project, whole, conn.dialect).diff(live_shape(self.project, conn)):
            conn.rollback()
            return  # nothing of it committed
        conn.rollback()
        ns = namespace_for(self.project, conn)
        cfg = alembic_bridge.config(self.project, ns, connection=conn, timeouts=self.timeouts)
        alembic_bridge.stamp(cfg, phase.revision if down else self.project.phase(phase.number - 1).revision)
        self._apply(conn, phase, down=down)

    def start(self, conn: sa.Connection, phase: Phase) -> list[dict]:
        return self._apply(conn, phase, down=False)

    def rollback(self, conn: sa.Connection, phase: Phase) -> list[dict]:
        return self._apply(conn, phase, down=True)

    def _apply(self, conn: sa.Connection, phase: Phase, *, down: bool) -> list[dict]:
        """Run the phase's revision, up or down, with what the engine adds to it; returns what its
        archives' restores reconciled (preserve.py), for the ledger."""
        arrive = self.project.phase(phase.number - 1) if down else phase
        ns = namespace_for(self.project, conn)
        conn.rollback()  # Alembic manages its own per-step transactions only on an idle connection
        pending_keys = () if down or not dialects.of(conn).defers_foreign_keys else phase.deferred_foreign_keys
        if not down:
            self.support_indexes(conn, arrive, drops=False)  # before the triggers that use them

        # Legacy orphans (SQLite enforces no keys unless asked) are the backfill's to
        # quarantine, not a reason to refuse: only violations this step adds fail it.
        # Only tables the step reshapes, and their children, can gain any.
        leave = phase if down else (self.project.phase(phase.number - 1) if phase.number > 1 else None)
        at_risk = self._reshaped_and_children(conn, leave, arrive)
        violations_before = set(engines.foreign_key_violations(conn, at_risk))
        conn.rollback()

        def on_applied(ctx, step, heads, run_args):
            for statement in additions.in_transaction(self.project, ns, phase, down=down,
                                                      now=additions.live(conn, ns)):
                additions.execute(conn, statement)
            validate_phase(self.project, conn, arrive, deferred=pending_keys)
            broken = [v for v in engines.foreign_key_violations(conn, at_risk) if v not in violations_before]
            if broken:
                raise MigrateError(f"phase {phase.label} would leave rows that break a foreign key: {', '.join(broken[:5])}")
            for history in self.histories:  # after the version stamp: the other ledger commits with it
                history.stamp(conn, phase, down=down)

        cfg = alembic_bridge.config(self.project, ns, connection=conn, on_version_apply=on_applied,
                                    timeouts=self.timeouts)

        def migrate() -> None:
            cfg.attributes.pop("migrate.reconciled", None)
            if not down:
                alembic_bridge.upgrade(cfg, phase.revision)
                return
            # A sync this step ends goes first, in the step's transaction: it must not write a table
            # the revision is about to archive and drop (its triggers would wait on the drop's lock
            # while holding the app's rows, a cycle), nor miss a write made before the archive.
            ending = additions.ending_syncs(self.project, ns, phase, now=additions.live(conn, ns))
            conn.rollback()
            if not ending:
                alembic_bridge.downgrade(cfg, arrive.revision)
                return
            with conn.begin():  # Alembic then runs the revision inside it (no autocommit block allowed)
                for statement in ending:
                    additions.execute(conn, statement)
                alembic_bridge.downgrade(cfg, arrive.revision)

        direction = "down" if down else "up"
        try:
            self._retried(conn, f"phase {phase.label} {direction}", migrate,
                          f"the phase was rolled back; rerun {cli(direction)} when they end")
        except DBAPIError as exc:
            conn.rollback()
            raise MigrateError(f"phase {phase.label} {direction} failed and was rolled back: "
                               f"{retry.first_line(exc)}; fix that, then run {cli(direction)} "
                               "again") from None
        for history in self.histories:
            history.settle(conn)
        self.support_indexes(conn, arrive, drops=True)  # a restored source table gets its index; an ended sync drops its own
        return cfg.attributes.get("migrate.reconciled", [])
