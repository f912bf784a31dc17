"""SQLite's reverse sync: each write through the target mirrored into the source by the statement that makes it.

One writer at a time, so no lock order to keep. Without variables, a trigger
keeps what it must remember in the parents table: the parents it created
(`made_for`: the target row that needed one), and those a move or a delete
may have left empty (`vacated`), which it deletes if they are empty and its own.

No loop: the forward sync's write to the target fires these triggers too, but
by then the source already holds what the target does, so they write nothing
(each write-back is guarded by "the source differs"). SQLite does not fire a
trigger from inside itself, so the chain stops there.
"""
from __future__ import annotations

from phased.declare.backfill import Backfill, q
from phased.declare.namespace import Namespace
from phased.dialects.sync_objects import SyncObject, base_name


def insert_trigger(b: Backfill, ns: Namespace) -> str:
    """The name of the trigger that mirrors a target row's insert into the source."""
    return f"{base_name(b, ns)}_rev_ins"


def reverse_objects(b: Backfill, ns: Namespace, new_key: str) -> list[SyncObject]:
    assert b.reverse is not None
    p = b.parents[0]
    src, par, tgt, key, on, pk = q(b.source), q(p.table), q(b.target), q(b.key), q(p.on), q(p.key)
    parents = ns.qualified(f"{b.name}_parents")
    parents_name = q(ns.table_name(f"{b.name}_parents"))  # SQLite allows no alias in a trigger's DELETE
    base = base_name(b, ns)
    match = " AND ".join(f"w.{q(pc)} = NEW.{q(tc)}" for pc, tc in b.parent_match.items())
    fill = {**{pc: f"NEW.{q(tc)}" for pc, tc in b.parent_match.items()},
            **{pc: f"NEW.{q(tc)}" for pc, tc in b.reverse.new_parent.items()}}
    back = b.written_back

    def create_parent(when: str) -> str:
        latest = f"p.rowid = (SELECT max(rowid) FROM {parents} WHERE made_for = NEW.{key})"
        return (f"INSERT INTO {parents} (key, made_for) SELECT {new_key}, NEW.{key} "
                f"WHERE {when} AND NOT EXISTS (SELECT 1 FROM {par} AS w WHERE {match}); "
                f"INSERT INTO {par} ({pk}, {', '.join(q(c) for c in fill)}) "
                f"SELECT p.key, {', '.join(fill.values())} FROM {parents} AS p WHERE {when} AND {latest} "
                f"AND NOT EXISTS (SELECT 1 FROM {par} AS w WHERE w.{pk} = p.key) "
                f"AND NOT EXISTS (SELECT 1 FROM {par} AS w WHERE {match});")

    parent = f"(SELECT w.{pk} FROM {par} AS w WHERE {match} ORDER BY w.{pk} LIMIT 1)"
    sweep = (f"DELETE FROM {par} WHERE {pk} IN (SELECT key FROM {parents} WHERE vacated = 1) "
             f"AND NOT EXISTS (SELECT 1 FROM {src} AS s WHERE s.{on} = {par}.{pk}); "
             f"DELETE FROM {parents} WHERE vacated = 1 AND NOT EXISTS (SELECT 1 FROM {par} AS w "
             f"WHERE w.{pk} = {parents_name}.key); UPDATE {parents} SET vacated = 0 WHERE vacated = 1;")

    def vacate(row: str) -> str:
        return f"UPDATE {parents} SET vacated = 1 WHERE key = (SELECT s.{on} FROM {src} AS s WHERE s.{key} = {row}.{key});"

    no_source = f"NOT EXISTS (SELECT 1 FROM {src} AS s WHERE s.{key} = NEW.{key})"
    insert = (create_parent(no_source)
              + f" INSERT INTO {src} ({key}, {on}, {', '.join(q(c) for c in back)}) SELECT NEW.{key}, {parent}, "
              + ", ".join(f"NEW.{q(t)}" for t in back.values()) + f" WHERE {no_source};")
    # As on PostgreSQL (postgresql_reverse.py): a column goes back only when this write changed it, and
    # the entry moves only when this write changed the parent columns and its parent no longer matches.
    moved = ("(" + " OR ".join(f"NEW.{q(t)} IS NOT OLD.{q(t)}" for t in b.parent_match.values()) + ") AND NOT EXISTS "
             f"(SELECT 1 FROM {src} AS s JOIN {par} AS w ON w.{pk} = s.{on} WHERE s.{key} = NEW.{key} AND {match})")
    changed = {c: f"NEW.{q(t)} IS NOT OLD.{q(t)}" for c, t in back.items()}
    update = (f"UPDATE {parents} SET vacated = 1 WHERE {moved} AND key = (SELECT s.{on} FROM {src} AS s "
              f"WHERE s.{key} = NEW.{key}); "
              + create_parent(moved)
              + f" UPDATE {src} SET {on} = CASE WHEN {moved} THEN {parent} ELSE {on} END, "
              + ", ".join(f"{q(c)} = CASE WHEN {cond} THEN NEW.{q(back[c])} ELSE {q(c)} END" for c, cond in changed.items())
              + f" WHERE {key} = NEW.{key} AND (({moved}) OR "
              + " OR ".join(f"({cond} AND {q(c)} IS NOT NEW.{q(back[c])})" for c, cond in changed.items()) + ");")

    def trigger(name: str, event: str, body: str, when: str = "") -> SyncObject:
        when = f" WHEN {when}" if when else ""
        return SyncObject("trigger", name, tgt, f"CREATE TRIGGER {q(name)} AFTER {event} ON {tgt}{when} BEGIN {body} END")

    return [
        SyncObject("table", f"{b.name}_parents", None, f"CREATE TABLE IF NOT EXISTS {parents} "
                   f"(key TEXT PRIMARY KEY, made_for TEXT NOT NULL, vacated INTEGER NOT NULL DEFAULT 0)"),
        trigger(insert_trigger(b, ns), "INSERT", insert, when=no_source),
        trigger(f"{base}_rev_upd", "UPDATE", f"{update} {sweep}", when=f"NOT {no_source}"),
        trigger(f"{base}_rev_del", "DELETE", f"{vacate('OLD')} DELETE FROM {src} WHERE {key} = OLD.{key}; {sweep}"),
    ]
