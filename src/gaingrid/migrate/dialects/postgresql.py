"""PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa

from .base import Dialect


class PostgreSQL(Dialect):
    name = "postgresql"

    def invalid_objects(self, conn: sa.Connection) -> list[str]:
        return [r[0] for r in conn.exec_driver_sql(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT i.indisvalid "
            "UNION ALL SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
            "AND NOT convalidated")]

    def validated(self, conn: sa.Connection, constraint: str) -> bool:
        return bool(conn.exec_driver_sql("SELECT convalidated FROM pg_constraint WHERE conname = %(n)s",
                                         {"n": constraint}).scalar())
