"""Backfills: a source table mapped into a target table, declared as data.

One declaration renders every statement that moves rows (dialects/backfill_sql.py):
the set-based batch `INSERT … SELECT` over a keyset range, the quarantine of
rows that cannot be migrated, and the triggers that mirror legacy writes
during the transition (dialects/*_sync.py). One mapping, three uses: they
cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from phased.declare.sql import quote

SOURCE = "s"


@dataclass(frozen=True)
class Parent:
    """A table joined to the source row; a row without its parent cannot be migrated."""

    table: str
    alias: str
    on: str  # the source column that holds the parent's key
    key: str = "id"


@dataclass(frozen=True)
class Reference:
    """A target column that must name an existing row (the target's foreign key)."""

    column: str
    table: str
    key: str = "id"


@dataclass(frozen=True)
class Reverse:
    """Writes through the target mirrored back into the source while both shapes exist: the inverse
    of the backfill's mapping, so that the application that still reads the source sees them.

    A target column mapped from a source column is written back to it, only when the write
    changed it (a concurrent write through the source to another column is kept). The target
    columns mapped from the parent choose the source row's parent: the first (by key) whose
    columns equal them, else a new one, which the sync records as its own and deletes once no
    source row is left in it. `new_parent` fills a new parent's other columns:
    parent column -> target column.
    """

    new_parent: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Backfill:
    name: str
    source: str
    target: str
    columns: Mapping[str, str]  # target column -> "alias.column" (alias "s" is the source row)
    key: str = "id"  # the source's key, copied into the target column of the same name
    parents: tuple[Parent, ...] = ()
    references: tuple[Reference, ...] = ()
    reverse: Reverse | None = None  # two-way: the target's writes mirrored into the source (see Reverse)
    parent_columns: Mapping[str, tuple[str, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.columns.get(self.key) != f"{SOURCE}.{self.key}":
            raise ValueError(f"backfill {self.name}: target {self.key} must be {SOURCE}.{self.key}")
        used: dict[str, tuple[str, ...]] = {}
        for parent in self.parents:
            used[parent.alias] = tuple(sorted({e.split(".", 1)[1] for e in self.columns.values()
                                               if e.startswith(parent.alias + ".")}))
        object.__setattr__(self, "parent_columns", used)
        if self.reverse is not None and len(self.parents) > 1:
            raise ValueError(f"backfill {self.name}: a two-way sync supports one parent, not {len(self.parents)}")

    @property
    def written_back(self) -> dict[str, str]:
        """Two-way: source column -> the target column it is written back from (the key aside)."""
        return {e.split(".", 1)[1]: t for t, e in self.columns.items()
                if e.startswith(SOURCE + ".") and t != self.key}

    @property
    def parent_match(self) -> dict[str, str]:
        """Two-way: parent column -> the target column that must equal it, for the parent a target row picks."""
        if not self.parents:
            return {}
        alias = self.parents[0].alias
        return {e.split(".", 1)[1]: t for t, e in self.columns.items() if e.startswith(alias + ".")}


q = quote  # the engine's one way to quote a name (declare/sql.py)


def expr(ref: str) -> str:
    alias, column = ref.split(".", 1)
    return f"{alias}.{q(column)}"
