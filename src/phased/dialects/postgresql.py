"""PostgreSQL."""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event

from phased.declare.errors import NAMES, MigrateError
from phased.declare.sql import quote
from phased.dialects import postgresql_backup as backup
from phased.dialects import postgresql_batch
from phased.dialects.base import LOCK_PATIENCE, Dialect, literal

# An arbitrary constant: every migrator contends for the same advisory lock.
_ADVISORY_LOCK_KEY = 0x6761696E67726964 & 0x7FFFFFFFFFFFFFFF


def application_name() -> str:
    """How operators (and the fault harness) find the migrator's sessions in pg_stat_activity."""
    return f"{NAMES.get().project}-migrate"


class PostgreSQL(Dialect):
    name = "postgresql"
    concurrent_writers = True

    def copy_lock(self, alias: str) -> str:
        # KEY SHARE: a delete cannot land between the batch's read and its commit, while the
        # app's updates do not conflict; SKIP LOCKED: rows a delete holds now are revisited.
        return f" FOR KEY SHARE OF {alias} SKIP LOCKED"

    def row_json(self, alias: str, columns: list[str]) -> str:
        return f"row_to_json({alias})::text"

    def normalize_url(self, url: sa.URL) -> sa.URL:
        return url.set(drivername="postgresql+psycopg") if url.get_driver_name() in ("", "psycopg2") else url

    def create_engine(self, url: sa.URL, *, migrating: bool) -> sa.Engine:
        engine = sa.create_engine(url, pool_pre_ping=True,
                                  connect_args={"connect_timeout": 10, "application_name": application_name()})

        @event.listens_for(engine, "connect")
        def _check_client(dbapi_conn, _record):
            # A killed migrator's statement is cancelled within a second instead of running on (PostgreSQL 14+).
            if dbapi_conn.info.server_version >= 140000:
                with dbapi_conn.cursor() as cursor:
                    cursor.execute("SET client_connection_check_interval = 1000")
                dbapi_conn.commit()

        return engine

    @contextmanager
    def migrator_lock(self, conn: sa.Connection) -> Iterator[None]:
        """A session advisory lock. A migrator that was killed may leave its session running its
        last statement for a moment (until client_connection_check_interval notices): the lock
        is waited for, up to LOCK_PATIENCE seconds."""
        deadline = time.monotonic() + LOCK_PATIENCE
        while not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_ADVISORY_LOCK_KEY})").scalar():
            conn.commit()
            if time.monotonic() > deadline:
                raise MigrateError(f"another migration holds the lock on this database{_holder(conn)}; "
                                   "wait for it to finish, then run the command again")
            time.sleep(0.5)
        conn.commit()
        try:
            yield
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_ADVISORY_LOCK_KEY})")
            conn.commit()

    def set_timeouts(self, conn: sa.Connection, timeouts) -> None:
        for statement in timeouts.settings("blocking"):
            conn.exec_driver_sql(statement)
        conn.commit()

    def export_snapshot(self, conn: sa.Connection) -> str | None:
        return conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()  # as pg_dump --jobs does

    def adopt_snapshot(self, conn: sa.Connection, snapshot: str) -> sa.Connection:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        return conn

    def fingerprint(self, conn: sa.Connection, table: str, columns: list[str]) -> tuple[int, int]:
        """The 64-bit hashes behind hash partitioning, summed as numeric (which cannot overflow).

        hash_record_extended (PostgreSQL 14+) hashes each value with its type's own
        hash, NULLs and positions included, three times cheaper than rendering the
        row as text. A table with a type that has no hash function (json, point),
        or an older server, gets the hash of the row's text instead.
        """
        if conn.exec_driver_sql("SELECT to_regprocedure('hash_record_extended(record, bigint)')").scalar():
            try:
                with conn.begin_nested():
                    return _hash_sum(conn, table, f"hash_record_extended(ROW({_by_value(conn, table, columns)}), 0)")
            except sa.exc.ProgrammingError as exc:
                if getattr(exc.orig, "sqlstate", None) != "42883":  # undefined_function: a type without a hash
                    raise
        return _hash_sum(conn, table, f"hashtextextended(ROW({', '.join(quote(c) for c in columns)})::text, 0)")

    concurrently = " CONCURRENTLY"
    full_join_on_subqueries = True
    range_plan_settings = postgresql_batch.RANGE_PLAN_SETTINGS
    has_schemas = True
    has_enum_types = True
    names_primary_keys = True

    def key_bounds(self, conn: sa.Connection, table: str, key: str, chunk: int) -> list | None:
        """From the key's histogram in the planner's statistics."""
        rows = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(t)s)",
                                    {"t": quote(table)}).scalar()
        key_type = conn.exec_driver_sql(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(%(t)s) "
            "AND attname = %(k)s", {"t": quote(table), "k": key}).scalar()
        histogram = conn.exec_driver_sql(  # anyarray: through text, into the key's own type
            f"SELECT histogram_bounds::text::{key_type}[] FROM pg_stats WHERE schemaname = current_schema() "
            "AND tablename = %(t)s AND attname = %(k)s", {"t": table, "k": key}).scalar()
        if not rows or rows < 0 or not histogram:
            return None  # never analyzed
        pieces = max(1, round(rows / chunk))
        last = len(histogram) - 1
        return sorted({histogram[round(i * last / pieces)] for i in range(1, pieces)})

    def create_index(self, op, ctx, name: str, table: str, columns: list[str]) -> None:
        timeouts = ctx.config.attributes["migrate.timeouts"]
        with ctx.autocommit_block():
            # Building CONCURRENTLY blocks no writer, but waits for every transaction already
            # running: it gets the long lock timeout, and the session gets its own back after.
            for setting in timeouts.settings("background"):
                op.execute(setting)
            # A failed CONCURRENTLY build leaves an INVALID index behind: drop it so a rerun rebuilds.
            op.execute(
                f"DO $gg$ BEGIN IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = {literal(name)} "
                f"AND n.nspname = current_schema() AND NOT i.indisvalid) THEN "
                f"EXECUTE {literal('DROP INDEX ' + quote(name))}; END IF; END $gg$")
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote(name)} ON {quote(table)} "
                       f"({', '.join(quote(c) for c in columns)})")
            for setting in timeouts.settings("blocking"):
                op.execute(setting)

    def drop_index(self, op, ctx, name: str, table: str) -> None:
        timeouts = ctx.config.attributes["migrate.timeouts"]
        with ctx.autocommit_block():
            for setting in timeouts.settings("background"):
                op.execute(setting)
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}")
            for setting in timeouts.settings("blocking"):
                op.execute(setting)

    def lock_writes(self, table: str) -> str:
        return f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE"

    def lock_exclusive(self, table: str) -> str:
        return f"LOCK TABLE {quote(table)} IN ACCESS EXCLUSIVE MODE"

    def restore_archive(self, op, archive: str, archive_name: str, statement: str) -> None:
        # One statement that also holds offline: restore only if an archive exists.
        op.execute(f"DO $gg$ BEGIN IF to_regclass({literal(archive)}) IS NOT NULL THEN "
                   f"EXECUTE {literal(statement)}; EXECUTE {literal('DROP TABLE ' + archive)}; END IF; END $gg$")

    def session_load(self, conn: sa.Connection) -> tuple[int, int] | None:
        return tuple(conn.exec_driver_sql(
            "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE state = 'active') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'").one())

    def log_position(self, conn: sa.Connection) -> int | None:
        """Where the next record goes, with every commit before it (pg_current_wal_lsn is only what has been
        written out: an asynchronous commit can still be behind it). At the start of a page that position
        is past the page's header, where a replica that replayed everything stops: the header is taken off."""
        return int(conn.exec_driver_sql(
            "SELECT pos - CASE WHEN mod(pos, seg) = 40 THEN 40 WHEN mod(pos, blk) = 24 THEN 24 ELSE 0 END FROM "
            "(SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint AS pos, "
            "current_setting('wal_block_size')::bigint AS blk, "
            "(SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size') AS seg) AS here").scalar_one())

    def replayed_position(self, conn: sa.Connection) -> int | None:
        replayed = conn.exec_driver_sql(
            "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0') WHERE pg_is_in_recovery()").scalar()
        return None if replayed is None else int(replayed)

    def log_identity(self, conn: sa.Connection) -> str | None:
        try:
            with conn.begin_nested():
                return str(conn.exec_driver_sql("SELECT system_identifier FROM pg_control_system()").scalar_one())
        except sa.exc.ProgrammingError:  # a role not allowed to read it
            return None

    def ask_replicas_to_report(self, conn: sa.Connection) -> None:
        """A standby reports its replay position when WAL reaches it, else every wal_receiver_status_interval
        (10 s): a message of a few bytes in the WAL (physical replicas skip it) reaches it within the WAL
        writer's delay."""
        try:
            conn.exec_driver_sql("SELECT pg_logical_emit_message(false, 'phased', '')")
            conn.commit()
        except sa.exc.ProgrammingError:  # a role not allowed to: the replicas report in their own time
            conn.rollback()

    def replica_positions(self, conn: sa.Connection) -> dict[str, int]:
        # Without pg_read_all_stats (pg_monitor) a role sees its own replicas' rows with the positions NULL.
        rows = conn.exec_driver_sql(
            "SELECT coalesce(nullif(application_name, ''), 'a standby') || ' at ' "
            "|| coalesce(host(client_addr), 'the local socket') || ' (pid ' || pid || ')', "
            "pg_wal_lsn_diff(replay_lsn, '0/0') "
            "FROM pg_stat_replication WHERE replay_lsn IS NOT NULL").all()
        return {name: int(position) for name, position in rows}

    def sessions_holding_locks(self, conn: sa.Connection, tables: list[str], older_than: float) -> list[tuple]:
        return [tuple(r) for r in conn.exec_driver_sql(
            "SELECT a.pid, a.state, extract(epoch FROM now() - a.xact_start)::float8, "
            "string_agg(DISTINCT '\"' || c.relname || '\"', ', ') FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.granted AND a.pid <> pg_backend_pid() AND a.datname = current_database() "
            "AND c.relname = ANY(%(tables)s) AND a.xact_start < now() - make_interval(secs => %(age)s) "
            "GROUP BY a.pid, a.state, a.xact_start ORDER BY a.xact_start",
            {"tables": tables, "age": older_than})]

    def autovacuum_yields_after(self, conn: sa.Connection, tables: list[str]) -> float | None:
        # The server cancels an autovacuum that blocks a waiter for deadlock_timeout, unless it
        # runs to prevent wraparound. Its query text is the only place that says which it is.
        return conn.exec_driver_sql(
            "SELECT extract(epoch FROM current_setting('deadlock_timeout')::interval)::float8 WHERE EXISTS ("
            "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.granted AND a.backend_type = 'autovacuum worker' AND a.datname = current_database() "
            "AND a.query NOT LIKE '%%to prevent wraparound%%' AND c.relname = ANY(%(tables)s))",
            {"tables": tables}).scalar()

    def sessions_holding_rows(self, conn: sa.Connection, table: str, key: str, keys: list[str]) -> list[tuple]:
        # A row's locker is its xmax: the transaction that deletes it, or locks it.
        return [tuple(r) for r in conn.exec_driver_sql(
            f"SELECT DISTINCT a.pid, a.state, extract(epoch FROM now() - a.xact_start)::float8, "
            f"'rows of {quote(table)}' FROM {quote(table)} AS t JOIN pg_stat_activity a ON a.backend_xid = t.xmax "
            f"WHERE t.{quote(key)} = ANY(%(keys)s)", {"keys": keys})]
    title = "PostgreSQL"
    script_runner = "psql -X -v ON_ERROR_STOP=1 -f plan.sql"
    defers_foreign_keys = True

    def session_start(self, ns, timeouts) -> list[str]:
        return [*timeouts.settings("blocking"), f"CREATE SCHEMA IF NOT EXISTS {quote(ns.schema)}"]

    def alone(self, statements: list[str], timeouts) -> list[str]:
        return [*timeouts.settings("background"), *statements, *timeouts.settings("blocking")]

    def run_alone(self, conn: sa.Connection, statement: str, timeouts) -> None:
        """On a connection of its own, outside any transaction (CREATE/DROP INDEX CONCURRENTLY), under the
        long lock timeout: writers carry on meanwhile."""
        with conn.engine.connect() as own:
            own = own.execution_options(isolation_level="AUTOCOMMIT")
            for s in [*timeouts.settings("background"), statement]:
                own.exec_driver_sql(s)

    def in_snapshot(self, conn: sa.Connection) -> sa.Connection:
        return conn.execution_options(isolation_level="REPEATABLE READ")
    new_key = "'c' || substr(md5(random()::text || clock_timestamp()::text), 1, 24)"
    utc_now = "(now() AT TIME ZONE 'utc')"
    passes_over_held_rows = True

    def copy_batch(self, conn: sa.Connection, sql, size: int, timeouts, checkpoint: sa.Table) -> None:
        """One server-side block: the same block `plan --sql` prints inside its loop."""
        conn.exec_driver_sql(f"DO $gg$ {postgresql_batch.batch(sql, size, timeouts)} $gg$")

    def revisit_batch(self, conn: sa.Connection, sql, timeouts) -> None:
        conn.exec_driver_sql(f"DO $gg$ {postgresql_batch.revisit(sql, timeouts)} $gg$")

    def fresh_statistics(self, table: str) -> list[str]:
        # The new table has none until autovacuum gets to it; planned without them, the phase's
        # verification of 1M rows took 1.7 s instead of 1.3 s (ANALYZE: 0.2 s, a sample of rows).
        # SKIP_LOCKED: if autovacuum is at the table already, it analyzes it too; waiting for it
        # would cost a second (or, for one that prevents wraparound, as long as it runs).
        return [f"ANALYZE (SKIP_LOCKED) {quote(table)}"]

    def backfill_script(self, sql, size: int, timeouts, patience: float) -> tuple[str, list[str]]:
        return (f"{size:,} source rows a batch, each batch its own transaction (`up` sends each batch's block on "
                "its own, pausing between batches as the throttle asks), then the rows a delete held when their "
                "batch ran, then the target's planner statistics",
                [*postgresql_batch.script(sql, size, timeouts, patience), *self.fresh_statistics(sql.b.target)])

    def index_validity(self, conn: sa.Connection) -> dict[str, bool]:
        return dict(conn.exec_driver_sql(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()").fetchall())

    def sync_objects(self, b, ns) -> list:
        from phased.dialects.postgresql_sync import sync_objects

        return sync_objects(self, b, ns)

    def installed_sync(self, conn: sa.Connection, ns) -> dict[tuple[str, str], str]:
        """PostgreSQL keeps a function's body and a trigger's definition in its own forms: each object
        created carries its definition's digest as its comment (sync_marks)."""
        rows = conn.exec_driver_sql(
            "SELECT 'function', p.proname, obj_description(p.oid, 'pg_proc') FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(ns)s "
            "UNION ALL SELECT 'table', c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(ns)s AND c.relkind = 'r' "
            "UNION ALL SELECT 'trigger', t.tgname, obj_description(t.oid, 'pg_trigger') FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %(ns)s AND NOT t.tgisinternal", {"ns": ns.schema}).fetchall()
        return {(kind, name): comment or "" for kind, name, comment in rows}

    def sync_identity(self, o) -> str:
        return o.digest

    def sync_marks(self, o, ns) -> list[str]:
        return [f"COMMENT ON {o.kind.upper()} {o.ref(ns)} IS '{o.digest}'"]

    def invalid_objects(self, conn: sa.Connection) -> list[str]:
        return [r[0] for r in conn.exec_driver_sql(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT i.indisvalid "
            "UNION ALL SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
            "AND NOT convalidated")]

    def validated(self, conn: sa.Connection, constraint: str) -> bool:
        return bool(conn.exec_driver_sql("SELECT convalidated FROM pg_constraint WHERE conname = %(n)s",
                                         {"n": constraint}).scalar())

    def enforced_reference(self, conn: sa.Connection, table: str, column: str, referenced: str) -> bool:
        return conn.exec_driver_sql(
            "SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND c.convalidated AND array_length(c.conkey, 1) = 1 "
            "AND c.conrelid = to_regclass(%(table)s) AND c.confrelid = to_regclass(%(ref)s) AND a.attname = %(col)s",
            {"table": quote(table), "ref": quote(referenced), "col": column}).first() is not None

    backup_extension = ".dump"

    @contextmanager
    def backup_snapshot(self, conn, url):
        with backup.snapshot(conn, url) as taken:
            yield taken

    def check_backup(self, conn: sa.Connection, path) -> None:
        backup.check(conn, path)

    def other_sessions(self, conn: sa.Connection, *, force: bool, terminate: bool) -> None:
        backup.other_sessions(conn, force=force, terminate=terminate)

    def load_backup(self, conn: sa.Connection, url: sa.URL, path, toolkit_schema: str) -> None:
        backup.load(conn, url, path, toolkit_schema)

    def same_database(self, theirs: sa.URL, url: sa.URL) -> bool:
        return backup.same_server_database(theirs, url)

    def check_clone_privilege(self, conn: sa.Connection) -> None:
        backup.require_createdb(conn)

    @contextmanager
    def clone(self, url, prefix, copy_in_use):
        with backup.clone(self.create_engine(url, migrating=False), url, copy_in_use) as cloned:
            yield cloned

    def longest_lock_wait(self, conn: sa.Connection) -> float | None:
        return backup.longest_lock_wait(conn)

    def pooler(self, conn: sa.Connection) -> str | None:
        """Directly, each client connection is a server process of its own. Behind PgBouncer in transaction
        mode, a connection holds a server process only for a transaction: once `conn`'s transaction ends,
        another client connection's next transaction is served by that same process (PgBouncer hands out the
        server it used last). Two client connections answering one pg_backend_pid() are the pooler."""
        mine = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        conn.commit()
        with conn.engine.connect() as other:
            theirs = other.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            other.rollback()
        if mine == theirs:
            return f"two of its client connections were served by one server process, pid {mine}"
        return None

    def indexes_used(self, conn: sa.Connection, sql: str) -> set[str]:
        """With sequential scans discouraged for the one EXPLAIN (in the caller's transaction): whether an
        index serves the query at all, whatever the table's size today."""
        was = conn.exec_driver_sql("SELECT current_setting('enable_seqscan')").scalar_one()
        conn.exec_driver_sql("SELECT set_config('enable_seqscan', 'off', true)")
        try:
            plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar_one()
        finally:
            conn.exec_driver_sql(f"SELECT set_config('enable_seqscan', {literal(was)}, true)")
        found: set[str] = set()

        def walk(node) -> None:
            if isinstance(node, dict):
                if "Index Name" in node:
                    found.add(node["Index Name"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(json.loads(plan) if isinstance(plan, str) else plan)
        return found

    def statements(self, conn: sa.Connection) -> dict[str, list] | None:
        """pg_stat_statements of this database (it must be in shared_preload_libraries, and created here)."""
        if not conn.exec_driver_sql("SELECT to_regclass('pg_stat_statements') IS NOT NULL").scalar():
            return None
        try:
            with conn.begin_nested():
                rows = conn.exec_driver_sql(
                    "SELECT queryid::text, query, calls, total_exec_time FROM pg_stat_statements "
                    "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND queryid IS NOT NULL").all()
        except sa.exc.DBAPIError:  # created, but not preloaded
            return None
        return {key: [query, int(calls), float(total)] for key, query, calls, total in rows}

    def why_no_statements(self, conn: sa.Connection) -> str:
        return ("pg_stat_statements is not available on this database (add it to shared_preload_libraries and "
                "run CREATE EXTENSION pg_stat_statements)")


def _hash_sum(conn: sa.Connection, table: str, row_hash: str) -> tuple[int, int]:
    rows, total = conn.exec_driver_sql(
        f"SELECT count(*), coalesce(sum({row_hash}::numeric), 0)::text FROM {quote(table)}").one()
    return int(rows), int(total)


def _by_value(conn: sa.Connection, table: str, columns: list[str]) -> str:
    """The columns, with those whose hash depends on OIDs cast to text.

    An enum value hashes as its OID, which a dump and restore renumbers; so do
    arrays of enums, domains and composites. Base types hash by value.
    """
    by_oid = set(conn.exec_driver_sql(
        "SELECT a.attname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A' "
        "WHERE a.attrelid = to_regclass(%(t)s) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND (t.typtype <> 'b' OR e.typtype <> 'b')", {"t": quote(table)}).scalars())
    return ", ".join(f"{quote(c)}::text" if c in by_oid else quote(c) for c in columns)


def _holder(conn: sa.Connection) -> str:
    row = conn.exec_driver_sql(
        "SELECT a.pid, a.state, extract(epoch FROM now() - a.query_start)::int, left(a.query, 60) FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND (l.classid::bigint << 32 | l.objid::bigint) = %(key)s LIMIT 1", {"key": _ADVISORY_LOCK_KEY}).first()
    conn.rollback()
    return f" (pid {row[0]}, {row[1]}, {row[3]!r} for {row[2]} s)" if row else ""
