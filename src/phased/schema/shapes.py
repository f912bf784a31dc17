"""Schema shapes: what a database physically holds, compared name for name.

A shape is built either from a live database (reflection) or from SQLAlchemy
metadata, normalized the same way, so that two shapes compare equal exactly
when the schemas are equivalent (column order aside). Metadata elements may be
tagged ``info={"phase": n}`` (added by phase n) and tables
``info={"dropped_in": n}``; `metadata_at_phase` derives each phase's expected
schema from one set of models.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from phased import dialects


@dataclass(frozen=True)
class ColumnShape:
    type: str
    nullable: bool
    default: str | None


@dataclass(frozen=True)
class ForeignKeyShape:
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]
    ondelete: str
    onupdate: str


@dataclass(frozen=True)
class IndexShape:
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True)
class TableShape:
    columns: dict[str, ColumnShape]
    primary_key: tuple[str | None, tuple[str, ...]]
    foreign_keys: dict[str, ForeignKeyShape]
    indexes: dict[str, IndexShape]


@dataclass(frozen=True)
class Additions:
    """What another tool's own migrations added to the application's schema (a team's Prisma
    migrations, say), by name: every comparison leaves exactly that out (`SchemaShape.without`)."""

    tables: frozenset[str] = frozenset()
    columns: frozenset[tuple[str, str]] = frozenset()  # (table, column)
    indexes: frozenset[tuple[str, str]] = frozenset()  # (table, index)
    foreign_keys: frozenset[tuple[str, str]] = frozenset()  # (table, constraint)
    enums: frozenset[str] = frozenset()

    def __or__(self, other: "Additions") -> "Additions":
        return Additions(self.tables | other.tables, self.columns | other.columns, self.indexes | other.indexes,
                         self.foreign_keys | other.foreign_keys, self.enums | other.enums)

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns or self.indexes or self.foreign_keys or self.enums)


@dataclass(frozen=True)
class SchemaShape:
    tables: dict[str, TableShape] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def without(self, added: Additions) -> "SchemaShape":
        """This shape less what another tool's migrations added."""
        if not added:
            return self
        tables = {
            name: replace(t, columns={c: v for c, v in t.columns.items() if (name, c) not in added.columns},
                          foreign_keys={k: v for k, v in t.foreign_keys.items() if (name, k) not in added.foreign_keys},
                          indexes={i: v for i, v in t.indexes.items() if (name, i) not in added.indexes})
            for name, t in self.tables.items() if name not in added.tables
        }
        return SchemaShape(tables, {n: v for n, v in self.enums.items() if n not in added.enums})

    def without_foreign_keys(self, names: tuple[str, ...]) -> "SchemaShape":
        tables = {
            name: replace(t, foreign_keys={k: v for k, v in t.foreign_keys.items() if k not in names})
            for name, t in self.tables.items()
        }
        return SchemaShape(tables, self.enums)

    def diff_between(self, other: "SchemaShape", actual: "SchemaShape") -> list[str]:
        """Differences of `actual` from every shape part way between self and `other`.

        Tables, columns, primary keys and enums must be self's; each index and
        foreign key that only one of the two has may be there or not (a phase's
        step that commits in parts, stopped between them).
        """
        strip = lambda shape: SchemaShape(  # noqa: E731
            {n: replace(t, indexes={}, foreign_keys={}) for n, t in shape.tables.items()}, shape.enums)
        out = strip(self).diff(strip(actual))
        for name in sorted(self.tables.keys() & actual.tables.keys()):
            mine, theirs, live = self.tables[name], other.tables.get(name), actual.tables[name]
            for what, attr in (("index", "indexes"), ("foreign key", "foreign_keys")):
                have, alt, found = getattr(mine, attr), getattr(theirs, attr) if theirs else {}, getattr(live, attr)
                for key in sorted(have.keys() | alt.keys() | found.keys()):
                    allowed = [v for v in (have.get(key), alt.get(key)) if v is not None]
                    needed = have.get(key) is not None and have.get(key) == alt.get(key)
                    if key not in found and needed:
                        out.append(f"{name}: missing {what} {key}")
                    elif key in found and found[key] not in allowed:
                        out.append(f"{name}: unexpected {what} {key}" if not allowed
                                   else f"{name}: {what} {key} is {found[key]}, expected {allowed[0]}")
        return out

    def diff(self, actual: "SchemaShape") -> list[str]:
        """Human-readable differences, from self (expected) to `actual`."""
        out: list[str] = []
        _diff_keys(out, "enum", self.enums, actual.enums, lambda n, e, a: [f"enum {n}: values {a} != expected {e}"])
        _diff_keys(out, "table", self.tables, actual.tables, _diff_table)
        return out


