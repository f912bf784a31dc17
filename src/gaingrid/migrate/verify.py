"""Verification: the checks that must hold once the database is at a phase.

Verify is "run the checks of every applied phase": the schema is exactly the
phase's, indexes and constraints are valid, the tables each phase added are
consistent, the legacy data is untouched since the baseline fingerprint, and
every backfill matches its source row for row.
"""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import sqlalchemy as sa

from . import compare, fingerprint
from .backfill import q
from .namespace import Namespace
from .parallel import Readers, Task
from .phase import Phase, Project
from .schema import metadata_at_phase
from .state import expected_shape, live_shape, namespace_for


@dataclass(frozen=True)
class CheckResult:
    phase: int
    name: str
    ok: bool
    detail: str
    warning: bool = False  # failed, but does not fail the verification
    data: dict = field(default_factory=dict)


@dataclass
class Verification:
    phase: int
    checks: list[CheckResult]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok or c.warning for c in self.checks)

    def to_json(self) -> dict:
        return {"phase": self.phase, "ok": self.ok, "seconds": round(self.seconds, 3),
                "checks": [asdict(c) for c in self.checks]}


def _schema(project: Project, conn: sa.Connection, phase: Phase) -> CheckResult:
    diff = expected_shape(project, phase, conn.dialect).diff(live_shape(project, conn))
    return CheckResult(phase.number, "schema is the phase's",
                       not diff, "; ".join(diff) if diff else "tables, columns, types, defaults, keys and indexes match")


def _valid(conn: sa.Connection, phase: Phase) -> CheckResult | None:
    if conn.dialect.name != "postgresql":
        return None
    bad = [r[0] for r in conn.exec_driver_sql(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT i.indisvalid "
        "UNION ALL SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND NOT convalidated")]
    return CheckResult(phase.number, "indexes and constraints are valid", not bad,
                       f"invalid: {', '.join(bad)}" if bad else "every index and constraint is valid")


def _foreign_keys_added(project: Project, phase: Phase) -> list[tuple[str, sa.ForeignKeyConstraint]]:
    before = metadata_at_phase(project.metadata, phase.number - 1) if phase.number > 1 else sa.MetaData()
    known = {fk.name for t in before.tables.values() for fk in t.foreign_key_constraints}
    now = metadata_at_phase(project.metadata, phase.number)
    return [(t.name, fk) for t in now.sorted_tables for fk in t.foreign_key_constraints if fk.name not in known]


class _Work:
    """Every read of a verification as a task, and how each check turns its tasks' results into a result."""

    def __init__(self) -> None:
        self.tasks: list[Task] = []
        self.long: set[int] = set()
        self._checks: list[tuple[int, int, Callable[[list], list[CheckResult]]]] = []

    def add(self, tasks: list[Task], finish: Callable[[list], list[CheckResult]], *, long: bool = False) -> None:
        """`long`: start these first, so the short tasks fill in around them."""
        self._checks.append((len(self.tasks), len(tasks), finish))
        if long:
            self.long.update(range(len(self.tasks), len(self.tasks) + len(tasks)))
        self.tasks += tasks

    def run(self, readers: Readers) -> list[CheckResult]:
        order = sorted(range(len(self.tasks)), key=lambda i: i not in self.long)
        results: list = [None] * len(self.tasks)
        for i, result in zip(order, readers.map([self.tasks[i] for i in order])):
            results[i] = result
        return [c for start, n, finish in self._checks for c in finish(results[start:start + n])]


def _consistent(project: Project, conn: sa.Connection, phase: Phase, current: Phase, work: _Work) -> None:
    """No row of what this phase added (and still stands at `current`) points at a row that does not exist."""
    standing = metadata_at_phase(project.metadata, current.number).tables
    added = [(t, fk) for t, fk in _foreign_keys_added(project, phase) if t in standing]
    if not added:
        return
    unchecked: dict[str, list[sa.ForeignKeyConstraint]] = {}
    for table, fk in added:
        if conn.dialect.name == "postgresql" and conn.exec_driver_sql(
                "SELECT convalidated FROM pg_constraint WHERE conname = %(n)s", {"n": fk.name}).scalar():
            continue  # a validated constraint already guarantees it
        unchecked.setdefault(table, []).append(fk)

    def finish(counts: list[dict[str, int]]) -> list[CheckResult]:
        orphans = {name: n for found in counts for name, n in found.items() if n}
        detail = ", ".join(f"{n}: {c:,} orphan rows" for n, c in orphans.items()) or \
            f"{len(added)} relationship(s) intact"
        return [CheckResult(phase.number, "new tables are consistent", not orphans, detail, data=orphans)]

    work.add([lambda c, t=table, fks=fks: _orphans(c, t, fks) for table, fks in unchecked.items()], finish)


