"""Prisma's physical conventions, frozen for revision scripts (which must not import the live models)."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime().with_variant(postgresql.TIMESTAMP(precision=3), "postgresql")
NOW = sa.text("CURRENT_TIMESTAMP")
TRUE = sa.text("true")


def created_at() -> sa.Column:
    return sa.Column("createdAt", TIMESTAMP, nullable=False, server_default=NOW)


def updated_at() -> sa.Column:
    return sa.Column("updatedAt", TIMESTAMP, nullable=False)


def fk(name: str, column: str, target: str, *, ondelete: str = "RESTRICT") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name, ondelete=ondelete, onupdate="CASCADE")
