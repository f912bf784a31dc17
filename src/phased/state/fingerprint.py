"""Order-independent content fingerprints of tables, computed in the database.

Per table: the row count and the sum (mod 2^64) of a 64-bit hash of each
row's text. Equal fingerprints mean, with overwhelming probability, equal
contents whatever the row order; it is cheap enough to take before and
after every phase. Hashes are for fingerprints; the row-level check of a
backfill is a set-based join (see compare.py).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa

from phased import dialects
from phased.declare.phase import Project
from phased.schema.shapes import metadata_at_phase

MOD = 1 << 64  # digests are sums of 64-bit row hashes, mod 2^64


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


def legacy_columns(project: Project) -> dict[str, list[str]]:
    """The columns the legacy fingerprint covers: the first phase's, less those the app writes by design."""
    return {t: [c for c in cols if c not in project.app_writes.get(t, ())]
            for t, cols in columns_at_phase(project, 1).items()}


def live_columns(conn: sa.Connection, tables: list[str]) -> dict[str, list[str]]:
    insp = sa.inspect(conn)
    present = set(insp.get_table_names())
    return {t: [c["name"] for c in insp.get_columns(t)] for t in tables if t in present}


def take(conn: sa.Connection, tables: dict[str, list[str]]) -> Fingerprint:
    dialect = dialects.of(conn)
    out = {}
    for table, columns in sorted(tables.items()):
        rows, digest = dialect.fingerprint(conn, table, sorted(columns))
        out[table] = TableFingerprint(rows, f"{digest % MOD:016x}")
    return out


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
