"""Transition-period sync: triggers that keep a backfill's target in step
with every legacy write, rendered per dialect from the backfill's mapping.

Installed in the same transaction as the DDL that creates the target, so no
write falls between the install and the backfill; removed by the phase that
retires the legacy source, or by the downgrade of the phase that added it.
"""
from __future__ import annotations

import sqlalchemy as sa

from .backfill import SOURCE, Backfill, BackfillSQL, q
from .namespace import Namespace


def _names(b: Backfill) -> dict[str, str]:
    return {
        "source": f"gaingrid_sync_{b.name}",
        **{f"parent:{p.alias}": f"gaingrid_sync_{b.name}_{p.alias}" for p in b.parents},
    }


def _row_statements(sql: BackfillSQL, where: str) -> list[str]:
    """Bring the target (and the quarantine) in line with the source rows matching `where`."""
    # Locking the rows it reads makes two legacy writers (say, one adding an
    # exercise to a workout, one moving that workout's date) serialize here
    # instead of each mirroring a state the other has already changed.
    return [s for s in (sql.upsert(where, lock=True), sql.quarantine(where), sql.unquarantine(where)) if s]


def _forget(sql: BackfillSQL, key: str) -> list[str]:
    b = sql.b
    return [f"DELETE FROM {q(b.target)} WHERE {q(b.key)} = {key}",
            f"DELETE FROM {sql.ns.qualified('quarantine')} WHERE backfill = '{b.name}' AND source_key = {key}"]


def _orphan(sql: BackfillSQL, parent_key: str, on: str) -> list[str]:
    """A parent is gone: its children's targets go, and children still present are quarantined."""
    b = sql.b
    where = f"{SOURCE}.{q(on)} = {parent_key}"
    statements = [f"DELETE FROM {q(b.target)} WHERE {q(b.key)} IN "
                  f"(SELECT {SOURCE}.{q(b.key)} FROM {q(b.source)} AS {SOURCE} WHERE {where})"]
    quarantine = sql.quarantine(where)
    return statements + ([quarantine] if quarantine else [])


def install_statements(b: Backfill, dialect: str, ns: Namespace) -> list[str]:
    sql = BackfillSQL(b, dialect, ns)
    names = _names(b)
    key_new, key_old = f'NEW.{q(b.key)}', f'OLD.{q(b.key)}'
    own_row = f"{SOURCE}.{q(b.key)} = {key_new}"
    if dialect == "postgresql":
        fn = lambda name: ns.qualified(name)  # noqa: E731
        body = lambda stmts: "; ".join(stmts) + ";"  # noqa: E731
        out = [
            f"CREATE OR REPLACE FUNCTION {fn(names['source'])}() RETURNS trigger LANGUAGE plpgsql AS $gg$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN {body(_forget(sql, key_old))} RETURN NULL; END IF; "
            f"IF TG_OP = 'UPDATE' AND {key_old} IS DISTINCT FROM {key_new} THEN {body(_forget(sql, key_old))} END IF; "
            f"{body(_row_statements(sql, own_row))} "
            f"RETURN NULL; END $gg$",
            f"CREATE TRIGGER {q(names['source'])} AFTER INSERT OR UPDATE OR DELETE ON {q(b.source)} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn(names['source'])}()",
        ]
        for p in b.parents:
            name = names[f"parent:{p.alias}"]
            watched = b.parent_columns[p.alias]
            changed = " OR ".join(f"OLD.{q(c)} IS DISTINCT FROM NEW.{q(c)}" for c in watched) or "FALSE"
            out += [
                f"CREATE OR REPLACE FUNCTION {fn(name)}() RETURNS trigger LANGUAGE plpgsql AS $gg$ BEGIN "
                f"IF TG_OP = 'DELETE' THEN {body(_orphan(sql, 'OLD.' + q(p.key), p.on))} "
                f"ELSIF {changed} THEN {body(_row_statements(sql, f'{SOURCE}.{q(p.on)} = NEW.{q(p.key)}'))} END IF; "
                f"RETURN NULL; END $gg$",
                f"CREATE TRIGGER {q(name)} AFTER UPDATE OR DELETE ON {q(p.table)} "
                f"FOR EACH ROW EXECUTE FUNCTION {fn(name)}()",
            ]
        return out
    body = lambda stmts: " ".join(s + ";" for s in stmts)  # noqa: E731
    src = names["source"]
    out = [
        f"CREATE TRIGGER {q(src + '_ins')} AFTER INSERT ON {q(b.source)} BEGIN "
        f"{body(_row_statements(sql, own_row))} END",
        f"CREATE TRIGGER {q(src + '_upd')} AFTER UPDATE ON {q(b.source)} BEGIN "
        f"{body([s + f' AND {key_old} IS NOT {key_new}' for s in _forget(sql, key_old)])} "
        f"{body(_row_statements(sql, own_row))} END",
        f"CREATE TRIGGER {q(src + '_del')} AFTER DELETE ON {q(b.source)} BEGIN {body(_forget(sql, key_old))} END",
    ]
    for p in b.parents:
        name = names[f"parent:{p.alias}"]
        watched = ", ".join(q(c) for c in b.parent_columns[p.alias])
        out += [
            f"CREATE TRIGGER {q(name + '_upd')} AFTER UPDATE OF {watched} ON {q(p.table)} BEGIN "
            f"{body(_row_statements(sql, f'{SOURCE}.{q(p.on)} = NEW.{q(p.key)}'))} END",
            f"CREATE TRIGGER {q(name + '_del')} AFTER DELETE ON {q(p.table)} BEGIN "
            f"{body(_orphan(sql, 'OLD.' + q(p.key), p.on))} END",
        ]
    return out


def remove_statements(b: Backfill, dialect: str, ns: Namespace) -> list[str]:
    names = _names(b)
    if dialect == "postgresql":
        tables = {"source": b.source, **{f"parent:{p.alias}": p.table for p in b.parents}}
        out = []
        for role, name in names.items():
            out.append(f"DROP TRIGGER IF EXISTS {q(name)} ON {q(tables[role])}")
            out.append(f"DROP FUNCTION IF EXISTS {ns.qualified(name)}()")
        return out
    suffixes = {"source": ("_ins", "_upd", "_del"), **{f"parent:{p.alias}": ("_upd", "_del") for p in b.parents}}
    return [f"DROP TRIGGER IF EXISTS {q(names[role] + s)}" for role in names for s in suffixes[role]]


def installed(conn: sa.Connection, b: Backfill) -> bool:
    name = _names(b)["source"]
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql("SELECT 1 FROM pg_trigger WHERE tgname = %(n)s", {"n": name}).first()
    else:
        found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                     (name + "_ins",)).first()
    return found is not None


def reconcile(conn: sa.Connection, ns: Namespace, active: list[Backfill], retired: list[Backfill]) -> None:
    """Make the installed triggers exactly those of the `active` backfills."""
    for b in retired:
        for statement in remove_statements(b, conn.dialect.name, ns):
            conn.exec_driver_sql(statement)
    for b in active:
        for statement in remove_statements(b, conn.dialect.name, ns) + install_statements(b, conn.dialect.name, ns):
            conn.exec_driver_sql(statement)
