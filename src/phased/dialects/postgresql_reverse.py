"""PostgreSQL's reverse sync: a write through the target mirrored into the source, in the same transaction.

The lock order, and why
-----------------------
The new app writes the target row first (its statement locks it), then this
row trigger writes the source row (and may create or delete a parent). The
legacy app writes the source row first, and the forward settle writes the
target row at its commit. Those are opposite orders on the same pair of rows,
so the forward settle never waits for a target row another transaction
holds: it locks the target rows it recomputes with SKIP LOCKED and leaves
the held ones to their holder. That is safe because every holder of a target
row settles it again at its own commit, from the committed source: a new-app
write notes its key here (whether or not it wrote the source), another
settle holds it only under the same parent's advisory lock, and a batch
inserts only rows no one else has. The holder waits for the source row, if at
all, after the legacy transaction commits, then sees its changes.

No loop: the forward settle's writes run at trigger depth 1 and the engine's
own batches set `<backfill>_engine_writes`, and the trigger's WHEN skips both.
No lost update: a source column is written back only when this write changed
it, so a concurrent legacy write to another column is kept; and the entry
moves to another parent only when this write changed the parent columns. An update whose source row is gone (a concurrent legacy delete) writes
nothing back, and the settle then forgets the target row: a delete is never
undone.
"""
from __future__ import annotations

from phased.declare.backfill import Backfill, q
from phased.declare.namespace import Namespace
from phased.dialects.sync_objects import SyncObject, base_name, setting


def parents_table(b: Backfill, ns: Namespace) -> str:
    """The parents the reverse sync created (and only those it may delete once empty)."""
    return ns.qualified(f"{b.name}_parents")


def engine_writes(b: Backfill, ns: Namespace) -> str:
    """The transaction-local setting the engine's batches turn on: their target writes are not mirrored back."""
    return setting(b, ns, "engine_writes")


def reverse_writes(b: Backfill, ns: Namespace) -> str:
    """The transaction-local setting on while the reverse trigger writes the source: the forward
    notes leave those writes out."""
    return setting(b, ns, "reverse_writes")


