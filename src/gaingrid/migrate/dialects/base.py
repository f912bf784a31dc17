"""What every database's dialect object answers."""
from __future__ import annotations

import sqlalchemy as sa


class Dialect:
    name: str

    def invalid_objects(self, conn: sa.Connection) -> list[str] | None:
        """Indexes and constraints a failed or half-done step left invalid; None: the database has no such state."""
        return None

    def orphans(self, conn: sa.Connection, table: str, fks: list[sa.ForeignKeyConstraint]) -> dict[str, int]:
        """Rows of `table` whose key in each of `fks` names no row."""
        out = {}
        for fk in fks:
            (col,), (ref,) = [c.name for c in fk.columns], [e.column for e in fk.elements]
            out[fk.name] = conn.exec_driver_sql(
                f"SELECT count(*) FROM {quote(table)} AS c WHERE c.{quote(col)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {quote(ref.table.name)} AS p WHERE p.{quote(ref.name)} = c.{quote(col)})").scalar_one()
        return out

    def validated(self, conn: sa.Connection, constraint: str) -> bool:
        """Whether the database has validated `constraint` itself (then no check needs to repeat it)."""
        return False


def quote(name: str) -> str:
    """An identifier, double-quoted: the engine's one way to quote a name in SQL."""
    return '"' + name.replace('"', '""') + '"'
