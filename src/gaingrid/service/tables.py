"""Core tables as they are at a given phase.

The ORM models describe phase 6. Selecting or inserting through them on an
earlier phase would name columns that do not exist yet (and Core applies the
models' Python-side defaults, such as User.isActive, to every insert), so
anything that must work across phases uses these per-phase copies instead.
"""
from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from gaingrid.models import metadata
from phased import metadata_at_phase


@cache
def _at(phase: int) -> sa.MetaData:
    return metadata_at_phase(metadata, phase)


def table(name: str, phase: int) -> sa.Table:
    return _at(phase).tables[name]
