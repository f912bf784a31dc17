"""Prisma DateTime values on SQLite, in every format Prisma writes them.

SQLite has no date type. Prisma's native SQLite connector stores a DateTime
as an integer (milliseconds since the epoch), its driver adapters as ISO-8601
text (`2025-06-05T16:22:00.000Z`, prisma/orm#25948), and SQLAlchemy as
`2025-06-05 16:22:00.000000`. SQLAlchemy's own SQLite type reads only the
last and takes a three-digit fraction for microseconds, so the service's
engine reads DateTime columns with `AnyPrismaDateTime` instead.

Ordering and range filters can't compare the stored values either (integers
sort before all text, and `T` after a space), so they go through `sortable`:
on SQLite one canonical text per instant, at Prisma's millisecond precision.
PostgreSQL stores a real timestamp and needs none of this.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gaingrid.models.dates import EPOCH, AnyPrismaDateTime, read_stored  # noqa: F401  (re-exported)

# strftime's %f is seconds with three decimals: "2025-06-05 16:22:00.123".
_CANONICAL = "%Y-%m-%d %H:%M:%f"


def use_on(engine: sa.Engine) -> None:
    """Make `engine` read every DateTime column with AnyPrismaDateTime (SQLite only).

    Set on this engine's dialect alone, before its first statement: the
    migration toolkit's engines keep SQLAlchemy's type.
    """
    if engine.dialect.name == "sqlite":
        engine.dialect.colspecs = {**type(engine.dialect).colspecs, sa.DateTime: AnyPrismaDateTime}


def sortable(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """An expression that orders and compares instants correctly whatever the stored format."""
    if dialect != "sqlite":
        return column
    numeric = sa.func.typeof(column).in_(("integer", "real"))
    return sa.case(
        (numeric, sa.func.strftime(_CANONICAL, sa.type_coerce(column, sa.Float) / 1000.0, "unixepoch")),
        else_=sa.func.strftime(_CANONICAL, column),
    )


def sort_value(instant: datetime, dialect: str) -> Any:
    """`instant` (naive UTC) as a value to compare with `sortable(...)`."""
    if dialect != "sqlite":
        return instant
    return sa.literal(instant.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], sa.Text)


def from_sort_key(key: Any) -> datetime:
    """The instant a `sortable(...)` value stands for (a cursor keeps it)."""
    return key if isinstance(key, datetime) else datetime.fromisoformat(key)


def in_range(key: sa.ColumnElement, dialect: str, start: datetime | None, end: datetime | None
             ) -> list[sa.ColumnElement[bool]]:
    """Conditions for start <= instant < end (either may be None) on a `sortable(...)` expression."""
    out = []
    if start is not None:
        out.append(key >= sort_value(start, dialect))
    if end is not None:
        out.append(key < sort_value(end, dialect))
    return out