def reverse_objects(b: Backfill, ns: Namespace, new_key: str, note: str) -> list[SyncObject]:
    """The parents table, the reverse function and its row trigger on the target.
    `note`: the statement that notes `gg_key` for the forward settle at commit."""
    assert b.reverse is not None
    p = b.parents[0]
    src, par, key, on, pk = q(b.source), q(p.table), q(b.key), q(p.on), q(p.key)
    parents = parents_table(b, ns)
    match = " AND ".join(f"w.{q(pc)} = NEW.{q(tc)}" for pc, tc in b.parent_match.items())
    fill = {**{pc: f"NEW.{q(tc)}" for pc, tc in b.parent_match.items()},
            **{pc: f"NEW.{q(tc)}" for pc, tc in b.reverse.new_parent.items()}}
    pick = (f"SELECT w.{pk} INTO gg_parent FROM {par} AS w WHERE {match} ORDER BY w.{pk} LIMIT 1; "
            f"IF gg_parent IS NULL THEN gg_parent := {new_key}; "
            f"INSERT INTO {par} ({pk}, {', '.join(q(c) for c in fill)}) VALUES (gg_parent, {', '.join(fill.values())}); "
            f"INSERT INTO {parents} (key) VALUES (gg_parent); END IF;")
    back = b.written_back
    insert = (f"INSERT INTO {src} ({key}, {on}, {', '.join(q(c) for c in back)}) "
              f"VALUES (NEW.{key}, gg_parent, {', '.join(f'NEW.{q(t)}' for t in back.values())}) "
              f"ON CONFLICT ({key}) DO NOTHING;")
    changed = {c: f"NEW.{q(t)} IS DISTINCT FROM OLD.{q(t)}" for c, t in back.items()}
    update = (f"UPDATE {src} AS s SET {on} = gg_parent, "
              + ", ".join(f"{q(c)} = CASE WHEN {cond} THEN NEW.{q(back[c])} ELSE s.{q(c)} END"
                          for c, cond in changed.items())
              + f" WHERE s.{key} = NEW.{key} AND (s.{on} IS DISTINCT FROM gg_parent OR "
              + " OR ".join(f"({cond} AND s.{q(c)} IS DISTINCT FROM NEW.{q(back[c])})" for c, cond in changed.items())
              + ");")
    # The entry moves only when this write changed the parent columns and its parent does not match them
    # already: a write to other columns leaves it where the legacy app put it (even in a parent whose
    # columns a legacy write just changed, which the settle then carries into the target).
    moved = " OR ".join(f"NEW.{q(t)} IS DISTINCT FROM OLD.{q(t)}" for t in b.parent_match.values())
    in_place = f"NOT ({moved}) OR EXISTS (SELECT 1 FROM {par} AS w WHERE w.{pk} = gg_old AND {match})"
    # A parent is deleted only if no one else holds it (a legacy insert into it holds its key): lock it
    # without waiting, then look again, in a fresh snapshot. Held, it stays, empty, for a later write.
    vacate = (f"FOR gg_w IN SELECT DISTINCT x FROM unnest(ARRAY[gg_old, gg_parent]) AS x WHERE x IS NOT NULL LOOP "
              f"IF EXISTS (SELECT 1 FROM {parents} WHERE key = gg_w) THEN "
              f"PERFORM 1 FROM {par} WHERE {pk} = gg_w FOR UPDATE SKIP LOCKED; "
              f"IF FOUND AND NOT EXISTS (SELECT 1 FROM {src} AS s WHERE s.{on} = gg_w) THEN "
              f"DELETE FROM {par} WHERE {pk} = gg_w; DELETE FROM {parents} WHERE key = gg_w; END IF; END IF; END LOOP;")
    # Its own writes to the source and the parent are not noted for the settle (the target already holds
    # them; a note per row would make a bulk insert quadratic); an update or delete notes its key once,
    # for the settle to bring in what a legacy transaction committed while this one waited.
    writing = f"PERFORM set_config('{reverse_writes(b, ns)}', 'on', true);"
    done = f"PERFORM set_config('{reverse_writes(b, ns)}', '', true);"
    body = (
        f"{writing} IF TG_OP = 'INSERT' THEN gg_key := NEW.{key}; {pick} {insert} "
        f"ELSE gg_key := OLD.{key}; SELECT s.{on} INTO gg_old FROM {src} AS s WHERE s.{key} = OLD.{key}; "
        f"IF TG_OP = 'DELETE' THEN DELETE FROM {src} WHERE {key} = OLD.{key}; "
        f"ELSIF gg_old IS NOT NULL THEN "
        f"IF {in_place} THEN gg_parent := gg_old; ELSE {pick} END IF; {update} END IF; END IF; "
        f"{vacate} {done} IF TG_OP <> 'INSERT' THEN {note} END IF;"
    )
    name = f"{b.name}_reverse"
    function = SyncObject("function", name, None,
                          f"CREATE OR REPLACE FUNCTION {ns.qualified(name)}() RETURNS trigger LANGUAGE plpgsql AS $gg$ "
                          f"DECLARE gg_key text; gg_old text; gg_parent text; gg_w text; gg_noted text[]; "
                          f"BEGIN {body} RETURN NULL; END $gg$")
    skip = f"pg_trigger_depth() < 1 AND current_setting('{engine_writes(b, ns)}', true) IS DISTINCT FROM 'on'"
    trigger_name = f"{base_name(b, ns)}_rev"
    return [
        SyncObject("table", f"{b.name}_parents", None, f"CREATE TABLE IF NOT EXISTS {parents} (key text PRIMARY KEY)"),
        function,
        SyncObject("trigger", trigger_name, q(b.target),
                   f"CREATE TRIGGER {q(trigger_name)} AFTER INSERT OR UPDATE OR DELETE ON {q(b.target)} "
                   f"FOR EACH ROW WHEN ({skip}) EXECUTE FUNCTION {function.ref(ns)}"),
    ]