def _diff_keys(out, what, expected: dict, actual: dict, on_both) -> None:
    for name in sorted(expected.keys() - actual.keys()):
        out.append(f"missing {what} {name}")
    for name in sorted(actual.keys() - expected.keys()):
        out.append(f"unexpected {what} {name}")
    for name in sorted(expected.keys() & actual.keys()):
        if expected[name] != actual[name]:
            out.extend(on_both(name, expected[name], actual[name]))


def _diff_table(table: str, e: TableShape, a: TableShape) -> list[str]:
    out: list[str] = []

    def changed(what):
        return lambda n, ev, av: [f"{what} {n} is {av}, expected {ev}"]

    _diff_keys(out, "column", e.columns, a.columns, changed("column"))
    _diff_keys(out, "foreign key", e.foreign_keys, a.foreign_keys, changed("foreign key"))
    _diff_keys(out, "index", e.indexes, a.indexes, changed("index"))
    if e.primary_key != a.primary_key:
        out.append(f"primary key is {a.primary_key}, expected {e.primary_key}")
    return [f"{table}: {line}" for line in out]


# -- normalization ---------------------------------------------------------

_CAST = re.compile(r"::[a-z ]+(\(\d+\))?", re.I)


def _norm_default(default: object, dialect: Dialect) -> str | None:
    if default is None:
        return None
    if isinstance(default, sa.schema.DefaultClause):
        default = default.arg
    if isinstance(default, sa.sql.ClauseElement):
        default = str(default.compile(dialect=dialect))
    text = _CAST.sub("", str(default)).strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    lowered = text.lower()
    return {"1": "true", "0": "false"}.get(lowered, lowered if lowered in ("true", "false") else text)


def _norm_type(type_: sa.types.TypeEngine, dialect: Dialect) -> str:
    return type_.compile(dialect=dialect).replace('"', "").upper()


def _norm_action(action: str | None) -> str:
    return (action or "NO ACTION").upper()


# -- shapes from metadata ----------------------------------------------------

def _phase_of(element: object, default: int = 1) -> int:
    return getattr(element, "info", {}).get("phase", default)


def metadata_at_phase(metadata: sa.MetaData, phase: int) -> sa.MetaData:
    """The subset of `metadata` that exists after `phase`."""
    out = sa.MetaData()
    for table in metadata.sorted_tables:
        born = _phase_of(table)
        dropped = table.info.get("dropped_in")
        if born > phase or (dropped is not None and dropped <= phase):
            continue
        columns = [c._copy() for c in table.columns if _phase_of(c, born) <= phase]
        names = {c.name for c in columns}
        args: list[sa.SchemaItem] = [*columns]
        pk = table.primary_key
        args.append(sa.PrimaryKeyConstraint(*[c.name for c in pk.columns], name=pk.name))
        for fk in table.foreign_key_constraints:
            if all(c.name in names for c in fk.columns):
                args.append(sa.ForeignKeyConstraint(
                    [c.name for c in fk.columns], [e.target_fullname for e in fk.elements],
                    name=fk.name, ondelete=fk.ondelete, onupdate=fk.onupdate,
                ))
        for index in table.indexes:
            if _phase_of(index, born) <= phase and all(c.name in names for c in index.columns):
                args.append(sa.Index(index.name, *[c.name for c in index.columns], unique=index.unique))
        sa.Table(table.name, out, *args, info=dict(table.info))
    return out


