"""The engine's commands: status, adopt, plan, up, down.

`up` walks the pending phases one at a time. Each phase's DDL, its archive
or restore of data, its version stamp and the check that the schema is now
exactly the phase's expected schema run in one transaction: a phase either
lands whole and valid, or the database stays at the last good phase.
"""
from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable, Iterator, Sequence

import sqlalchemy as sa

from phased import dialects
from phased.declare.errors import NAMES, MigrateError, Names, cli
from phased.declare.phase import Phase, Project
from phased.declare.sql import quote
from phased.dialects import engines, retry
from phased.lifecycle import watch
from phased.lifecycle.executor import Executor
from phased.lifecycle.planner import Planner
from phased.lifecycle.recorder import Joined, Recorder
from phased.movement import batches
from phased.movement.batches import DEFAULT_BATCH_SIZE, BackfillProgress, BatchSettings
from phased.movement.throttle import Throttle
from phased.schema import alembic_bridge
from phased.state import fingerprint, inflight, ledger, replicas
from phased.state.histories import History
from phased.state.state import DatabaseState, expected_shape, namespace_for, read_state, recorded_revision
from phased.verification.checks.history import HistoryAgrees
from phased.verification.parallel import default_jobs
from phased.verification.verify import Verification, preflight
from phased.verification.verify import verify as run_checks


@dataclass(frozen=True)
class StepResult:
    phase: Phase
    direction: str  # "up" | "down", or what completed a step stopped part way: finish, undo, redo, tidy
    seconds: float  # the whole step, its verification included
    rows_moved: int = 0
    verify_seconds: float = 0.0


@dataclass(frozen=True)
class Plan:
    direction: str
    start: int
    target: int
    steps: tuple[Phase, ...]


@dataclass(frozen=True)
class Rollback:
    """What `down` would do to a phase: its SQL, what it archives, what it restores."""

    phase: Phase
    sql: str
    archives: tuple[str, ...]
    restores: tuple[str, ...]


_ARCHIVE = re.compile(r'CREATE TABLE (\S+) AS SELECT (.+?) FROM ("[^"]+"|\w+)')
_RESTORE = re.compile(r'(?:INSERT INTO ("[^"]+"|\w+) \((.+?)\) SELECT .+?|UPDATE ("[^"]+"|\w+) AS t SET (.+?)) '
                      r'(?:FROM|JOIN) (\S*archive_[^\s;\']+)')


def _rollback(phase: Phase, sql: str) -> Rollback:
    archives = tuple(f"{table}: {columns} into {archive}" for archive, columns, table in _ARCHIVE.findall(sql))
    restores = []
    for insert_table, insert_columns, update_table, sets, archive in _RESTORE.findall(sql):
        if insert_table:
            restores.append(f"{insert_table} rows ({insert_columns}) from {archive}")
        else:
            columns = ", ".join(part.split(" = ")[0].strip() for part in sets.split(", "))
            restores.append(f"{update_table} columns {columns} from {archive}")
    return Rollback(phase, sql, archives, tuple(dict.fromkeys(restores)))


StepCallback = Callable[[StepResult], None]
BackfillCallback = Callable[[BackfillProgress], None]
BackupHook = Callable[[], str]  # takes a backup, returns where it is


