"""One object per database, that the rest of the engine asks how to do each thing
(`of(conn)`), as SQLAlchemy's core asks its dialects: engines and URLs, locks
and timeouts, which errors are transient (retry), the rendering of a backfill's
statements (backfill_sql) and of its sync's triggers (*_sync), server-side
batches, backups and clones. The only room that knows a database's name.
Change here: how one database does a thing, or a new database (one more module).
"""
from __future__ import annotations

import sqlalchemy as sa

from phased.dialects.base import Dialect
from phased.dialects.postgresql import PostgreSQL
from phased.dialects.sqlite import SQLite

_DIALECTS: dict[str, Dialect] = {d.name: d for d in (PostgreSQL(), SQLite())}
SUPPORTED = tuple(_DIALECTS)


def of(what: sa.Connection | sa.Engine | sa.URL | str) -> Dialect:
    """The dialect object of a connection, an engine, a URL or a dialect name."""
    if isinstance(what, str):
        name = what
    elif isinstance(what, sa.URL):
        name = what.get_backend_name()
    else:
        name = what.dialect.name
    return _DIALECTS[name]


__all__ = ["Dialect", "SUPPORTED", "of"]
