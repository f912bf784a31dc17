"""The parts of a sync (tables, functions, triggers) and their names: what the dialects render
(dialects/*_sync.py) and movement/sync.py installs."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from phased.declare.backfill import Backfill, q
from phased.declare.namespace import Namespace


def base_name(b: Backfill, ns: Namespace) -> str:
    return f"{ns.name}_{b.name}"


def setting(b: Backfill, ns: Namespace, what: str) -> str:
    return f"{ns.name}.{b.name}_{what}"


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

    @property
    def digest(self) -> str:
        return "sync " + hashlib.sha256(self.create.encode()).hexdigest()[:16]
