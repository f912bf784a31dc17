"""Where the toolkit keeps its own bookkeeping, out of the application's tables.

PostgreSQL: a schema of its own, so that a team still running Prisma against
`public` sees no foreign tables. SQLite has no schemas: a table-name prefix.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from phased.declare.sql import quote


@dataclass(frozen=True)
class Namespace:
    name: str
    dialect: str  # the database's dialect name (dialects/: `of(ns.dialect)` renders for it)
    has_schemas: bool  # the dialect's answer: a schema of its own, or a prefix

    @property
    def schema(self) -> str | None:
        return self.name if self.has_schemas else None

    def table_name(self, name: str) -> str:
        return name if self.schema else f"{self.name}_{name}"

    def qualified(self, name: str) -> str:
        """A quoted, schema-qualified name for raw SQL."""
        table = quote(self.table_name(name))
        return f"{quote(self.schema)}.{table}" if self.schema else table

    def owns(self, table: str) -> bool:
        return self.schema is None and table.startswith(f"{self.name}_")

    def owns_index(self, name: str) -> bool:
        """Indexes live beside their table, so the toolkit's carry its name as a prefix on both databases."""
        return name.startswith(f"{self.name}_")

    def ensure(self, conn: sa.Connection) -> None:
        if self.schema:
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
