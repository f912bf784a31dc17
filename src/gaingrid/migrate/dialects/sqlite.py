"""SQLite."""
from __future__ import annotations

import sqlalchemy as sa

from .base import Dialect


class SQLite(Dialect):
    name = "sqlite"

    def orphans(self, conn: sa.Connection, table: str, fks: list[sa.ForeignKeyConstraint]) -> dict[str, int]:
        # One pass checks every key of the table, cheaper than a NOT EXISTS scan per key.
        found = {(ref, col): n for ref, col, n in conn.exec_driver_sql(
            "SELECT l.\"table\", l.\"from\", count(*) FROM pragma_foreign_key_check(?) AS v "
            "JOIN pragma_foreign_key_list(?) AS l ON l.id = v.fkid AND l.seq = 0 GROUP BY v.fkid",
            (table, table))}
        return {fk.name: found.get((fk.referred_table.name, fk.columns[0].name), 0) for fk in fks}
