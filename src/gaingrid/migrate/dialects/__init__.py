"""One object per database, that the engine asks how to do each thing.

The core never branches on a database's name: it asks the dialect object
(`of(conn)`), as SQLAlchemy's core asks its dialects. A database the engine
does not support yet is one more module here.
"""
from __future__ import annotations

import sqlalchemy as sa

from .base import Dialect
from .postgresql import PostgreSQL
from .sqlite import SQLite

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
