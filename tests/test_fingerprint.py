"""Fingerprints: equal for equal contents in any row order, different for any changed value."""
from __future__ import annotations

import sqlalchemy as sa

from phased.dialects import engines
from phased.state import fingerprint

COLUMNS = ["id", "name", "score", "note"]
ROWS = [(1, "ann", 5, None), (2, "bob", 7.5, "null"), (3, "cy", None, "")]


def _fill(conn: sa.Connection, table: str, rows: list[tuple]) -> None:
    score = "DOUBLE PRECISION" if conn.dialect.name == "postgresql" else "REAL"
    conn.exec_driver_sql(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, name TEXT, score {score}, note TEXT)')
    for row in rows:
        conn.exec_driver_sql(f'INSERT INTO "{table}" VALUES ({", ".join(["%s" if conn.dialect.name == "postgresql" else "?"] * 4)})', row)


def _digest(conn: sa.Connection, table: str) -> fingerprint.TableFingerprint:
    return fingerprint.take(conn, {table: COLUMNS})[table]


def test_equal_contents_in_any_order_have_one_fingerprint_and_any_change_shows(db_url: str) -> None:
    engine = engines.create_engine(engines.parse_url(db_url))
    try:
        with engine.connect() as conn:
            _fill(conn, "fp_a", ROWS)
            _fill(conn, "fp_b", list(reversed(ROWS)))
            base = _digest(conn, "fp_a")
            assert base == _digest(conn, "fp_b") and base.rows == 3
            for change in ("UPDATE fp_b SET note = NULL WHERE id = 2",  # the text 'null' is not NULL
                           "UPDATE fp_b SET note = NULL WHERE id = 3",  # nor is the empty string
                           "UPDATE fp_b SET score = 7.25 WHERE id = 2",
                           "UPDATE fp_b SET name = 'Ann' WHERE id = 1"):
                with conn.begin_nested() as savepoint:
                    conn.exec_driver_sql(change)
                    assert _digest(conn, "fp_b") != base, change
                    savepoint.rollback()
            assert _digest(conn, "fp_b") == base
            conn.rollback()
    finally:
        engine.dispose()


def test_sqlite_tells_a_number_from_its_text_and_reads_blobs(sqlite_url: str) -> None:
    engine = engines.create_engine(engines.parse_url(sqlite_url))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")  # no type: any value goes
            conn.exec_driver_sql("INSERT INTO t VALUES (1, 5)")
            number = fingerprint.take(conn, {"t": ["id", "v"]})
            conn.exec_driver_sql("UPDATE t SET v = '5'")
            assert fingerprint.take(conn, {"t": ["id", "v"]}) != number
            conn.exec_driver_sql("UPDATE t SET v = x'00ff'")
            blob = fingerprint.take(conn, {"t": ["id", "v"]})
            conn.exec_driver_sql("UPDATE t SET v = x'00fe'")
            assert fingerprint.take(conn, {"t": ["id", "v"]}) != blob and blob["t"].rows == 1
    finally:
        engine.dispose()


def test_postgres_enum_values_hash_by_label_not_by_oid(pg_url: str) -> None:
    """A dump and restore renumbers an enum's OIDs: the fingerprint must not change."""
    engine = engines.create_engine(engines.parse_url(pg_url))

    def make(conn: sa.Connection) -> fingerprint.TableFingerprint:
        conn.exec_driver_sql("CREATE TYPE mood AS ENUM ('GOOD', 'BAD')")
        conn.exec_driver_sql("CREATE TABLE m (id INTEGER PRIMARY KEY, mood mood, moods mood[])")
        conn.exec_driver_sql("INSERT INTO m VALUES (1, 'GOOD', '{GOOD,BAD}'), (2, NULL, NULL)")
        return fingerprint.take(conn, {"m": ["id", "mood", "moods"]})["m"]

    try:
        with engine.begin() as conn:
            first = make(conn)
            conn.exec_driver_sql("DROP TABLE m")
            conn.exec_driver_sql("DROP TYPE mood")
            conn.exec_driver_sql("CREATE TYPE shifts_the_oids AS ENUM ('X', 'Y', 'Z')")
            assert make(conn) == first
    finally:
        engine.dispose()
