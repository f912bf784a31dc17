"""Declarative base and the column conventions Prisma uses on PostgreSQL.

Every table, column, constraint and index carries the physical name that
Prisma would give it, so the existing Prisma app keeps working. Elements
added by a migration phase are tagged with ``info={"phase": n}``; that lets
``gaingrid.phases`` derive the exact expected schema after each phase from
these models alone.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import cuid
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .dates import AnyPrismaDateTime

# Prisma's DateTime: TIMESTAMP(3) WITHOUT TIME ZONE on PostgreSQL, holding UTC.
PrismaDateTime = (sa.DateTime().with_variant(postgresql.TIMESTAMP(precision=3), "postgresql")
                  .with_variant(AnyPrismaDateTime(), "sqlite"))
CURRENT_TIMESTAMP = sa.text("CURRENT_TIMESTAMP")
TRUE = sa.text("true")


def utcnow() -> datetime:
    """Naive UTC at millisecond precision, as Prisma stores it."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_id() -> str:
    """Prisma's @default(cuid()): the application makes the id."""
    return cuid.cuid()


def phase(n: int, **extra: Any) -> dict[str, Any]:
    """The `info` tag of an element that phase `n` adds."""
    return {"phase": n, **extra}


class Base(DeclarativeBase):
    pass


def id_column() -> Mapped[str]:
    return mapped_column(sa.Text, primary_key=True, default=new_id)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(PrismaDateTime, nullable=False, server_default=CURRENT_TIMESTAMP, default=utcnow)


def updated_at_column() -> Mapped[datetime]:
    # @updatedAt has no database default: the writer sets it on every write.
    return mapped_column(PrismaDateTime, nullable=False, default=utcnow, onupdate=utcnow)


def fk(target: str, name: str, *, ondelete: str = "RESTRICT") -> sa.ForeignKey:
    """A Prisma relation: ON UPDATE CASCADE always, ON DELETE as declared."""
    return sa.ForeignKey(target, name=name, ondelete=ondelete, onupdate="CASCADE")
