"""What a team that keeps Prisma commits at each phase, and the history that keeps Prisma in charge.

- `phases/N_name.prisma`: the team's `schema.prisma` once the database is at
  phase N (the spec's schema, with the sync's index declared while it exists,
  phases 5 and 6: Prisma sees it, and `prisma migrate dev` would drop it);
- `phases/N_name.sql`: Prisma's own SQL from phase N-1's schema to phase N's,
  what `prisma migrate dev` emits (the spec's, and for phase 5 the sync's
  index). Each phase's migration folder holds it, after the guard.

tests/test_prisma_history.py checks both against the pinned Prisma CLI.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from gaingrid.phases import GAINGRID
from phased import Phase
from phased.state.prisma import PrismaHistory

_PHASES = files(__package__) / "phases"


def schema(phase: Phase) -> str:
    """The schema.prisma the team commits at `phase`."""
    return (_PHASES / f"{phase.number}_{phase.name}.prisma").read_text(encoding="utf-8")


def migration_sql(phase: Phase) -> str:
    """Prisma's own SQL for `phase` (from the phase before it; phase 1's from an empty database)."""
    return (_PHASES / f"{phase.number}_{phase.name}.sql").read_text(encoding="utf-8")


def history(directory: str | Path | None) -> PrismaHistory:
    """Prisma's history for `gaingrid migrate`: `directory` is the team's prisma/migrations, or None for the
    one `adopt --prisma-migrations` remembered (none: the history is not kept)."""
    return PrismaHistory(GAINGRID, directory, migration_sql)
