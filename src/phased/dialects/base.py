"""What every database's dialect object answers."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa

from phased.declare.namespace import Namespace
from phased.declare.sql import quote

LOCK_PATIENCE = 30.0  # seconds a migrator waits for another's lock: a killed one's session may still be ending


class Dialect:
    name: str

    def normalize_url(self, url: sa.URL) -> sa.URL:
        return url

    def create_engine(self, url: sa.URL, *, migrating: bool) -> sa.Engine:
        """An engine whose transactions really cover DDL. `migrating`: for the migrator's own work."""
        raise NotImplementedError

    @contextmanager
    def migrator_lock(self, conn: sa.Connection) -> Iterator[None]:
        """One migrator at a time."""
        raise NotImplementedError
        yield

    def set_timeouts(self, conn: sa.Connection, timeouts) -> None:
        """The migrator's session waits at most `timeouts.blocking` for a lock (where the database can say so)."""

    def export_snapshot(self, conn: sa.Connection) -> str | None:
        """Let other connections see `conn`'s snapshot: a token for adopt_snapshot, or None if they cannot."""
        return None

    def adopt_snapshot(self, conn: sa.Connection, snapshot: str) -> sa.Connection:
        """`conn`, in a read transaction that sees the exporting connection's snapshot (OperationalError: it cannot)."""
        raise NotImplementedError

    def fingerprint(self, conn: sa.Connection, table: str, columns: list[str]) -> tuple[int, int]:
        """(rows, the sum of a 64-bit hash of each row over `columns`): equal sums mean equal contents,
        whatever the order, with overwhelming probability (fingerprint.py)."""
        raise NotImplementedError

    # -- the SQL of backfills and syncs -------------------------------------------------

    concurrent_writers = False  # True: writers run side by side, so they write rows in key order
    inner_join = "JOIN"  # how a backfill joins its parents to the source (see SQLite's)

    def distinct(self, left: str, right: str) -> str:
        """A null-safe "differs"."""
        return f"{left} IS DISTINCT FROM {right}"

    def copy_lock(self, alias: str) -> str:
        """The locking clause of a batch's copy (see BackfillSQL.insert_missing)."""
        return ""

    def row_json(self, alias: str, columns: list[str]) -> str:
        """A row as JSON text, for the quarantine."""
        raise NotImplementedError

    concurrently = ""  # how an index is built and dropped without blocking writers

    def index_validity(self, conn: sa.Connection) -> dict[str, bool]:
        """Every index of the application's schema -> whether it is valid."""
        raise NotImplementedError

    def sync_objects(self, b, ns) -> list:
        """The tables, functions and triggers that keep `b`'s target in step with its source (sync.py)."""
        raise NotImplementedError

    def installed_sync(self, conn: sa.Connection, ns) -> dict[tuple[str, str], str]:
        """(kind, name) -> what identifies each installed sync object's definition."""
        raise NotImplementedError

    def sync_identity(self, o) -> str:
        """What identifies a sync object's definition, as installed_sync reads it back."""
        return o.create

    def sync_marks(self, o, ns) -> list[str]:
        """Statements that record a created sync object's identity, where the database cannot keep its SQL."""
        return []

    def drop_sync_object(self, o, ns) -> str:
        return f"DROP {o.kind.upper()} IF EXISTS {o.ref(ns)}"

    # -- backfill batches -----------------------------------------------------------------

    utc_now = "CURRENT_TIMESTAMP"  # naive UTC, as the bookkeeping keeps its timestamps
    passes_over_held_rows = False  # True: a batch skips rows the app holds, and they are revisited

    def copy_batch(self, conn: sa.Connection, sql, size: int, timeouts, checkpoint: sa.Table) -> None:
        """Copy the next batch of `sql`'s backfill and move its checkpoint, in the caller's transaction."""
        raise NotImplementedError

    def revisit_batch(self, conn: sa.Connection, sql, timeouts) -> None:
        """Try again the rows a batch passed over (see passes_over_held_rows)."""

    def fresh_statistics(self, table: str) -> list[str]:
        """What brings the planner's statistics of a table a backfill just filled up to date (run
        after its last batch; never waiting on a lock), so that what follows is planned for the
        rows it now has. None here: the database plans without statistics."""
        return []

    def backfill_script(self, sql, size: int, timeouts, patience: float) -> tuple[str, list[str]]:
        """(what it is, the statements): the whole backfill as `plan --sql` prints it."""
        raise NotImplementedError

    # -- running the migration ------------------------------------------------------------

    title = ""
    script_runner = ""  # how to run a `plan --sql` script by hand
    defers_foreign_keys = False  # True: foreign keys can be added NOT VALID and validated later
    rebuilds_tables = False  # True: reshaping a table copies it, with enforcement off (see foreign_key_violations)

    def session_start(self, ns, timeouts) -> list[str]:
        """What the migrator's session runs first."""
        return []

    def alone(self, statements: list[str], timeouts) -> list[str]:
        """Statements run each on its own, outside the phase's transaction, as `plan --sql` shows them."""
        return statements

    def run_alone(self, conn: sa.Connection, statement: str, timeouts) -> None:
        """One statement outside the phase's transaction (an index built without blocking writers)."""
        with conn.begin():
            conn.exec_driver_sql(statement)

    def in_snapshot(self, conn: sa.Connection) -> sa.Connection:
        """`conn`, so that every read of its next transaction sees one snapshot while writers carry on."""
        return conn

    full_join_on_subqueries = False  # True: a full join of two key ranges runs as one merge join
    # SET LOCALs for a statement over one key range that joins parents: look each parent up by its key.
    # The parents of a range are a few of many; a plan that reads them all reads the whole parent
    # table once per range, which grows with the data times the number of ranges.
    range_plan_settings: tuple[str, ...] = ()

    @contextmanager
    def range_plan(self, conn: sa.Connection) -> Iterator[None]:
        """Within this, `conn`'s statements run under range_plan_settings (inside its transaction)."""
        for s in self.range_plan_settings:
            conn.exec_driver_sql(s)
        yield  # on an error the transaction is rolled back, and its SET LOCALs with it
        for s in self.range_plan_settings:
            conn.exec_driver_sql(f"SET LOCAL {s.split()[2]} TO DEFAULT")

    def key_bounds(self, conn: sa.Connection, table: str, key: str, chunk: int) -> list | None:
        """Keys that cut `table` into ranges of about `chunk` rows, from the database's statistics; None: none kept."""
        return None

    # -- inside a revision (Alembic ops) -------------------------------------------------

    def create_index(self, op, ctx, name: str, table: str, columns: list[str]) -> None:
        op.create_index(name, table, columns)

    def drop_index(self, op, ctx, name: str, table: str) -> None:
        op.drop_index(name, table_name=table)

    def lock_writes(self, table: str) -> str:
        """The statement that makes `table`'s writers wait until the transaction ends, readers not
        (empty where one writer at a time is all the database has)."""
        return ""

    def lock_exclusive(self, table: str) -> str:
        """The statement that keeps every other writer and reader off `table` until the transaction ends
        (empty where one writer at a time is all the database has)."""
        return ""

    def restore_archive(self, op, archive: str, archive_name: str, statement: str) -> None:
        """Run `statement` (it reads the archive), then drop the archive: only if the archive exists."""
        ctx = op.get_context()
        if ctx.as_sql:
            op.execute(f"-- if {archive} exists: {statement}; DROP TABLE {archive}")
            return
        if archive_name in sa.inspect(ctx.connection).get_table_names():
            op.execute(statement)
            op.execute(f"DROP TABLE {archive}")

    # -- backups, restores and rehearsal clones -------------------------------------------

    backup_extension = ""

    def check_backup_source(self, url: sa.URL) -> None:
        """Refuse a database that cannot be backed up, before anything is written."""

    @contextmanager
    def backup_snapshot(self, conn: sa.Connection, url: sa.URL
                        ) -> Iterator[tuple[sa.Connection, Callable[[int, Path], None]]]:
        """A transaction, and `dump(fd, path)` that writes the whole database as that transaction sees it."""
        raise NotImplementedError
        yield

    def check_backup(self, conn: sa.Connection, path: Path) -> None:
        """Refuse a backup file the restore could not read, before anything changes."""
        raise NotImplementedError

    def other_sessions(self, conn: sa.Connection, *, force: bool, terminate: bool) -> None:
        """Refuse to restore while other sessions are connected, unless `force`; `terminate` ends them.
        Where the database cannot list them, the restore waits for any that holds a lock."""

    def load_backup(self, conn: sa.Connection, url: sa.URL, path: Path, toolkit_schema: str) -> None:
        """Replace the whole database with the backup's, all or nothing."""
        raise NotImplementedError

    def same_database(self, theirs: sa.URL, url: sa.URL) -> bool:
        """Whether two URLs of this database name the same database."""
        raise NotImplementedError

    def check_clone_privilege(self, conn: sa.Connection) -> None:
        """Refuse to rehearse when the role cannot make the scratch clone."""

    @contextmanager
    def clone(self, url: sa.URL, prefix: str, copy_in_use: Callable[[sa.URL], None]) -> Iterator[sa.URL]:
        """A scratch copy of the database, removed afterwards; `copy_in_use(clone_url)` fills an empty
        clone where the database cannot copy itself while in use."""
        raise NotImplementedError
        yield

    def longest_lock_wait(self, conn: sa.Connection) -> float | None:
        """Seconds the longest current lock wait on the database has lasted; None where it cannot be seen."""
        return None

    # -- what stands between the migrator and the database; what the app's queries use ---

    def pooler(self, conn: sa.Connection) -> str | None:
        """How a connection pooler in transaction mode shows itself on `conn`'s engine (where session state
        does not stay with a client between transactions); None where none shows."""
        return None

    def indexes_used(self, conn: sa.Connection, sql: str) -> set[str]:
        """The indexes the database's plan for `sql` (literal values, no parameters) uses."""
        return set()

    def statements(self, conn: sa.Connection) -> dict[str, list] | None:
        """The database's statement statistics, cumulative: id -> [query, calls, total ms]; None where it
        keeps none (see why_no_statements)."""
        return None

    def why_no_statements(self, conn: sa.Connection) -> str:
        return f"{self.title} keeps no statement statistics"

    # -- streaming replicas -------------------------------------------------------------

    def log_position(self, conn: sa.Connection) -> int | None:
        """On a primary: how far its write-ahead log has been written, as a number that only grows;
        None where the database keeps no log a replica replays."""
        return None

    def replayed_position(self, conn: sa.Connection) -> int | None:
        """On a replica: how far it has replayed the primary's log (comparable with log_position);
        None: `conn` is no replica."""
        return None

    def log_identity(self, conn: sa.Connection) -> str | None:
        """What a primary and each of its replicas share, and no other server does; None where it cannot be read."""
        return None

    def ask_replicas_to_report(self, conn: sa.Connection) -> None:
        """Make the replicas report how far they have replayed now (replica_positions), not when they next would."""

    def replica_positions(self, conn: sa.Connection) -> dict[str, int]:
        """On a primary: each replica streaming from it (by the name it reports) -> how far it has
        replayed, as of its last report; empty where there are none, or the role may not see them."""
        return {}

    # -- what the other sessions are doing ------------------------------------------------

    def session_load(self, conn: sa.Connection) -> tuple[int, int] | None:
        """(other sessions waiting on locks, other active sessions), where the database shows them."""
        return None

    def sessions_holding_locks(self, conn: sa.Connection, tables: list[str], older_than: float) -> list[tuple]:
        """(pid, state, transaction age in seconds, the tables) of other sessions holding locks on `tables`."""
        return []

    def sessions_holding_rows(self, conn: sa.Connection, table: str, key: str, keys: list[str]) -> list[tuple]:
        """(pid, state, transaction age, what) of other sessions holding rows of `table` with these keys."""
        return []

    def autovacuum_yields_after(self, conn: sa.Connection, tables: list[str]) -> float | None:
        """If a background vacuum that gives way to waiters holds a lock on one of `tables`: how long
        a waiter must wait for the server to cancel it, in seconds. None: no such vacuum."""
        return None

    # -- the schema as the database keeps it -------------------------------------------

    has_schemas = False  # True: the engine's bookkeeping gets a schema of its own (else a name prefix)
    has_enum_types = False
    names_primary_keys = False  # True: a primary key's constraint name is part of the schema

    # A new text key, unique without a sequence (for a parent row the reverse sync creates), as SQL:
    # 'c' and 24 hex digits, the shape of Prisma's cuid() ids.
    new_key = ""

    def namespace(self, name: str) -> Namespace:
        """Where the engine keeps its bookkeeping on this database (declare/namespace.py)."""
        return Namespace(name, self.name, self.has_schemas)

    def foreign_key_violations(self, conn: sa.Connection, tables: list[str]) -> list[str]:
        """Rows of `tables` that break a foreign key, where the migrator does not let the database enforce them."""
        return []

    def invalid_objects(self, conn: sa.Connection) -> list[str] | None:
        """Indexes and constraints a failed or half-done step left invalid; None: the database has no such state."""
        return None

    def orphans(self, conn: sa.Connection, table: str, fks: list[sa.ForeignKeyConstraint]) -> dict[str, int]:
        """Rows of `table` whose key in each of `fks` names no row."""
        out = {}
        for fk in fks:
            (col,), (ref,) = [c.name for c in fk.columns], [e.column for e in fk.elements]
            out[fk.name] = conn.exec_driver_sql(
                f"SELECT count(*) FROM {quote(table)} AS c WHERE c.{quote(col)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {quote(ref.table.name)} AS p WHERE p.{quote(ref.name)} = c.{quote(col)})").scalar_one()
        return out

    def validated(self, conn: sa.Connection, constraint: str) -> bool:
        """Whether the database has validated `constraint` itself (then no check needs to repeat it)."""
        return False

    def enforced_reference(self, conn: sa.Connection, table: str, column: str, referenced: str) -> bool:
        """Whether a validated, enforced foreign key ties `table.column` to `referenced`."""
        return False


def literal(text: str) -> str:
    """A string literal, single-quoted."""
    return "'" + text.replace("'", "''") + "'"