class Migrator:
    def __init__(self, project: Project, url: str | sa.URL, *, lock_timeout: float = retry.Timeouts.blocking,
                 lock_retries: int = retry.Policy.attempts - 1,
                 jobs: int | None = None, report: Callable[[str], None] | None = None,
                 recorders: Sequence[Joined] = (), pooled: str | None = None,
                 direct_hint: str | None = None) -> None:
        """`recorders`: other histories (Prisma's `_prisma_migrations`, say), given each step's ledger entry.
        Those that are a `History` (state/histories.py) are also stamped in each phase's transaction, checked
        by status and verify, and have what their own migrations added left out of every schema comparison.
        `pooled`: the URL is known to go through a pooler in transaction mode (why it is known); the
        migrator refuses it, and otherwise looks for one on every connection it changes the database on.
        `direct_hint`: what the refusal tells the operator to do (the direct URL to use)."""
        self.histories = tuple(r for r in recorders if isinstance(r, History))
        if self.histories:
            project = replace(project, additions=project.additions + tuple(h.additions for h in self.histories),
                              checks=project.checks + tuple(HistoryAgrees(h) for h in self.histories))
        self.project = project
        self.recorders = tuple(recorders)
        self.pooled, self.direct_hint = pooled, direct_hint
        NAMES.set(Names(project.command, project.name, project.version))
        self.url = engines.parse_url(url) if isinstance(url, str) else url
        self.timeouts = retry.Timeouts(blocking=lock_timeout)
        if jobs is not None and jobs < 1:
            raise MigrateError(f"--jobs must be at least 1, got {jobs}")
        self.jobs = jobs or default_jobs()  # connections a verification reads on at once
        self.retries = retry.Retries(report=report)  # every retry this migrator takes, by cause
        self.executor = Executor(project, self.url, retries=self.retries,
                                      policy=retry.Policy(attempts=lock_retries + 1), timeouts=self.timeouts,
                                      histories=self.histories)

    # -- connections ---------------------------------------------------------

    @contextmanager
    def _connect(self, *, migrating: bool = False) -> Iterator[sa.Connection]:
        with engines.connection(self.url, migrating=migrating) as conn:
            if migrating:
                self._refuse_pooler(conn)
            yield conn

    def _refuse_pooler(self, conn: sa.Connection) -> None:
        """The migrator's lock is a session advisory lock and its timeouts are SETs: behind a pooler in
        transaction mode neither holds (the next transaction may run in another session)."""
        evidence = self.pooled or dialects.of(conn).pooler(conn)
        if evidence:
            hint = self.direct_hint or "run it on a direct URL to the database (Prisma's directUrl) with --database-url"
            raise MigrateError(f"{engines.redact(self.url)} goes through a connection pooler in transaction mode "
                               f"({evidence}), where the migrator's session advisory lock and SET settings do not "
                               f"hold; nothing was changed: {hint}")

    @contextmanager
    def _snapshot(self, url: sa.URL | None = None) -> Iterator[sa.Connection]:
        """A connection whose reads all see one consistent snapshot, while writers carry on
        (`url`: on that copy of the database, a replica, instead)."""
        with engines.connection(url or self.url) as conn:
            with dialects.of(conn).in_snapshot(conn).begin() as transaction:
                yield transaction.connection

    def _checks(self, conn: sa.Connection, phase: Phase, *, strict: bool, only_latest: bool = False,
                on_progress: Callable[[int, int], None] | None = None, url: sa.URL | None = None) -> Verification:
        """Verify at `phase`, reading on self.jobs connections that share `conn`'s snapshot (on `url`'s database)."""
        readers = engines.create_engine(url or self.url)
        try:
            return run_checks(self.project, conn, phase, baseline=ledger.load_baseline(conn, namespace_for(self.project, conn)),
                              strict=strict, only_latest=only_latest, on_progress=on_progress,
                              engine=readers, jobs=self.jobs)
        finally:
            readers.dispose()

    def _cfg(self, conn: sa.Connection, hook=None):
        return alembic_bridge.config(self.project, namespace_for(self.project, conn), connection=conn, on_version_apply=hook)

    # -- reading -------------------------------------------------------------

    def status(self) -> DatabaseState:
        with self._connect() as conn:
            return read_state(self.project, conn)

    def backfills(self, *, counted: bool = True) -> list[BackfillProgress]:
        """Progress of the backfills whose sync is active at the database's phase (`counted=False`:
        without counting their sources, a full read of each; the total is then the rows done)."""
        with self._connect() as conn:
            revision = recorded_revision(self.project, conn)  # no need to read the whole schema for it
            if revision is None:
                return []
            ns = namespace_for(self.project, conn)
            active, _ = self.project.syncs_at(self.project.by_revision(revision).number)
            return [batches.progress(conn, ns, b, None if counted else 0) for b in active]

    def quarantine(self, limit: int = 50) -> list[dict]:
        with self._connect() as conn:
            return batches.quarantined_rows(conn, namespace_for(self.project, conn), limit)

    def plan(self, to: int | None = None, *, down: bool = False, start: int | None = None) -> Plan:
        """What up (or down) would do; with `start`, for a database at that phase, without connecting."""
        if start is not None:
            if start != 0:
                self.project.phase(start)
            recorded = self.project.phase(start) if start else None
            state = DatabaseState(recorded, recorded, start == 0)
        else:
            with self._connect() as conn:
                state = read_state(self.project, conn)
        return self._plan(state, to, down=down)

    def down_preview(self, to: int) -> list[str]:
        """What `down --to` would do to the data, phase by phase, with row counts: what each step
        archives (and a later up restores), what it rebuilds, and what the two-way syncs it ends keep."""
        with self._connect() as conn:
            plan = self._plan(read_state(self.project, conn), to, down=True)
            insp = sa.inspect(conn)
            present = set(insp.get_table_names())

            def rows(table: str) -> int:
                return conn.exec_driver_sql(f"SELECT count(*) FROM {quote(table)}").scalar_one() if table in present else 0

            lines = []
            for phase in plan.steps:
                old = expected_shape(self.project, phase, conn.dialect).tables
                new = expected_shape(self.project, self.project.phase(phase.number - 1), conn.dialect).tables
                what = []
                for b in (b for b in self.project.syncs_at(phase.number)[0] if b.reverse is not None
                          and b not in self.project.syncs_at(phase.number - 1)[0]):
                    what.append(f"{rows(b.target):,} {b.target} rows stay in {b.source} for the legacy app (two-way "
                                f"sync); what only {b.target} holds is archived")
                what += [f"archive {t} ({rows(t):,} rows)" for t in sorted(old.keys() - new.keys())]
                what += [f"archive {t}.{', '.join(sorted(old[t].columns.keys() - new[t].columns.keys()))} "
                         f"({rows(t):,} rows)" for t in sorted(old.keys() & new.keys())
                         if old[t].columns.keys() - new[t].columns.keys()]
                retired = {b.source: b.target for b in self.project.syncs_at(phase.number)[1]
                           if b not in self.project.syncs_at(phase.number - 1)[1]}
                what += [f"rebuild {t} from {retired[t]} as it is now ({rows(retired[t]):,} rows)" if t in retired
                         else f"restore {t}" for t in sorted(new.keys() - old.keys())]
                lines.append(f"phase {phase.label} down: " + ("; ".join(what) or "schema only, no rows move"))
            conn.rollback()
            return lines

    def render_sql(self, plan: Plan, *, batch_size: int = DEFAULT_BATCH_SIZE) -> str:
        """The SQL `up`/`down` would run for `plan`, rendered offline, runnable as it stands."""
        return Planner(self.project, self.url, self.timeouts, batch_size).render(plan.direction, plan.start, plan.steps)

    def rollback_plan(self, to: int | None = None, *, start: int | None = None) -> list[Rollback]:
        """For each phase `up` would apply, what its `down` would do: the SQL (rendered offline), what it
        archives and what it restores. It never writes to the database."""
        pending = self.plan(to, start=start)
        return [_rollback(phase, self.render_sql(Plan("down", phase.number, phase.number - 1, (phase,))))
                for phase in pending.steps]

    def _plan(self, state: DatabaseState, to: int | None, *, down: bool) -> Plan:
        _refuse_unusable(state)
        current = state.phase_number
        if current and not state.managed:
            raise MigrateError(
                f"the database has no version record but its schema is phase {current}: "
                f"run {cli('adopt')} first"
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
            attaching = [h for h in self.histories if state.managed and h.attachable(conn)]
            if attaching:
                return self._attach(conn, state, attaching)
            if state.managed:
                raise MigrateError(f"the database is already managed, at phase {state.recorded.label}")
            if state.empty:
                raise MigrateError(f"the database is empty: there is nothing to adopt; run {cli('up')}")
            _refuse_unusable(state)
            assert state.matched is not None
            for history in self.histories:  # refuses a dirty history before anything is written
                history.adopt(conn, state.matched)
            conn.rollback()
            with engines.migrator_lock(conn):
                ns = namespace_for(self.project, conn)
                ns.ensure(conn)
                conn.commit()
                alembic_bridge.stamp(self._cfg(conn), state.matched.revision)
                for phase in self.project.phases[:state.matched.number]:
                    at = ledger.now()
                    ledger.record(conn.engine, ns, ledger.Entry(
                        phase.number, "adopt", at, at, 0.0, "ok",
                        script_sha256=ledger.script_sha256(self.project, phase)))
                for history in self.histories:
                    history.adopted(conn, state.matched)
            return state.matched

    def _attach(self, conn: sa.Connection, state: DatabaseState, histories: list[History]) -> Phase:
        """Keep another history from now on, on a database already managed: the phases run since the
        database was adopted are recorded in it (a database built from empty had no other history)."""
        _refuse_unusable(state)
        ns = namespace_for(self.project, conn)
        adopted = [e.phase for e in ledger.entries(conn, ns) if e.direction == "adopt"]
        conn.rollback()
        if not adopted:
            raise MigrateError(f"this database was built by {cli('up')} from empty: it has no other history to keep")
        since = self.project.phase(max(adopted))
        with engines.migrator_lock(conn):
            for history in histories:
                history.adopt(conn, since)
            conn.rollback()
            for history in histories:
                history.adopted(conn, state.recorded, since=since)
        return state.recorded

    def history_problems(self) -> list[str]:
        """What the joined histories say that disagrees with the database's phase (one line each)."""
        return [line for ok, line in self.history_report() if not ok]

    def history_report(self) -> list[tuple[bool, str]]:
        """(agrees, what it says) for each history this database keeps: its problems, or that it agrees."""
        with self._connect() as conn:
            state = read_state(self.project, conn)
            out: list[tuple[bool, str]] = []
            for h in self.histories:
                if h.active(conn):
                    problems = h.problems(conn, state.recorded)
                    out += [(False, p) for p in problems] or [(True, f"{h.title}: {h.agrees(conn, state.recorded)}")]
            return out

    def up(self, to: int | None = None, on_step: StepCallback | None = None, *,
           batch_size: int = DEFAULT_BATCH_SIZE, on_backfill: BackfillCallback | None = None,
           backup: BackupHook | None = None, throttle: Throttle | None = None) -> list[StepResult]:
        if throttle:
            self._check_replicas(throttle)
        return self._run(to, down=False, on_step=on_step, batches=self._batches(batch_size, throttle),
                         on_backfill=on_backfill, backup=backup)

    def _check_replicas(self, throttle: Throttle) -> None:
        if throttle.replicas.urls:
            with self._connect() as conn:
                throttle.replicas.check(conn)

    def _batches(self, size: int, throttle: Throttle | None) -> BatchSettings:
        return BatchSettings(size=size, timeouts=self.timeouts, throttle=throttle or Throttle())

    def down(self, to: int, on_step: StepCallback | None = None, *,
             backup: BackupHook | None = None) -> list[StepResult]:
        return self._run(to, down=True, on_step=on_step, backup=backup)

    def backfill(self, *, batch_size: int = DEFAULT_BATCH_SIZE, on_backfill: BackfillCallback | None = None,
                 throttle: Throttle | None = None) -> StepResult:
        """Run or resume the current phase's backfills, then complete the phase."""
        if throttle:
            self._check_replicas(throttle)
        with self._connect(migrating=True) as conn:
            with engines.migrator_lock(conn):
                state = read_state(self.project, conn)
                if not state.managed:
                    raise MigrateError(f"the database has no version record: run {cli('up')} first")
                phase = state.recorded
                if not phase.backfills:
                    raise MigrateError(f"phase {phase.label} has no backfill; the backfill belongs to a later phase")
                conn.rollback()
                engines.set_timeouts(conn, self.timeouts)
                return self._timed(conn, phase, "finish", None, self._batches(batch_size, throttle), on_backfill,
                                   uuid.uuid4().hex)

    def verify(self, *, strict: bool = True, on_progress: Callable[[int, int], None] | None = None,
               on: str | sa.URL | None = None) -> Verification:
        """Run the checks of every applied phase; the result is kept in the ledger (on the primary).

        `on`: a streaming replica of the database, which the reads run on instead, once it has replayed
        everything the primary had written when verify started (never a stale state)."""
        replica = engines.parse_url(on) if isinstance(on, str) else on
        details = {}
        if replica is not None:
            with self._connect() as primary, engines.connection(replica) as standby:
                replicas.wait_for_replay(primary, standby)
            details["on"] = engines.redact(replica)
        with self._snapshot(replica) as conn:
            state = read_state(self.project, conn)
            if not state.managed:
                raise MigrateError(f"the database has no version record: run {cli('adopt')} or {cli('up')} first")
            ns = namespace_for(self.project, conn)
            at = ledger.now()
            result = self._checks(conn, state.recorded, strict=strict, on_progress=on_progress, url=replica)
        engine = engines.create_engine(self.url, migrating=True)  # SQLite: a writing transaction from its start
        try:
            ledger.record(engine, ns, ledger.Entry(
                state.recorded.number, "verify", at, ledger.now(), result.seconds, "ok" if result.ok else "failed",
                details={"verification": result.to_json(), **details}, run=uuid.uuid4().hex))
        except sa.exc.ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege: a read-only role
                raise
            if self.retries.report:
                self.retries.report("this verification is not recorded in the ledger: the role cannot write to it")
        finally:
            engine.dispose()
        return result

    def history(self, limit: int | None = None) -> list[ledger.Entry]:
        with self._connect() as conn:
            return ledger.entries(conn, namespace_for(self.project, conn), limit)

    def report_html(self) -> str:
        from phased.lifecycle import report

        with self._connect() as conn:
            state = read_state(self.project, conn)
            entries = ledger.entries(conn, namespace_for(self.project, conn))
        label = state.recorded.label if state.recorded else "none (no version record)"
        return report.render(engines.redact(self.url), label, entries, ledger.now(),
                             title=f"{self.project.title} migration report", command=self.project.command)

    def warnings(self) -> list[str]:
        """Applied migration scripts that changed since they ran."""
        with self._connect() as conn:
            state = read_state(self.project, conn)
            if not state.managed:
                return []
            return ledger.changed_scripts(conn, namespace_for(self.project, conn), self.project, state.recorded.number)

    def _run(self, to: int | None, *, down: bool, on_step: StepCallback | None, batches: BatchSettings | None = None,
             on_backfill: BackfillCallback | None = None, backup: BackupHook | None = None) -> list[StepResult]:
        batches = batches or self._batches(DEFAULT_BATCH_SIZE, None)
        results: list[StepResult] = []
        with self._connect(migrating=True) as conn:
            engines.set_timeouts(conn, self.timeouts)
            with engines.migrator_lock(conn):
                state = read_state(self.project, conn)
                problems = [p for h in self.histories for p in h.problems(conn, state.recorded, unsettled=False)]
                conn.rollback()
                if problems:
                    raise MigrateError(f"{problems[0]}; nothing was changed")
                for history in self.histories:
                    history.settle(conn)  # puts right what a step stopped between its commit and its files left
                plan = self._plan(state, to, down=down)
                conn.rollback()
                work = self._unfinished(conn, state, down=down) + [(p, "down" if down else "up") for p in plan.steps]
                if not work:
                    return results
                backup_used = backup() if backup else None  # before anything changes
                ns = namespace_for(self.project, conn)
                ns.ensure(conn)
                conn.commit()
                if not down and state.phase_number >= 1:
                    self._ensure_baseline(conn)
                run = uuid.uuid4().hex
                for phase, kind in work:
                    results.append(self._timed(conn, phase, kind, backup_used, batches, on_backfill, run))
                    if on_step:
                        on_step(results[-1])
        return results

    def _unfinished(self, conn: sa.Connection, state: DatabaseState, *, down: bool) -> list[tuple[Phase, str]]:
        """The steps that complete or undo a phase step stopped part way, before the command's own.

        - an up whose transaction committed, the rest not (a backfill, deferred keys): `finish` it,
          unless the command is a down, which reverses the phase as it stands;
        - an up stopped before its transaction committed: up redoes it (every part is idempotent);
          a down first `undo`es what it built (indexes built CONCURRENTLY);
        - a down stopped before its transaction committed: down redoes it; an up first `redo`es the
          phase's upgrade, if part of it was dropped;
        - a down whose transaction committed, the rest not: `tidy` (the sync's index).
        """
        recorded, flight = state.recorded, state.in_flight
        if recorded is None:
            return []
        if flight is None:  # no record of the step: only a phase's unfinished second half is detectable
            unfinished = not down and self.executor.incomplete(conn, recorded)
            return [(recorded, "finish")] if unfinished else []
        phase = self.project.phase(flight.phase)
        if flight.direction == "up":
            if phase is recorded:
                return [] if down else [(phase, "finish")]
            return [(phase, "undo")] if down else []
        if phase is recorded:
            return [] if down else [(phase, "redo")]
        return [(phase, "tidy")]

    def _ensure_baseline(self, conn: sa.Connection) -> None:
        """The legacy tables' fingerprint, taken once before the first phase this tool runs."""
        ns = namespace_for(self.project, conn)
        missing = ledger.load_baseline(conn, ns) is None
        conn.rollback()
        if missing:
            columns = fingerprint.legacy_columns(self.project)
            with conn.begin():
                present = fingerprint.live_columns(conn, list(columns))
                fp = fingerprint.take(conn, {t: columns[t] for t in present})
                ledger.save_baseline(conn, ns, fp, read_state(self.project, conn).phase_number)

    def _retake_baseline(self, conn: sa.Connection, tables: set[str]) -> None:
        """After a two-way sync ends going down: what the new app wrote through it is now legacy data
        by design, so the baseline of the tables it wrote moves to what they hold now."""
        ns = namespace_for(self.project, conn)
        with conn.begin():
            baseline = ledger.load_baseline(conn, ns)
            if baseline is None:
                return
            columns = fingerprint.legacy_columns(self.project)
            present = fingerprint.live_columns(conn, sorted(tables & set(columns)))
            baseline.update(fingerprint.take(conn, {t: columns[t] for t in present}))
            ledger.save_baseline(conn, ns, baseline, read_state(self.project, conn).phase_number)

    def _timed(self, conn: sa.Connection, phase: Phase, kind: str, backup_used: str | None,
               batches: BatchSettings, on_backfill: BackfillCallback | None, run: str) -> StepResult:
        """One phase step, through its lifecycle and verified, with its ledger entry (written whether
        it succeeds or fails; each part of the step timed in it).

        `kind`: "up" (validate, start, complete) or "down" (rollback); or what completes a step
        stopped part way (see _unfinished).
        """
        ns = namespace_for(self.project, conn)
        downward = kind in ("down", "undo", "tidy")
        arrive = self.project.phase(phase.number - 1) if downward else phase
        samples: list[tuple[float, int]] = []
        entry = ledger.Entry(arrive.number, kind, ledger.now(), ledger.now(), 0.0, "failed", backup=backup_used,
                             run=run, script_sha256=ledger.script_sha256(self.project, phase))
        retries_before = Counter(self.retries.counts)
        statements_before = self._statements() if kind in ("up", "down") else None

        lag = batches.throttle.replicas if batches.throttle else None
        if lag:
            lag.forget()

        def settle() -> None:
            retried = self.retries.counts - retries_before
            if retried:
                entry.details["retries"] = dict(retried)
            if lag and lag.largest is not None:
                entry.details["replica_lag_max_s"] = round(lag.largest, 3)
            if lag and lag.waits:
                entry.details["replica_waits"] = lag.waits
                entry.details["replica_wait_s"] = round(lag.waited, 3)
            conn.rollback()  # SQLite: an open transaction here would lock out the ledger's own

        with Recorder(conn.engine, ns, entry, settle) as rec:
            for other in self.recorders:
                rec.join(other)
            def sample(progress: BackfillProgress) -> None:
                samples.append((round(rec.elapsed, 3), progress.done))
                if on_backfill:
                    on_backfill(progress)

            if kind == "up":
                with rec.step("validate"):
                    self._preflight(phase)
            if kind in ("up", "down"):
                inflight.mark(conn, ns, phase.number, kind)
                with rec.step("start" if kind == "up" else "rollback"):
                    reconciled = (self.executor.start if kind == "up" else self.executor.rollback)(conn, phase)
                if reconciled:
                    entry.details["reconciled"] = reconciled
            elif kind in ("undo", "redo"):
                with rec.step(kind):
                    self.executor.revert_partial(conn, phase, down=kind == "undo")
            elif kind == "tidy":
                with rec.step(kind):
                    self.executor.support_indexes(conn, arrive, drops=True)
            if kind in ("up", "finish", "redo") and (phase.backfills or phase.deferred_foreign_keys):
                with rec.step("complete"):
                    entry.rows_moved = self.executor.complete(conn, phase, batches, sample)
            checked_at = time.perf_counter()
            with rec.step("verify"), self._snapshot() as snapshot:
                check = self._checks(snapshot, arrive, strict=False, only_latest=True)
            verify_seconds = time.perf_counter() - checked_at
            entry.details.update({"verification": check.to_json(), "throughput": _thin(samples)})
            if statements_before is not None:
                entry.details["statements"] = {"before": statements_before,
                                               "after": self._statements(keep=statements_before)}
            if not check.ok:
                failed = next(c for c in check.checks if not (c.ok or c.warning))
                raise MigrateError(f"phase {phase.label} {kind}: verification failed: {failed.name}: {failed.detail}; "
                                   f"see {cli('verify')}")
            if downward:
                ended = self.project.mirrored_at(phase.number) - self.project.mirrored_at(arrive.number)
                if ended:
                    self._retake_baseline(conn, ended)
            inflight.clear(conn, ns)
        return StepResult(phase, kind, entry.seconds, entry.rows_moved, verify_seconds)

    def _statements(self, keep: dict | None = None) -> dict | None:
        """The app's top statements now (the performance watch), where the database keeps statistics."""
        with self._connect() as conn:
            found = dialects.of(conn).statements(conn)
        return None if found is None else watch.snapshot(watch.the_apps(found, self.project.namespace), keep)

    def performance(self, ratio: float = watch.DEFAULT_RATIO) -> tuple[list[watch.Statement] | None, str]:
        """Each top statement's mean time and calls before the last run and since it ended, regressions
        flagged; or None and why there is nothing to compare."""
        with self._connect() as conn:
            now = dialects.of(conn).statements(conn)
            if now is None:
                return None, dialects.of(conn).why_no_statements(conn) + ": the performance watch is skipped"
            entries = ledger.entries(conn, namespace_for(self.project, conn))
        run = watch.last_run(entries)
        if run is None:
            return None, f"no run of {cli('up')} or down has recorded the statements yet"
        return watch.compare(*run, watch.the_apps(now, self.project.namespace), ratio=ratio), ""

    def _preflight(self, phase: Phase) -> None:
        """Validate: refuse, before anything of `phase` changes, a database not ready for it."""
        with self._snapshot() as snapshot:
            readers = engines.create_engine(self.url)
            try:
                ready = preflight(self.project, snapshot, phase, engine=readers, jobs=self.jobs)
            finally:
                readers.dispose()
        if not ready.ok:
            failed = next(c for c in ready.checks if not (c.ok or c.warning))
            raise MigrateError(f"phase {phase.label} cannot start: {failed.name}: {failed.detail}; nothing was "
                               f"changed: run {cli('verify')} for every check")


def _thin(samples: list[tuple[float, int]], keep: int = 200) -> list[tuple[float, int]]:
    if len(samples) <= keep:
        return samples
    step = len(samples) / keep
    return [samples[int(i * step)] for i in range(keep)] + [samples[-1]]


def _refuse_unusable(state: DatabaseState) -> None:
    if state.managed and state.differences:
        raise MigrateError(
            f"schema drift: the database is recorded at phase {state.recorded.label} but differs from it "
            f"({len(state.differences)} differences: {state.differences[0]}…); run {cli('status')}"
        )
    if not state.managed and not state.empty and state.matched is None:
        raise MigrateError(
            f"the schema matches no phase (closest: phase {state.closest.label}, "
            f"{len(state.differences)} differences); run {cli('status')} for the list"
        )
