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

import hashlib
import zlib
from dataclasses import dataclass

import sqlalchemy as sa

from .backfill import SOURCE, Backfill, BackfillSQL, Parent, q
from .namespace import Namespace


@dataclass(frozen=True)
class SupportIndex:
    name: str
    table: str
    column: str


def support_indexes(b: Backfill, ns: Namespace) -> list[SupportIndex]:
    """The indexes the sync's parent lookups need on the source table (the toolkit's own)."""
    return [SupportIndex(f"{ns.name}_{b.name}_{p.on}", b.source, p.on) for p in b.parents]


def index_state(conn: sa.Connection, ns: Namespace) -> dict[str, bool]:
    """The toolkit's indexes on the application's tables -> whether each is valid."""
    if ns.dialect == "sqlite":
        found = {name: True for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
                 if ns.owns_index(name)}
    else:
        found = {name: valid for name, valid in conn.exec_driver_sql(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
            "AND starts_with(c.relname, %(prefix)s)", {"prefix": f"{ns.name}_"})}
    return found


def index_statements(have: dict[str, bool], tables: set[str], ns: Namespace, wanted: list[SupportIndex],
                     declared: list[SupportIndex], *, drops: bool) -> list[str]:
    """What builds the `wanted` support indexes and (with `drops`) drops the toolkit's others, on
    those of `tables` that exist, each statement on its own (`declared`: every support index there is).

    On PostgreSQL they are built and dropped CONCURRENTLY (writers carry on), and
    an INVALID one a failed build left behind is dropped and built again.
    """
    concurrently = " CONCURRENTLY" if ns.dialect == "postgresql" else ""
    table_of = {i.name: i.table for i in declared}
    out = []
    for index in wanted:
        if have.get(index.name) is True or index.table not in tables:
            continue
        if index.name in have:
            out.append(f"DROP INDEX{concurrently} IF EXISTS {q(index.name)}")
        out.append(f"CREATE INDEX{concurrently} IF NOT EXISTS {q(index.name)} ON {q(index.table)} ({q(index.column)})")
    names = {i.name for i in wanted}
    out += [f"DROP INDEX{concurrently} IF EXISTS {q(name)}" for name in sorted(have) if drops
            and name not in names and (name not in table_of or table_of[name] in tables)]
    return out


def _base(b: Backfill, ns: Namespace) -> str:
    return f"{ns.name}_{b.name}"


def _setting(b: Backfill, ns: Namespace, what: str) -> str:
    return f"{ns.name}.{b.name}_{what}"


def _note(setting: str, values: str, arm: str) -> str:
    """Append `values` (a text[] expression) to a transaction-local setting, and arm the settle."""
    current = f"coalesce(nullif(current_setting('{setting}', true), ''), '{{}}')::text[]"
    return (f"gg_noted := {values}; IF cardinality(gg_noted) > 0 THEN "
            f"PERFORM set_config('{setting}', ({current} || gg_noted)::text, true); {arm} END IF;")


def _commits(b: Backfill, ns: Namespace) -> str:
    return ns.qualified(f"{b.name}_commits")


def _arm(b: Backfill, ns: Namespace) -> str:
    """Once per transaction, a row in the sync's commit table: its deferred trigger settles at commit.

    The deferred (constraint) trigger lives on the toolkit's own table, not on the app's:
    Prisma's introspection (`prisma db pull`) fails on a constraint trigger in `public`.
    """
    flag = _setting(b, ns, "armed")
    return (f"IF current_setting('{flag}', true) IS DISTINCT FROM 'on' THEN PERFORM set_config('{flag}', 'on', true); "
            f"INSERT INTO {_commits(b, ns)} DEFAULT VALUES; END IF;")


def _lock_class(b: Backfill, ns: Namespace, p: Parent) -> int:
    """The advisory-lock class of one parent table of one backfill (a stable 31-bit number)."""
    return zlib.crc32(f"{ns.name}.{b.name}.{p.alias}".encode()) & 0x7FFFFFFF


