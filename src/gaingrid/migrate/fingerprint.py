"""Order-independent content fingerprints of tables, computed in the database.

Per table: the row count and the sum (mod 2^64) of a 64-bit hash of each
row's text. Equal fingerprints mean, with overwhelming probability, equal
contents whatever the row order; it is cheap enough to take before and
after every phase. Hashes are for fingerprints; the row-level check of a
backfill is a set-based join (see compare.py).
"""
from __future__ import annotations

import sqlite3
import zlib
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from .backfill import q
from .phase import Project
from .schema import metadata_at_phase

_MOD = 1 << 64


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    digest: str

    def to_json(self) -> dict:
        return asdict(self)


Fingerprint = dict[str, TableFingerprint]


def columns_at_phase(project: Project, phase: int) -> dict[str, list[str]]:
    """The tables and columns that exist after `phase` (e.g. phase 1: the legacy data)."""
    return {t.name: [c.name for c in t.columns] for t in metadata_at_phase(project.metadata, phase).sorted_tables}


def live_columns(conn: sa.Connection, tables: list[str]) -> dict[str, list[str]]:
    insp = sa.inspect(conn)
    present = set(insp.get_table_names())
    return {t: [c["name"] for c in insp.get_columns(t)] for t in tables if t in present}


def take(conn: sa.Connection, tables: dict[str, list[str]]) -> Fingerprint:
    read = _postgres if conn.dialect.name == "postgresql" else _sqlite
    return {table: read(conn, table, sorted(columns)) for table, columns in sorted(tables.items())}


def _sqlite(conn: sa.Connection, table: str, columns: list[str]) -> TableFingerprint:
    cols = [q(c) for c in columns]
    try:
        return _sqlite_digest(conn, f"SELECT CAST(json_array({', '.join(cols)}) AS BLOB) FROM {q(table)}")
    except sqlite3.OperationalError as exc:
        if "BLOB" not in str(exc):
            raise
    # JSON cannot hold a blob: this table's values go in as type-tagged hex.
    tagged = ", ".join(f"CASE typeof({c}) WHEN 'blob' THEN 'x' || hex({c}) ELSE {c} END" for c in cols)
    return _sqlite_digest(conn, f"SELECT CAST(json_array({tagged}) AS BLOB) FROM {q(table)}")


def _postgres(conn: sa.Connection, table: str, columns: list[str]) -> TableFingerprint:
    """The 64-bit hashes behind hash partitioning, summed as numeric (which cannot overflow).

    hash_record_extended (PostgreSQL 14+) hashes each value with its type's own
    hash, NULLs and positions included, three times cheaper than rendering the
    row as text. A table with a type that has no hash function (json, point),
    or an older server, gets the hash of the row's text instead.
    """
    if conn.exec_driver_sql("SELECT to_regprocedure('hash_record_extended(record, bigint)')").scalar():
        try:
            with conn.begin_nested():
                return _postgres_sum(conn, table, f"hash_record_extended(ROW({_by_value(conn, table, columns)}), 0)")
        except sa.exc.ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42883":  # undefined_function: a type without a hash
                raise
    return _postgres_sum(conn, table, f"hashtextextended(ROW({', '.join(q(c) for c in columns)})::text, 0)")


def _postgres_sum(conn: sa.Connection, table: str, row_hash: str) -> TableFingerprint:
    rows, total = conn.exec_driver_sql(
        f"SELECT count(*), coalesce(sum({row_hash}::numeric), 0)::text FROM {q(table)}").one()
    return TableFingerprint(int(rows), f"{int(total) % _MOD:016x}")


def _by_value(conn: sa.Connection, table: str, columns: list[str]) -> str:
    """The columns, with those whose hash depends on OIDs cast to text.

    An enum value hashes as its OID, which a dump and restore renumbers; so do
    arrays of enums, domains and composites. Base types hash by value.
    """
    by_oid = set(conn.exec_driver_sql(
        "SELECT a.attname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A' "
        "WHERE a.attrelid = to_regclass(%(t)s) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND (t.typtype <> 'b' OR e.typtype <> 'b')", {"t": q(table)}).scalars())
    return ", ".join(f"{q(c)}::text" if c in by_oid else q(c) for c in columns)


def _sqlite_digest(conn: sa.Connection, query: str) -> TableFingerprint:
    """SQLite has no hash function: stream each row's text and hash it in C (zlib).

    json_array() renders a row unambiguously (strings quoted, numbers bare,
    NULL as null) in one function call, about three times cheaper than a
    quote() per column. CRC-32 and Adler-32 side by side make a 64-bit row
    hash; summing them in separate halves gives the same sum mod 2^64 as
    summing (crc << 32 | adler) per row, at the speed of map() over C
    functions. A fingerprint only has to notice change, not resist an attacker.
    """
    cursor = conn.connection.driver_connection.execute(query)
    rows = crc = adler = 0
    while batch := cursor.fetchmany(50_000):
        texts = [r[0] for r in batch]
        rows += len(texts)
        crc += sum(map(zlib.crc32, texts))
        adler += sum(map(zlib.adler32, texts))
    return TableFingerprint(rows, f"{((crc << 32) + adler) % _MOD:016x}")


def differences(expected: Fingerprint, actual: Fingerprint) -> list[str]:
    out = []
    for table, fp in sorted(expected.items()):
        got = actual.get(table)
        if got is None:
            out.append(f"{table}: missing")
        elif got.rows != fp.rows:
            out.append(f"{table}: {got.rows:,} rows, expected {fp.rows:,}")
        elif got.digest != fp.digest:
            out.append(f"{table}: same row count, but the contents differ")
    return out


def from_json(data: dict) -> Fingerprint:
    return {t: TableFingerprint(**v) for t, v in data.items()}


def to_json(fp: Fingerprint) -> dict:
    return {t: v.to_json() for t, v in fp.items()}