def _orphans(conn: sa.Connection, table: str, fks: list[sa.ForeignKeyConstraint]) -> dict[str, int]:
    """Rows of `table` whose key in each of `fks` names no row."""
    if conn.dialect.name == "sqlite":
        # One pass checks every key of the table, cheaper than a NOT EXISTS scan per key.
        found = {(ref, col): n for ref, col, n in conn.exec_driver_sql(
            "SELECT l.\"table\", l.\"from\", count(*) FROM pragma_foreign_key_check(?) AS v "
            "JOIN pragma_foreign_key_list(?) AS l ON l.id = v.fkid AND l.seq = 0 GROUP BY v.fkid",
            (table, table))}
        return {fk.name: found.get((fk.referred_table.name, fk.columns[0].name), 0) for fk in fks}
    out = {}
    for fk in fks:
        (col,), (ref,) = [c.name for c in fk.columns], [e.column for e in fk.elements]
        out[fk.name] = conn.exec_driver_sql(
            f"SELECT count(*) FROM {q(table)} AS c WHERE c.{q(col)} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {q(ref.table.name)} AS p WHERE p.{q(ref.name)} = c.{q(col)})").scalar_one()
    return out


def _legacy(conn: sa.Connection, project: Project, phase: Phase, baseline: fingerprint.Fingerprint,
            strict: bool, work: _Work) -> None:
    columns = fingerprint.columns_at_phase(project, 1)
    present = fingerprint.live_columns(conn, list(columns))
    gone = sorted(set(columns) - set(present))  # dropped by a phase (archived), e.g. at 7

    def finish(results: list[fingerprint.Fingerprint]) -> list[CheckResult]:
        (now,) = results
        diff = fingerprint.differences({t: v for t, v in baseline.items() if t in present}, now)
        detail = "; ".join(diff) if diff else "row counts and content hashes equal the baseline"
        if gone:
            detail += f" ({', '.join(gone)} dropped by design, archived)"
        if diff and not strict:
            detail += " (expected if the application wrote since the baseline)"
        return [CheckResult(phase.number, "legacy data untouched", not diff, detail,
                            warning=bool(diff) and not strict, data={"now": fingerprint.to_json(now)})]

    # One task: on SQLite, two fingerprints side by side would contend for its global
    # allocator lock and each run slower than both in a row.
    work.add([lambda c: fingerprint.take(c, {t: columns[t] for t in present})], finish, long=True)


def _backfill(conn: sa.Connection, ns: Namespace, phase: Phase, b, strict: bool,
              on_progress: Callable[[int, int], None] | None, work: _Work) -> None:
    totals = compare.totals(conn, ns, b)
    ranges = compare.ranges(conn, b)
    done = [0]
    lock = threading.Lock()

    def one(c: sa.Connection, key_range: compare.KeyRange) -> compare.RowComparison:
        part = compare.compare_range(c, ns, b, key_range)
        if on_progress:
            with lock:
                done[0] = min(totals.source_rows, done[0] + part.source_rows)
                on_progress(done[0], totals.source_rows)
        return part

    def finish(parts: list[compare.RowComparison]) -> list[CheckResult]:
        r = compare.merge(totals, parts)
        data = r.to_json()
        n = phase.number
        return [
            CheckResult(n, f"{b.name}: every row matches its source", r.differing == 0,
                        f"{r.differing:,} rows differ" if r.differing else f"{r.migrated:,} rows equal field by field",
                        data={"rows": r.differing_rows}),
            CheckResult(n, f"{b.name}: no row missing", r.missing == 0,
                        f"{r.missing:,} source rows have no {b.target} row and are not quarantined" if r.missing
                        else "every source row is migrated or quarantined", data={"keys": r.missing_keys}),
            CheckResult(n, f"{b.name}: no extra row", r.extra == 0,
                        f"{r.extra:,} {b.target} rows have no {b.source} source (the new app's, or left behind)"
                        if r.extra else f"every {b.target} row has a source",
                        warning=not strict and r.extra > 0, data={"keys": r.extra_keys}),
            CheckResult(n, f"{b.name}: counts reconcile", r.reconciles,
                        f"source {r.source_rows:,} = migrated {r.migrated:,} + quarantined {r.quarantined:,}"
                        + ("" if r.reconciles else "  ✗"), data=data),
        ]

    work.add([lambda c, k=k: one(c, k) for k in ranges], finish)


def verify(project: Project, conn: sa.Connection, phase: Phase, *, baseline: fingerprint.Fingerprint | None,
           strict: bool = True, only_latest: bool = False,
           on_progress: Callable[[int, int], None] | None = None,
           engine: sa.Engine | None = None, jobs: int = 1) -> Verification:
    """`strict`: nothing but the migration wrote. Otherwise legacy rows changed since the
    baseline, and target rows without a source (the new app's), are warnings, not failures.
    `only_latest`: the per-phase checks of `phase` alone (what `up` runs after each phase).
    `engine` and `jobs`: the reads run on that many connections at once, sharing the snapshot of `conn`."""
    started = time.perf_counter()
    ns = namespace_for(project, conn)
    checks = [_schema(project, conn, phase)]
    valid = _valid(conn, phase)
    if valid:
        checks.append(valid)
    work = _Work()
    # The first phase is the baseline another tool made: its rows are what they are
    # (orphans in it are the backfill's to quarantine). Check what the migration added.
    checked = [phase] if only_latest else project.phases[:phase.number]
    for p in checked:
        if p is not project.first:
            _consistent(project, conn, p, phase, work)
    if baseline is not None:
        _legacy(conn, project, phase, baseline, strict, work)
    active, _ = project.syncs_at(phase.number)
    for p in checked:
        for b in p.backfills:
            if b in active:
                _backfill(conn, ns, p, b, strict, on_progress, work)
    checks += work.run(Readers(conn, engine, jobs))
    return Verification(phase.number, checks, time.perf_counter() - started)
