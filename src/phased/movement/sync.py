"""Transition-period sync: keep a backfill's target in step with every legacy
write, rendered per dialect from the backfill's mapping.

The lock order, and why (PostgreSQL)
------------------------------------
The legacy app takes its row locks in both orders: a nested create or a
"change an exercise, then the workout" transaction locks children before
their parent, and a cascading delete locks the parent before its children.
Those orders are the app's own. A sync that waits on any app row lock adds a
cycle the app did not have: the first version locked the parent from the
child's trigger and the children from the parent's trigger, and two app
transactions deadlocked in every run.

So the sync never locks and never waits on an app row. It recomputes:

1. While the app's statements run, statement-level triggers only *note* the
   source keys and parent keys they touched, in transaction-local settings
   (no table write, no lock).
2. At commit, a deferred constraint trigger *settles* the noted rows:
   it takes one transaction-scoped advisory lock per noted parent, in one
   global order (sorted), then recomputes every affected target row from
   the committed state (each statement in it takes a fresh snapshot), and
   writes the target rows in key order.

At commit the transaction takes no further app lock, so the settle can wait
on another settle (same parent) without closing a cycle through the app's
locks; the sorted advisory locks order settles among themselves, and key
order orders the target rows they write. Two transactions that touch the
same parent (one moving a workout's date, one adding an exercise to it)
serialize on the advisory lock, and the second sees the first's committed
rows: no write skew. The batches (batches.py) take no lock the app's
updates wait for, and insert with ON CONFLICT DO NOTHING in key order, so
a settle and a batch can only wait for each other briefly, never in a cycle.

SQLite has one writer at a time, so its triggers mirror each write at once.

The triggers' lookups of a parent's children use an index on the source's
parent column. Prisma does not create one (WorkoutExercise."workoutId" has
none), so the sync builds its own, named as the toolkit's, before the
triggers, and drops it when the sync ends.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from phased import dialects
from phased.declare.backfill import Backfill, q
from phased.declare.namespace import Namespace
from phased.dialects.sync_objects import SyncObject


@dataclass(frozen=True)
class SupportIndex:
    name: str
    table: str
    columns: tuple[str, ...]


def support_indexes(b: Backfill, ns: Namespace) -> list[SupportIndex]:
    """The indexes the sync's lookups need (the toolkit's own): a parent's children on the source table,
    and, two-way, the parent a target row picks by its columns (Prisma indexes neither)."""
    out = [SupportIndex(f"{ns.name}_{b.name}_{p.on}", b.source, (p.on,)) for p in b.parents]
    if b.reverse is not None:
        match = tuple(b.parent_match)
        out.append(SupportIndex(f"{ns.name}_{b.name}_{'_'.join(match)}", b.parents[0].table, match))
    return out


def index_state(conn: sa.Connection, ns: Namespace) -> dict[str, bool]:
    """The toolkit's indexes on the application's tables -> whether each is valid."""
    return {name: valid for name, valid in dialects.of(conn).index_validity(conn).items() if ns.owns_index(name)}


def index_statements(have: dict[str, bool], tables: set[str], ns: Namespace, wanted: list[SupportIndex],
                     declared: list[SupportIndex], *, drops: bool) -> list[str]:
    """What builds the `wanted` support indexes and (with `drops`) drops the toolkit's others, on
    those of `tables` that exist, each statement on its own (`declared`: every support index there is).

    On PostgreSQL they are built and dropped CONCURRENTLY (writers carry on), and
    an INVALID one a failed build left behind is dropped and built again.
    """
    concurrently = dialects.of(ns.dialect).concurrently
    table_of = {i.name: i.table for i in declared}
    out = []
    for index in wanted:
        if have.get(index.name) is True or index.table not in tables:
            continue
        if index.name in have:
            out.append(f"DROP INDEX{concurrently} IF EXISTS {q(index.name)}")
        out.append(f"CREATE INDEX{concurrently} IF NOT EXISTS {q(index.name)} ON {q(index.table)} ({', '.join(q(c) for c in index.columns)})")
    names = {i.name for i in wanted}
    out += [f"DROP INDEX{concurrently} IF EXISTS {q(name)}" for name in sorted(have) if drops
            and name not in names and (name not in table_of or table_of[name] in tables)]
    return out


_DROP_ORDER = {"trigger": 0, "function": 1, "table": 2}


def objects(b: Backfill, ns: Namespace) -> list[SyncObject]:
    """The sync's tables, functions and triggers, as this database renders them (dialects/)."""
    return dialects.of(ns.dialect).sync_objects(b, ns)


def install_statements(b: Backfill, ns: Namespace) -> list[str]:
    return [o.create for o in objects(b, ns)]


# -- what is installed, and making it what it should be ------------------------------

Installed = dict[tuple[str, str], str]  # (kind, name) -> its digest comment (PostgreSQL) or its SQL (SQLite)


def _identity(o: SyncObject, ns: Namespace) -> str:
    return dialects.of(ns.dialect).sync_identity(o)


def installed(conn: sa.Connection, ns: Namespace) -> Installed:
    """What the database has now."""
    return dialects.of(conn).installed_sync(conn, ns)


def assumed(ns: Namespace, active: list[Backfill]) -> Installed:
    """What a database exactly at a phase whose active backfills are `active` has (for planning offline)."""
    return {(o.kind, o.name): _identity(o, ns) for b in active for o in objects(b, ns)}


def changes(have: Installed, ns: Namespace, active: list[Backfill], retired: list[Backfill]) -> list[str]:
    """What makes the installed sync exactly that of the `active` backfills.

    Creates what is missing, replaces what changed, and leaves alone what is
    already right: a trigger is dropped only when its sync ends or changes,
    because dropping one locks its table against every writer.
    """
    out = []
    for b in retired:
        for o in sorted(objects(b, ns), key=lambda o: _DROP_ORDER[o.kind]):
            if (o.kind, o.name) in have:
                out.append(dialects.of(ns.dialect).drop_sync_object(o, ns))
    for b in active:
        for o in objects(b, ns):
            want, current = _identity(o, ns), have.get((o.kind, o.name))
            if current == want:
                continue
            if o.kind == "trigger" and current is not None:
                out.append(dialects.of(ns.dialect).drop_sync_object(o, ns))  # a function is replaced in place; a table is created only if missing
            out.append(o.create)
            out += dialects.of(ns.dialect).sync_marks(o, ns)
    return out


def missing(conn: sa.Connection, ns: Namespace, b: Backfill) -> list[str]:
    """Triggers of `b`'s sync that are not installed, or not as this version renders them."""
    have = installed(conn, ns)
    return [o.name for o in objects(b, ns) if o.kind == "trigger" and have.get((o.kind, o.name)) != _identity(o, ns)]
