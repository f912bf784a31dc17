"""Lock-safe DDL for revision scripts, per dialect.

Indexes are built and dropped without blocking writers where the database
can (dialects/: PostgreSQL's CONCURRENTLY, outside a transaction), and
foreign keys are added NOT VALID (the engine validates them in a later
transaction), so that writers are not blocked for the length of a table
scan. The end state is the same as the naive DDL's.
"""
from __future__ import annotations

from typing import Sequence

from alembic import op
from alembic.operations.ops import CreateTableOp

from phased import dialects
from phased.declare.sql import quote
from phased.schema.shapes import metadata_at_phase


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(quote(c) for c in columns)


def database() -> dialects.Dialect:
    """The dialect object of the database the revision runs on: what it can do (defers_foreign_keys, …)."""
    return dialects.of(op.get_context().dialect.name)


def create_index(name: str, table: str, columns: Sequence[str]) -> None:
    """An index built without blocking writers where the database can (PostgreSQL: CONCURRENTLY)."""
    database().create_index(op, op.get_context(), name, table, list(columns))


def drop_index(name: str, table: str) -> None:
    database().drop_index(op, op.get_context(), name, table)


def add_foreign_key_not_valid(name: str, table: str, columns: Sequence[str], target: str,
                              target_columns: Sequence[str], *, ondelete: str, onupdate: str = "CASCADE") -> None:
    """PostgreSQL only (SQLite adds foreign keys by rebuilding the table).

    NOT VALID needs only a brief lock and checks every new write at once; the
    engine validates it afterwards, in a transaction of its own (the phase's
    deferred_foreign_keys), so no lock is held across the table scan.
    """
    op.execute(
        f'ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} FOREIGN KEY ({_cols(columns)}) '
        f'REFERENCES {quote(target)} ({_cols(target_columns)}) ON DELETE {ondelete} ON UPDATE {onupdate} NOT VALID'
    )


def recreate_table(table: str, *, as_at: int) -> None:
    """Create `table` exactly as the project's models declare it at phase `as_at`: the downgrade of
    a phase that dropped it, derived from the schema's one declaration, not written out again."""
    project = op.get_context().config.attributes["migrate.project"]
    op.invoke(CreateTableOp.from_table(metadata_at_phase(project.metadata, as_at).tables[table]))