@dataclass(frozen=True)
class SyncObject:
    """One table, function or trigger of a sync, with the statement that creates it."""

    kind: str  # "table" | "function" | "trigger"
    name: str
    on: str | None  # a trigger's table, as SQL
    create: str

    def ref(self, ns: Namespace) -> str:
        if self.kind == "function":
            return f"{ns.qualified(self.name)}()"
        return ns.qualified(self.name) if self.kind == "table" else f"{q(self.name)} ON {self.on}"

    def drop(self, ns: Namespace) -> str:
        if ns.dialect == "sqlite":
            return f"DROP TRIGGER IF EXISTS {q(self.name)}"
        return f"DROP {self.kind.upper()} IF EXISTS {self.ref(ns)}"

    @property
    def digest(self) -> str:
        return "sync " + hashlib.sha256(self.create.encode()).hexdigest()[:16]


_DROP_ORDER = {"trigger": 0, "function": 1, "table": 2}


# -- PostgreSQL: note while the statements run, settle at commit ---------------------

def _function(ns: Namespace, name: str, body: str, declare: str = "") -> SyncObject:
    declare = f"DECLARE {declare} " if declare else ""
    return SyncObject("function", name, None,
                      f"CREATE OR REPLACE FUNCTION {ns.qualified(name)}() RETURNS trigger LANGUAGE plpgsql "
                      f"AS $gg$ {declare}BEGIN {body} RETURN NULL; END $gg$")


def _note_source(b: Backfill, ns: Namespace) -> SyncObject:
    arm = _arm(b, ns)

    def notes(rows: str) -> str:
        out = [_note(_setting(b, ns, "keys"), f"ARRAY(SELECT r.{q(b.key)}::text FROM {rows} AS r)", arm)]
        out += [_note(_setting(b, ns, p.alias), f"ARRAY(SELECT DISTINCT r.{q(p.on)}::text FROM {rows} AS r)", arm)
                for p in b.parents]
        return " ".join(out)

    return _function(ns, f"{b.name}_note", f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {notes('new_rows')} END IF; "
                                           f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {notes('old_rows')} END IF;",
                     "gg_noted text[];")


def _note_parent(b: Backfill, ns: Namespace, p: Parent) -> SyncObject:
    key = q(p.key)
    changed = " OR ".join(f"o.{q(c)} IS DISTINCT FROM n.{q(c)}" for c in b.parent_columns[p.alias]) or "FALSE"
    updated = (f"ARRAY(SELECT coalesce(n.{key}, o.{key})::text FROM new_rows AS n FULL JOIN old_rows AS o "
               f"ON o.{key} = n.{key} WHERE n.{key} IS NULL OR o.{key} IS NULL OR {changed})")
    deleted = f"ARRAY(SELECT o.{key}::text FROM old_rows AS o)"
    setting, arm = _setting(b, ns, p.alias), _arm(b, ns)
    return _function(ns, f"{b.name}_note_{p.alias}", f"IF TG_OP = 'UPDATE' THEN {_note(setting, updated, arm)} "
                                                     f"ELSE {_note(setting, deleted, arm)} END IF;", "gg_noted text[];")


