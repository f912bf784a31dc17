"""Prisma DateTime values on SQLite, read in every format Prisma writes them.

SQLite has no date type. Prisma's native SQLite connector stores a DateTime
as an integer (milliseconds since the epoch), its driver adapters as ISO-8601
text (`2025-06-05T16:22:00.000Z`, prisma/orm#25948), and SQLAlchemy as
`2025-06-05 16:22:00.000000`. SQLAlchemy's own SQLite type reads only the
last, so the models' DateTime reads with `AnyPrismaDateTime` on SQLite, as
naive UTC whatever wrote it. PostgreSQL stores a real timestamp.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.dialects import sqlite

EPOCH = datetime(1970, 1, 1)


def read_stored(value: Any) -> datetime | None:
    """A stored DateTime as naive UTC, whatever wrote it."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return EPOCH + timedelta(milliseconds=value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())  # any fraction; "T" or " "; "Z" or an offset
        except ValueError:
            raise ValueError(f"unreadable stored date-time {value!r}") from None
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    raise ValueError(f"unreadable stored date-time {value!r}")


class AnyPrismaDateTime(sqlite.DATETIME):
    """SQLite DATETIME that reads integer milliseconds and ISO-8601 text too; writes as SQLAlchemy does."""

    def result_processor(self, dialect, coltype):
        return read_stored
