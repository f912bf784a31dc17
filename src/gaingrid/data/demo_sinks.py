"""Bulk writers for the demo data: COPY on PostgreSQL, executemany on SQLite.

Both work on the raw DBAPI connection inside one transaction, so a failed
load leaves the database as it was. Rows arrive as tuples of str / int /
float / None with timestamps already formatted, identical for both
databases; only the transport differs.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import sqlalchemy as sa

Row = tuple


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


class _Writer:
    def __init__(self, engine: sa.Engine) -> None:
        self._raw = engine.raw_connection()
        self.dbapi = self._raw.driver_connection

    def nonempty_tables(self, tables: Sequence[str]) -> list[str]:
        cur = self._raw.cursor()
        try:
            found = []
            for table in tables:
                cur.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
                if cur.fetchone() is not None:
                    found.append(table)
            return found
        finally:
            cur.close()

    def commit(self) -> None:
        self._raw.commit()

    def rollback(self) -> None:
        self._raw.rollback()

    def close(self) -> None:
        self._raw.close()


class PostgresWriter(_Writer):
    def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        # Pre-formatted COPY text in one write per chunk: measured ~2x faster
        # than psycopg's write_row for these rows. No escaping is needed
        # because demo_pools.check_copy_safe vets every free text.
        text = "".join([
            "\t".join(["\\N" if v is None else str(v) for v in row]) + "\n" for row in rows
        ])
        with self.dbapi.cursor() as cur:
            with cur.copy(f'COPY "{table}" ({_quoted(columns)}) FROM STDIN') as copy:
                copy.write(text)


class SqliteWriter(_Writer):
    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        # The sqlite3 module only opens a transaction implicitly before DML,
        # and not at all in autocommit mode; make the whole load one unit.
        if not self.dbapi.in_transaction:
            self.dbapi.execute("BEGIN")

    def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        self.dbapi.executemany(f'INSERT INTO "{table}" ({_quoted(columns)}) VALUES ({marks})', rows)


@contextmanager
def open_writer(engine: sa.Engine) -> Iterator[_Writer]:
    """A writer in an open transaction; commits on success, else rolls back."""
    dialect, driver = engine.dialect.name, engine.dialect.driver
    if dialect == "postgresql" and driver == "psycopg":
        writer: _Writer = PostgresWriter(engine)
    elif dialect == "sqlite" and driver == "pysqlite":
        writer = SqliteWriter(engine)
    else:
        raise ValueError(f"demo data supports postgresql+psycopg and sqlite, not {dialect}+{driver}")
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.close()
