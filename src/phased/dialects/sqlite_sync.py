"""SQLite's sync: one writer at a time, so each write is mirrored in the statement that makes it."""
from __future__ import annotations

from phased.declare.backfill import SOURCE, Backfill, q
from phased.declare.namespace import Namespace
from phased.dialects.backfill_sql import BackfillSQL
from phased.dialects.base import Dialect
from phased.dialects.sqlite_reverse import reverse_objects
from phased.dialects.sync_objects import SyncObject, base_name


def sync_objects(dialect: Dialect, b: Backfill, ns: Namespace) -> list[SyncObject]:
    sql = BackfillSQL(b, dialect, ns)
    base, source = base_name(b, ns), q(b.source)

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
    if b.reverse is not None:
        out += reverse_objects(b, ns, dialect.new_key)
    return out