def _settle(b: Backfill, ns: Namespace) -> SyncObject:
    sql = BackfillSQL(b, "postgresql", ns)
    # Variables carry a prefix: PL/pgSQL would confuse a bare name with a column of the same name.
    settings = {"gg_keys": _setting(b, ns, "keys"), **{f"gg_{p.alias}": _setting(b, ns, p.alias) for p in b.parents}}
    declare = " ".join(f"{var} text[] := nullif(current_setting('{s}', true), '')::text[];"
                       for var, s in settings.items()) + " gg_class int; gg_lock int;"
    # The commit-table row and the notes are this transaction's: spent here (a SET CONSTRAINTS
    # IMMEDIATE mid-transaction settles early, and later writes arm a new settle).
    spend = (f"DELETE FROM {_commits(b, ns)} WHERE id = NEW.id; "
             + " ".join(f"PERFORM set_config('{s}', '', true);" for s in [*settings.values(), _setting(b, ns, "armed")]))
    nothing_noted = " AND ".join(f"{var} IS NULL" for var in settings)
    lock_sets = " UNION ".join(f"SELECT {_lock_class(b, ns, p)}, hashtext(x) FROM unnest(gg_{p.alias}) AS x"
                               for p in b.parents)
    locks = (f"FOR gg_class, gg_lock IN SELECT * FROM ({lock_sets}) AS l ORDER BY 1, 2 LOOP "
             f"PERFORM pg_advisory_xact_lock(gg_class, gg_lock); END LOOP;") if b.parents else ""
    children = " ".join(f"UNION ALL SELECT c.{q(b.key)}::text FROM {q(b.source)} AS c "
                        f"WHERE c.{q(p.on)} = ANY(gg_{p.alias})" for p in b.parents)
    # After the advisory locks, each statement takes a new snapshot: the recomputation
    # sees every transaction that settled the same parents before this one.
    expand = (f"gg_keys := ARRAY(SELECT DISTINCT k FROM (SELECT unnest(gg_keys) {children}) AS a(k) "
              f"WHERE k IS NOT NULL ORDER BY 1);")
    mine = f"{SOURCE}.{q(b.key)} = ANY(gg_keys)"
    writes = [sql.upsert(mine), sql.forget("= ANY(gg_keys)"), sql.quarantine(mine), sql.unquarantine(mine),
              sql.forget_quarantine("= ANY(gg_keys)")]
    return _function(ns, f"{b.name}_settle",
                     f"{spend} IF {nothing_noted} THEN RETURN NULL; END IF; {locks} {expand} "
                     + " ".join(s + ";" for s in writes if s), declare)


