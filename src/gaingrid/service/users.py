"""User rows at any phase (Core, over the columns the phase has).

Accounts work from phase 1: the legacy User table has id, email, name and
password. The profile columns, isActive and lastLogin arrive with phase 2.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gaingrid.models import new_id, utcnow

from .tables import table


def _columns(phase: int) -> tuple[sa.Table, list[sa.Column]]:
    user = table("User", phase)
    return user, [c for c in user.c]


def by_id(conn: sa.Connection, phase: int, user_id: str) -> dict[str, Any] | None:
    user, columns = _columns(phase)
    row = conn.execute(sa.select(*columns).where(user.c.id == user_id)).mappings().first()
    return dict(row) if row else None


def by_email(conn: sa.Connection, phase: int, email: str) -> dict[str, Any] | None:
    user, columns = _columns(phase)
    row = conn.execute(sa.select(*columns).where(user.c.email == email)).mappings().first()
    return dict(row) if row else None


def create(conn: sa.Connection, phase: int, values: dict[str, Any]) -> dict[str, Any]:
    user = table("User", phase)
    now = utcnow()
    row = {"id": new_id(), "createdAt": now, "updatedAt": now, **values}
    conn.execute(user.insert().values(**row))
    return by_id(conn, phase, row["id"])  # type: ignore[return-value]


def update(conn: sa.Connection, phase: int, user_id: str, values: dict[str, Any]) -> dict[str, Any] | None:
    user = table("User", phase)
    conn.execute(user.update().where(user.c.id == user_id).values(**values, updatedAt=utcnow()))
    return by_id(conn, phase, user_id)


def replace_password(conn: sa.Connection, phase: int, user_id: str, old: str, new: str) -> bool:
    """Store `new` if the stored hash is still `old` (not changed meanwhile by another request or app)."""
    user = table("User", phase)
    return conn.execute(user.update().where(user.c.id == user_id, user.c.password == old)
                        .values(password=new, updatedAt=utcnow())).rowcount == 1