def shape_from_metadata(metadata: sa.MetaData, dialect: Dialect) -> SchemaShape:
    tables: dict[str, TableShape] = {}
    enums: dict[str, tuple[str, ...]] = {}
    for table in metadata.sorted_tables:
        columns = {}
        for c in table.columns:
            columns[c.name] = ColumnShape(_norm_type(c.type, dialect), bool(c.nullable), _norm_default(c.server_default, dialect))
            if isinstance(c.type, sa.Enum) and dialects.of(dialect.name).has_enum_types:
                enums[c.type.name] = tuple(c.type.enums)
        fks = {
            fk.name: ForeignKeyShape(
                tuple(c.name for c in fk.columns), fk.referred_table.name,
                tuple(e.column.name for e in fk.elements), _norm_action(fk.ondelete), _norm_action(fk.onupdate),
            )
            for fk in table.foreign_key_constraints
        }
        indexes = {i.name: IndexShape(tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes}
        pk = table.primary_key
        pk_name = pk.name if dialects.of(dialect.name).names_primary_keys else None
        tables[table.name] = TableShape(columns, (pk_name, tuple(c.name for c in pk.columns)), fks, indexes)
    return SchemaShape(tables, enums)


# -- shapes from a live database -----------------------------------------------

def shape_from_database(conn: Connection, ignore: Callable[[str], bool] = lambda name: False,
                        ignore_index: Callable[[str], bool] = lambda name: False) -> SchemaShape:
    """Reflect the application schema (`public` on PostgreSQL) into a shape.

    Tables for which `ignore` is true (bookkeeping: ours, or another tool's
    such as Prisma's `_prisma_migrations`) and SQLite's internal tables are
    left out, and so are indexes for which `ignore_index` is true (the
    toolkit's own, which it drops when it no longer needs them).
    """
    dialect = conn.dialect
    insp = sa.inspect(conn)
    names = [n for n in insp.get_table_names() if not (ignore(n) or n.startswith("sqlite_"))]
    # One catalog query per kind for all the tables (per table, PostgreSQL took 0.17 s a reflection).
    every = {kind: getattr(insp, f"get_multi_{kind}")(filter_names=names) if names else {}
             for kind in ("columns", "pk_constraint", "foreign_keys", "indexes")}
    tables: dict[str, TableShape] = {}
    for name in names:
        columns = {
            c["name"]: ColumnShape(_norm_type(c["type"], dialect), bool(c["nullable"]), _norm_default(c.get("default"), dialect))
            for c in every["columns"][(None, name)]
        }
        pk = every["pk_constraint"][(None, name)]
        pk_name = pk.get("name") if dialects.of(dialect.name).names_primary_keys else None
        fks = {
            fk["name"]: ForeignKeyShape(
                tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
                _norm_action(fk["options"].get("ondelete")), _norm_action(fk["options"].get("onupdate")),
            )
            for fk in every["foreign_keys"][(None, name)]
        }
        indexes = {
            i["name"]: IndexShape(tuple(i["column_names"]), bool(i["unique"]))
            for i in every["indexes"][(None, name)]
            if not i.get("duplicates_constraint") and not ignore_index(i["name"])
        }
        tables[name] = TableShape(columns, (pk_name, tuple(pk["constrained_columns"])), fks, indexes)
    enums: dict[str, tuple[str, ...]] = {}
    if dialects.of(dialect.name).has_enum_types:
        enums = {e["name"]: tuple(e["labels"]) for e in insp.get_enums() if e.get("schema") in (None, "public")}
    return SchemaShape(tables, enums)
