"""SQLite."""
from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import zlib
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event

from phased.declare.errors import MigrateError
from phased.declare.sql import quote
from phased.dialects import sqlite_backup as backup
from phased.dialects.base import Dialect
from phased.dialects.sqlite_reverse import insert_trigger

BUSY_TIMEOUT_MS = 30_000



def require_directory(url: sa.URL) -> None:
    """Refuse a database file whose directory is missing: SQLite would say only "unable to open"."""
    database = url.database
    if database and database != ":memory:" and not Path(database).parent.exists():
        raise MigrateError(f"cannot open database {url.render_as_string(hide_password=True)}: directory "
                           f"{Path(database).parent} does not exist")

class SQLite(Dialect):
    name = "sqlite"

    def indexes_used(self, conn: sa.Connection, sql: str) -> set[str]:
        return {m.group(1) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                for m in [re.search(r"USING (?:COVERING )?INDEX (\S+)", row[-1])] if m}
    title = "SQLite"
    script_runner = "sqlite3 DATABASE < plan.sql"
    rebuilds_tables = True
    new_key = "'c' || lower(hex(randomblob(12)))"

    # The source drives, its key range first: with no statistics, SQLite would drive from a parent
    # whenever a reference check can use an index of the parent's (an index on Workout("userId", "date")
    # turned each 50,000-row batch into a scan of every workout). CROSS JOIN fixes the loop order.
    inner_join = "CROSS JOIN"

    def distinct(self, left: str, right: str) -> str:
        return f"{left} IS NOT {right}"

    def row_json(self, alias: str, columns: list[str]) -> str:
        return "json_object(" + ", ".join(f"'{c}', {alias}.{quote(c)}" for c in columns) + ")"

    def create_engine(self, url: sa.URL, *, migrating: bool) -> sa.Engine:
        """`migrating` turns foreign-key enforcement off for the connection: a table rebuild (copy,
        drop, rename) must not fire ON DELETE CASCADE; the migrator runs PRAGMA foreign_key_check
        before it commits instead. Its transactions take the write lock from the start."""
        require_directory(url)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # pysqlite would otherwise run DDL outside any transaction.
            dbapi_conn.isolation_level = None
            dbapi_conn.execute(f"PRAGMA foreign_keys={'OFF' if migrating else 'ON'}")
            dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if migrating else "BEGIN")

        return engine

    @contextmanager
    def migrator_lock(self, conn: sa.Connection) -> Iterator[None]:
        """A lock file beside the database file (the kernel releases it when a killed migrator dies)."""
        database = conn.engine.url.database
        if not database or database == ":memory:":
            yield
            return
        fd = os.open(f"{database}.migrate-lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise MigrateError("another migration holds the lock on this database; "
                                   "wait for it to finish, then run the command again") from None
            yield
        finally:
            os.close(fd)

    def export_snapshot(self, conn: sa.Connection) -> str | None:
        """The coordinator's shared lock keeps writers from committing, so every reader sees the same
        data. In WAL mode readers do not block writers: there is no way to share the snapshot."""
        if conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal":
            return None
        conn.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").all()  # hold the shared lock from here
        return ""

    def adopt_snapshot(self, conn: sa.Connection, snapshot: str) -> sa.Connection:
        # A writer waiting to commit (it waits for the coordinator's shared lock) keeps new readers
        # out: waiting for it would be a deadlock, so this reader gives up at once (OperationalError).
        conn.begin()
        conn.exec_driver_sql("PRAGMA busy_timeout = 0")
        conn.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").all()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def copy_batch(self, conn: sa.Connection, sql, size: int, timeouts, checkpoint: sa.Table) -> None:
        """The next keyset range: copy, quarantine what cannot be copied, move the checkpoint.
        One writer at a time: nothing to lock, nothing passed over."""
        state = conn.execute(sa.select(checkpoint).where(checkpoint.c.name == sql.b.name)).mappings().one()
        lo, done, refresh = state["last_key"], state["rows_done"], state["refresh"]
        hi = conn.execute(sa.text(sql.next_boundary(lo is not None)), {"lo": lo, "offset": size - 1}).scalar()
        where = sql.range_where(lo is not None, hi is not None)
        params = {"lo": lo, "hi": hi}
        processed = size if hi is not None else conn.execute(sa.text(
            f"SELECT count(*) FROM {quote(sql.b.source)} AS s WHERE {where}"), params).scalar_one()
        if refresh:
            conn.execute(sa.text(sql.refresh(where)), params)
        with self._reverse_insert_set_aside(conn, sql):
            inserted = conn.execute(sa.text(sql.insert_missing(where)), params).rowcount
        # Only rows that existed when the range was drawn can be inserted here. When all
        # of them were, none can need the quarantine: skip the search.
        quarantine = sql.quarantine(where)
        if quarantine and (refresh or inserted != processed):
            conn.execute(sa.text(quarantine), params)
        conn.execute(sa.text(sql.unquarantine(where)), params)
        end = hi is None
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        conn.execute(checkpoint.update().where(checkpoint.c.name == sql.b.name).values(
            last_key=hi if hi is not None else lo, rows_done=done + processed, updated_at=now,
            status="done" if end else "running", finished_at=now if end else None))

    @contextmanager
    def _reverse_insert_set_aside(self, conn: sa.Connection, sql) -> Iterator[None]:
        """The batch's insert without the two-way sync's reverse insert trigger, put back as it was.

        Every row a batch inserts has its source row, so that trigger would do nothing for them;
        merely firing it (its WHEN, per row) made the insert about 40% slower. The batch holds the
        only write lock, and the drop, the insert and the re-create are one transaction: no
        other writer and no committed state is ever without the trigger.
        """
        name = insert_trigger(sql.b, sql.ns) if sql.b.reverse is not None else None
        create = name and conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)).scalar()
        if create:
            conn.exec_driver_sql(f"DROP TRIGGER {quote(name)}")
        yield
        if create:
            conn.exec_driver_sql(create)

    def backfill_script(self, sql, size: int, timeouts, patience: float) -> tuple[str, list[str]]:
        every = sql.range_where(False, False)
        quarantine = sql.quarantine(every)
        insert = [sql.insert_missing(every)]
        if sql.b.reverse is not None:
            trigger = next(o for o in self.sync_objects(sql.b, sql.ns) if o.name == insert_trigger(sql.b, sql.ns))
            insert = [f"DROP TRIGGER {quote(trigger.name)}", *insert, trigger.create]
        return (f"`up` runs these statements once per keyset range of {size:,} source rows, each range its own "
                "transaction; here for every row at once (the reverse sync's insert trigger is set aside for "
                "the batch's insert: each row it copies has its source)",
                ["BEGIN IMMEDIATE", sql.start(), *insert, *([quarantine] if quarantine else []),
                 sql.unquarantine(every),
                 f"UPDATE {sql.ns.qualified('backfill')} SET rows_done = (SELECT count(*) FROM {quote(sql.b.source)}), "
                 f"status = 'done', updated_at = CURRENT_TIMESTAMP, finished_at = CURRENT_TIMESTAMP "
                 f"WHERE name = '{sql.b.name}'", "COMMIT"])

    def index_validity(self, conn: sa.Connection) -> dict[str, bool]:
        return {name: True for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}

    def sync_objects(self, b, ns) -> list:
        from phased.dialects.sqlite_sync import sync_objects

        return sync_objects(self, b, ns)

    def installed_sync(self, conn: sa.Connection, ns) -> dict[tuple[str, str], str]:
        """SQLite keeps each trigger's CREATE statement as written: that is its identity. A sync's
        table (the toolkit's, by its prefix) is there or not."""
        prefix = ns.table_name("")
        return {("trigger" if kind == "trigger" else "table", name if kind == "trigger" else name[len(prefix):]):
                sql if kind == "trigger" else "" for kind, name, sql in conn.exec_driver_sql(
                    "SELECT type, name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "OR (type = 'table' AND substr(name, 1, ?) = ?)", (len(prefix), prefix))}

    def sync_identity(self, o) -> str:
        return o.create if o.kind == "trigger" else ""

    def drop_sync_object(self, o, ns) -> str:
        return f"DROP {o.kind.upper()} IF EXISTS {quote(o.name) if o.kind == 'trigger' else o.ref(ns)}"

    def fingerprint(self, conn: sa.Connection, table: str, columns: list[str]) -> tuple[int, int]:
        cols = [quote(c) for c in columns]
        try:
            return _digest(conn, f"SELECT CAST(json_array({', '.join(cols)}) AS BLOB) FROM {quote(table)}")
        except sqlite3.OperationalError as exc:
            if "BLOB" not in str(exc):
                raise
        # JSON cannot hold a blob: this table's values go in as type-tagged hex.
        tagged = ", ".join(f"CASE typeof({c}) WHEN 'blob' THEN 'x' || hex({c}) ELSE {c} END" for c in cols)
        return _digest(conn, f"SELECT CAST(json_array({tagged}) AS BLOB) FROM {quote(table)}")

    def foreign_key_violations(self, conn: sa.Connection, tables: list[str]) -> list[str]:
        """Checked by the migrator, which runs with enforcement off (see create_engine)."""
        present = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = [r for t in tables if t in present
                for r in conn.exec_driver_sql(f'PRAGMA foreign_key_check("{t}")').fetchall()]
        return [f"{r[0]} rowid {r[1]} -> {r[2]}" for r in rows]

    def orphans(self, conn: sa.Connection, table: str, fks: list[sa.ForeignKeyConstraint]) -> dict[str, int]:
        # One pass checks every key of the table, cheaper than a NOT EXISTS scan per key.
        found = {(ref, col): n for ref, col, n in conn.exec_driver_sql(
            "SELECT l.\"table\", l.\"from\", count(*) FROM pragma_foreign_key_check(?) AS v "
            "JOIN pragma_foreign_key_list(?) AS l ON l.id = v.fkid AND l.seq = 0 GROUP BY v.fkid",
            (table, table))}
        return {fk.name: found.get((fk.referred_table.name, fk.columns[0].name), 0) for fk in fks}


    backup_extension = ".sqlite"

    def check_backup_source(self, url: sa.URL) -> None:
        backup.require_file(url)

    @contextmanager
    def backup_snapshot(self, conn, url):
        with conn.begin():
            yield conn, lambda _fd, path: backup.copy(conn.connection.driver_connection, path)

    def check_backup(self, conn: sa.Connection, path: Path) -> None:
        backup.check(path)

    def load_backup(self, conn: sa.Connection, url: sa.URL, path: Path, toolkit_schema: str) -> None:
        backup.copy(path, conn.connection.driver_connection)

    def same_database(self, theirs: sa.URL, url: sa.URL) -> bool:
        return backup.same_file(theirs, url)

    @contextmanager
    def clone(self, url, prefix, copy_in_use):
        with backup.clone(url, prefix) as cloned:
            yield cloned


def _digest(conn: sa.Connection, query: str) -> tuple[int, int]:
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
    return rows, (crc << 32) + adler
