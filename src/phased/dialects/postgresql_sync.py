"""PostgreSQL's sync: note the keys while the statements run, settle them at commit.

See sync.py for why (the lock order); this module renders it: statement-level
triggers note keys in transaction-local settings, and a deferred trigger on
the toolkit's own commit table settles them under sorted advisory locks.
"""
from __future__ import annotations

import zlib

from phased.declare.backfill import SOURCE, Backfill, Parent, q
from phased.declare.namespace import Namespace
from phased.dialects.backfill_sql import BackfillSQL
from phased.dialects.base import Dialect
from phased.dialects.postgresql_reverse import reverse_objects, reverse_writes
from phased.dialects.sync_objects import SyncObject, base_name, setting


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
    flag = setting(b, ns, "armed")
    return (f"IF current_setting('{flag}', true) IS DISTINCT FROM 'on' THEN PERFORM set_config('{flag}', 'on', true); "
            f"INSERT INTO {_commits(b, ns)} DEFAULT VALUES; END IF;")


def _lock_class(b: Backfill, ns: Namespace, p: Parent) -> int:
    """The advisory-lock class of one parent table of one backfill (a stable 31-bit number)."""
    return zlib.crc32(f"{ns.name}.{b.name}.{p.alias}".encode()) & 0x7FFFFFFF


def _function(ns: Namespace, name: str, body: str, declare: str = "") -> SyncObject:
    declare = f"DECLARE {declare} " if declare else ""
    return SyncObject("function", name, None,
                      f"CREATE OR REPLACE FUNCTION {ns.qualified(name)}() RETURNS trigger LANGUAGE plpgsql "
                      f"AS $gg$ {declare}BEGIN {body} RETURN NULL; END $gg$")


def _note_source(b: Backfill, ns: Namespace) -> SyncObject:
    arm = _arm(b, ns)

    def notes(rows: str) -> str:
        out = [_note(setting(b, ns, "keys"), f"ARRAY(SELECT r.{q(b.key)}::text FROM {rows} AS r)", arm)]
        out += [_note(setting(b, ns, p.alias), f"ARRAY(SELECT DISTINCT r.{q(p.on)}::text FROM {rows} AS r)", arm)
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
    noted, arm = setting(b, ns, p.alias), _arm(b, ns)
    return _function(ns, f"{b.name}_note_{p.alias}", f"IF TG_OP = 'UPDATE' THEN {_note(noted, updated, arm)} "
                                                     f"ELSE {_note(noted, deleted, arm)} END IF;", "gg_noted text[];")


def _settle(dialect: Dialect, b: Backfill, ns: Namespace) -> SyncObject:
    sql = BackfillSQL(b, dialect, ns)
    # Variables carry a prefix: PL/pgSQL would confuse a bare name with a column of the same name.
    settings = {"gg_keys": setting(b, ns, "keys"), **{f"gg_{p.alias}": setting(b, ns, p.alias) for p in b.parents}}
    declare = " ".join(f"{var} text[] := nullif(current_setting('{s}', true), '')::text[];"
                       for var, s in settings.items()) + " gg_class int; gg_lock int; gg_held text[]; gg_present text[];"
    # The commit-table row and the notes are this transaction's: spent here (a SET CONSTRAINTS
    # IMMEDIATE mid-transaction settles early, and later writes arm a new settle).
    spend = (f"DELETE FROM {_commits(b, ns)} WHERE id = NEW.id; "
             + " ".join(f"PERFORM set_config('{s}', '', true);" for s in [*settings.values(), setting(b, ns, "armed")]))
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
    if b.reverse is not None:
        # Two-way: a target row another transaction holds is that transaction's to settle at its
        # own commit (postgresql_reverse.py says why); waiting for it could close a cycle.
        key, target = q(b.key), q(b.target)
        # What is there is read before what is held: a row committed in between (a batch's insert) is
        # then one that was not there, and the upsert updates it, rather than one skipped as held.
        expand += (f" gg_present := ARRAY(SELECT t.{key}::text FROM {target} AS t WHERE t.{key} = ANY(gg_keys)); "
                   f"gg_held := ARRAY(SELECT t.{key}::text FROM {target} AS t WHERE t.{key} = ANY(gg_keys) "
                   f"ORDER BY 1 FOR UPDATE SKIP LOCKED); gg_keys := ARRAY(SELECT k FROM unnest(gg_keys) AS k "
                   f"WHERE k = ANY(gg_held) OR NOT k = ANY(gg_present) ORDER BY 1);")
    mine = f"{SOURCE}.{q(b.key)} = ANY(gg_keys)"
    writes = [sql.upsert(mine), sql.forget("= ANY(gg_keys)"), sql.quarantine(mine), sql.unquarantine(mine),
              sql.forget_quarantine("= ANY(gg_keys)")]
    return _function(ns, f"{b.name}_settle",
                     f"{spend} IF {nothing_noted} THEN RETURN NULL; END IF; {locks} {expand} "
                     + " ".join(s + ";" for s in writes if s), declare)


def sync_objects(dialect: Dialect, b: Backfill, ns: Namespace) -> list[SyncObject]:
    """The parents' triggers come first: installing a trigger locks its table against writes,
    and the app's nested creates and cascading deletes take the parent before the children."""
    base, commits = base_name(b, ns), _commits(b, ns)
    note, settle = _note_source(b, ns), _settle(dialect, b, ns)

    # Two-way: what the reverse trigger writes into the source is not noted (postgresql_reverse.py).
    unless = (f"WHEN (current_setting('{reverse_writes(b, ns)}', true) IS DISTINCT FROM 'on') "
              if b.reverse is not None else "")

    def statement_trigger(name: str, table: str, event: str, function: SyncObject) -> SyncObject:
        tables = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                  "DELETE": "OLD TABLE AS old_rows"}[event]
        return SyncObject("trigger", name, q(table), f"CREATE TRIGGER {q(name)} AFTER {event} ON {q(table)} "
                          f"REFERENCING {tables} FOR EACH STATEMENT {unless}EXECUTE FUNCTION {function.ref(ns)}")

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
    out += [statement_trigger(f"{base}_{event[:3].lower()}", b.source, event, note)
            for event in ("INSERT", "UPDATE", "DELETE")]
    if b.reverse is not None:
        out += reverse_objects(b, ns, dialect.new_key,
                               _note(setting(b, ns, "keys"), "ARRAY[gg_key]", _arm(b, ns)))
    return out