def _pg_objects(b: Backfill, ns: Namespace) -> list[SyncObject]:
    """The parents' triggers come first: installing a trigger locks its table against writes,
    and the app's nested creates and cascading deletes take the parent before the children."""
    base, commits = _base(b, ns), _commits(b, ns)
    note, settle = _note_source(b, ns), _settle(b, ns)

    def statement_trigger(name: str, table: str, event: str, function: SyncObject) -> SyncObject:
        tables = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                  "DELETE": "OLD TABLE AS old_rows"}[event]
        return SyncObject("trigger", name, q(table), f"CREATE TRIGGER {q(name)} AFTER {event} ON {q(table)} "
                          f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function.ref(ns)}")

    out = [
        SyncObject("table", f"{b.name}_commits", None,
                   f"CREATE UNLOGGED TABLE IF NOT EXISTS {commits} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)"),
        note, settle,
        SyncObject("trigger", f"{base}_settle", commits,
                   f"CREATE CONSTRAINT TRIGGER {q(base + '_settle')} AFTER INSERT ON {commits} "
                   f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {settle.ref(ns)}"),
    ]
    for p in b.parents:
        note_p = _note_parent(b, ns, p)
        out += [note_p, statement_trigger(f"{base}_{p.alias}_upd", p.table, "UPDATE", note_p),
                statement_trigger(f"{base}_{p.alias}_del", p.table, "DELETE", note_p)]
    return out + [statement_trigger(f"{base}_{event[:3].lower()}", b.source, event, note)
                  for event in ("INSERT", "UPDATE", "DELETE")]


# -- SQLite: one writer at a time, mirror each write at once ------------------------

def _sqlite_objects(b: Backfill, ns: Namespace) -> list[SyncObject]:
    sql = BackfillSQL(b, "sqlite", ns)
    base, source = _base(b, ns), q(b.source)

    def keys_where(where: str) -> str:
        return f"IN (SELECT {SOURCE}.{q(b.key)} FROM {source} AS {SOURCE} WHERE {where})"

    def mirror(where: str) -> str:
        return " ".join(s + ";" for s in (sql.upsert(where), sql.forget(keys_where(where)),
                                          sql.quarantine(where), sql.unquarantine(where)) if s)

    def forget(key: str) -> str:
        return f"{sql.forget('= ' + key)}; {sql.forget_quarantine('= ' + key)};"

    def trigger(name: str, table: str, event: str, body: str) -> SyncObject:
        return SyncObject("trigger", name, q(table), f"CREATE TRIGGER {q(name)} AFTER {event} ON {q(table)} BEGIN {body} END")

    own = f"{SOURCE}.{q(b.key)} = NEW.{q(b.key)}"
    out = [
        trigger(f"{base}_ins", b.source, "INSERT", mirror(own)),
        trigger(f"{base}_upd", b.source, "UPDATE", f"{forget('OLD.' + q(b.key))} {mirror(own)}"),
        trigger(f"{base}_del", b.source, "DELETE", forget("OLD." + q(b.key))),
    ]
    for p in b.parents:
        watched = ", ".join(q(c) for c in b.parent_columns[p.alias])
        orphans = f"{SOURCE}.{q(p.on)} = OLD.{q(p.key)}"
        quarantine = sql.quarantine(orphans)
        out += [
            trigger(f"{base}_{p.alias}_upd", p.table, f"UPDATE OF {watched}",
                    mirror(f"{SOURCE}.{q(p.on)} = NEW.{q(p.key)}")),
            trigger(f"{base}_{p.alias}_del", p.table, "DELETE",
                    f"{sql.forget(keys_where(orphans))};" + (f" {quarantine};" if quarantine else "")),
        ]
    return out


def objects(b: Backfill, ns: Namespace) -> list[SyncObject]:
    return _pg_objects(b, ns) if ns.dialect == "postgresql" else _sqlite_objects(b, ns)


def install_statements(b: Backfill, ns: Namespace) -> list[str]:
    return [o.create for o in objects(b, ns)]


def remove_statements(b: Backfill, ns: Namespace) -> list[str]:
    """Triggers first, then the functions they call, then the table they are on."""
    return [o.drop(ns) for o in sorted(objects(b, ns), key=lambda o: _DROP_ORDER[o.kind])]


# -- what is installed, and making it what it should be ------------------------------

Installed = dict[tuple[str, str], str]  # (kind, name) -> its digest comment (PostgreSQL) or its SQL (SQLite)


def _identity(o: SyncObject, ns: Namespace) -> str:
    return o.digest if ns.dialect == "postgresql" else o.create


def installed(conn: sa.Connection, ns: Namespace) -> Installed:
    """What the database has now."""
    if ns.dialect == "sqlite":
        return {("trigger", name): sql for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    rows = conn.exec_driver_sql(
        "SELECT 'function', p.proname, obj_description(p.oid, 'pg_proc') FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(ns)s "
        "UNION ALL SELECT 'table', c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(ns)s AND c.relkind = 'r' "
        "UNION ALL SELECT 'trigger', t.tgname, obj_description(t.oid, 'pg_trigger') FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = %(ns)s AND NOT t.tgisinternal", {"ns": ns.schema}).fetchall()
    return {(kind, name): comment or "" for kind, name, comment in rows}


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
                out.append(o.drop(ns))
    for b in active:
        for o in objects(b, ns):
            want, current = _identity(o, ns), have.get((o.kind, o.name))
            if current == want:
                continue
            if o.kind == "trigger" and current is not None:
                out.append(o.drop(ns))  # a function is replaced in place; a table is created only if missing
            out.append(o.create)
            if ns.dialect == "postgresql":
                out.append(f"COMMENT ON {o.kind.upper()} {o.ref(ns)} IS '{want}'")
    return out


def missing(conn: sa.Connection, ns: Namespace, b: Backfill) -> list[str]:
    """Triggers of `b`'s sync that are not installed, or not as this version renders them."""
    have = installed(conn, ns)
    return [o.name for o in objects(b, ns) if o.kind == "trigger" and have.get((o.kind, o.name)) != _identity(o, ns)]
