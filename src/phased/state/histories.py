"""Other tools' migration histories, kept by the engine as it runs the phases.

A team that keeps an ORM's migrations (Prisma's `_prisma_migrations` and its
migrations folder, say) joins a `History` to the Migrator
(`Migrator(project, url, recorders=[history])`). The engine then calls it:

- `adopt(conn, at)` when `adopt` records the database's phase: it reads the
  other history, refuses a dirty one, and (`adopted`) remembers where it
  stands; on a database already managed, `adopt` attaches it later, the
  phases since the adoption recorded in one transaction;
- `stamp(conn, phase, down=)` inside each phase's transaction, after the
  version stamp: both ledgers commit together, or neither does;
- `settle(conn)` once that transaction has committed, and before each command
  writes: the history's files outside the database follow its rows;
- `problems(conn, at)`: what the history says that disagrees with the phase
  the database is at (status, verify; up and down refuse before anything
  changes, but for what `settle` puts right);
- `additions(conn)`: what the other tool's own migrations, recorded after the
  toolkit's phases, added to the schema: every schema comparison leaves
  exactly that out, so it is foreign, not drift;
- `record(entry)`: each step's ledger entry, as every joined recorder.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from phased.declare.phase import Phase
from phased.schema.shapes import Additions


class History:
    """A history that keeps nothing: override what yours keeps."""

    name = "history"  # its key in the toolkit's state
    title = "the other history"  # as people read it

    def active(self, conn: sa.Connection) -> bool:
        """Whether this database keeps the history (its check is left out of verify otherwise)."""
        return True

    def agrees(self, conn: sa.Connection, at: Phase | None) -> str:
        """What a check says when there is no problem."""
        return f"{self.title} agrees with phase {at.label if at else 0}"

    def record(self, entry: Any) -> None:
        """Every step's ledger entry, once the ledger holds it."""

    def adopt(self, conn: sa.Connection, at: Phase) -> None:
        """Before adopt records phase `at`: read the history, refuse (MigrateError) a dirty one."""

    def adopted(self, conn: sa.Connection, at: Phase, *, since: Phase | None = None) -> None:
        """After adopt recorded phase `at`: remember where the history stands. `since`: attaching the history
        to a database the toolkit already manages, adopted at `since`: record the phases after it now."""

    def attachable(self, conn: sa.Connection) -> bool:
        """Whether `adopt` should attach this history to a database the toolkit already manages."""
        return False

    def stamp(self, conn: sa.Connection, phase: Phase, *, down: bool) -> None:
        """In the transaction that applies (or reverses) `phase`, after the version stamp."""

    def settle(self, conn: sa.Connection) -> None:
        """After a phase's transaction committed, and before a command changes anything."""

    def problems(self, conn: sa.Connection, at: Phase | None, *, unsettled: bool = True) -> list[str]:
        """One line per disagreement between the history and phase `at`, each naming what to run
        (without `unsettled`: leaving out what `settle` puts right)."""
        return []

    def additions(self, conn: sa.Connection) -> Additions:
        return Additions()
