"""A backfill's statements, rendered for one database from its declaration (declare/backfill.py)."""
from __future__ import annotations

from phased.declare.backfill import SOURCE, Backfill, Reference, expr, q
from phased.declare.namespace import Namespace
from phased.dialects.base import Dialect


class BackfillSQL:
    """The statements of one backfill for one dialect."""

    def __init__(self, backfill: Backfill, dialect: Dialect, ns: Namespace, *, implied: frozenset[str] = frozenset()) -> None:
        self.b = backfill
        self.sql = dialect
        self.ns = ns
        # References that validated constraints on the source side already guarantee
        # (see implied_references): checking them again row by row would be wasted work.
        self.references = tuple(r for r in backfill.references if r.column not in implied)

    @property
    def source_key(self) -> str:
        return f"{SOURCE}.{q(self.b.key)}"

    def _joins(self, outer: bool) -> str:
        kind = "LEFT JOIN" if outer else self.sql.inner_join
        return " ".join(f"{kind} {q(p.table)} AS {p.alias} ON {p.alias}.{q(p.key)} = {SOURCE}.{q(p.on)}"
                        for p in self.b.parents)

    def _reference_exists(self, ref: Reference) -> str:
        return (f"EXISTS (SELECT 1 FROM {q(ref.table)} AS r WHERE r.{q(ref.key)} = "
                f"{expr(self.b.columns[ref.column])})")

    def problems(self) -> list[tuple[str, str]]:
        """(condition, reason) pairs, in order: why a source row cannot be migrated."""
        out = [(f"{p.alias}.{q(p.key)} IS NULL", f"'no {p.table} ' || COALESCE({SOURCE}.{q(p.on)}, 'NULL')")
               for p in self.b.parents]
        out += [(f"NOT {self._reference_exists(r)}",
                 f"'no {r.table} ' || COALESCE({expr(self.b.columns[r.column])}, 'NULL')")
                for r in self.references]
        return out

    def migratable(self) -> str:
        # IN (SELECT key) rather than a correlated EXISTS: SQLite runs it as a plain index
        # lookup, about half the cost per row; PostgreSQL plans both as the same semi-join.
        return " AND ".join(f"{expr(self.b.columns[r.column])} IN (SELECT {q(r.key)} FROM {q(r.table)})"
                            for r in self.references) or "TRUE"

    def _distinct(self, left: str, right: str) -> str:
        return self.sql.distinct(left, right)

    def _ordered(self) -> str:
        # Where writers run side by side, every writer of the target (sync settles, batches)
        # takes its rows in key order, so two of them can wait for each other but never in a cycle.
        return f" ORDER BY {self.source_key}" if self.sql.concurrent_writers else ""

    def upsert(self, where: str) -> str:
        """Copy the migratable source rows matching `where` into the target.

        Re-running it is harmless: existing target rows get the mapped columns
        refreshed (only where they differ), and unmapped ones are kept.
        """
        cols = list(self.b.columns)
        target = q(self.b.target)
        updates = [c for c in cols if c != self.b.key]
        changed = " OR ".join(self._distinct(f"{target}.{q(c)}", f"excluded.{q(c)}") for c in updates)
        return (
            f"INSERT INTO {target} ({', '.join(q(c) for c in cols)}) "
            f"SELECT {', '.join(expr(self.b.columns[c]) for c in cols)} "
            f"FROM {q(self.b.source)} AS {SOURCE} {self._joins(outer=False)} "
            f"WHERE ({where}) AND {self.migratable()}{self._ordered()} "
            f"ON CONFLICT ({q(self.b.key)}) DO UPDATE SET "
            + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in updates)
            + f" WHERE {changed}"
        )

    def forget(self, match: str) -> str:
        """Delete the target rows whose key `match`es (`= OLD.id`, `IN (…)`) and whose source row
        is gone or can no longer be migrated."""
        target, key = q(self.b.target), q(self.b.key)
        return (f"DELETE FROM {target} WHERE {target}.{key} {match} AND NOT EXISTS (SELECT 1 FROM "
                f"{q(self.b.source)} AS {SOURCE} {self._joins(outer=False)} WHERE {self.source_key} = "
                f"{target}.{key} AND {self.migratable()})")

    def forget_quarantine(self, match: str) -> str:
        """Forget quarantined rows whose key `match`es and whose source row is gone."""
        table = q(self.ns.table_name("quarantine"))  # SQLite allows no alias here, even in a trigger
        return (f"DELETE FROM {self.ns.qualified('quarantine')} WHERE backfill = '{self.b.name}' "
                f"AND source_key {match} AND NOT EXISTS (SELECT 1 FROM {q(self.b.source)} AS {SOURCE} "
                f"WHERE {self.source_key} = {table}.source_key)")

    def _mapped(self, where: str) -> str:
        cols = list(self.b.columns)
        return (f"SELECT {', '.join(expr(self.b.columns[c]) + f' AS {q(c)}' for c in cols)} "
                f"FROM {q(self.b.source)} AS {SOURCE} {self._joins(outer=False)} "
                f"WHERE ({where}) AND {self.migratable()}")

    def insert_missing(self, where: str, *, arbiter: bool = True) -> str:
        """The batch's copy: insert the rows not yet in the target, leave the others alone.

        A row the sync already wrote is newer than what the batch read, so a
        conflict means "already done" (ON CONFLICT DO NOTHING). On PostgreSQL
        the batch takes FOR KEY SHARE on the source rows it copies, so a
        delete cannot land between its read and its commit (the row would come
        back in the target). KEY SHARE does not conflict with the app's
        updates, and SKIP LOCKED passes over rows a delete holds right now,
        instead of waiting on the app: batches.py revisits them.

        `arbiter=False` leaves out the ON CONFLICT clause, for a range the
        target has no row in: a row that appears there meanwhile makes the
        insert fail with a unique violation instead of being passed over, and
        the caller then copies the range again with the arbiter.
        """
        target = q(self.b.target)
        insert = f"INSERT INTO {target} ({', '.join(q(c) for c in self.b.columns)}) {self._mapped(where)}"
        arbitrated = f" ON CONFLICT ({q(self.b.key)}) DO NOTHING" if arbiter else ""
        return f"{insert}{self._ordered()}{self.sql.copy_lock(SOURCE)}{arbitrated}"

    def lock_targets(self, where_t: str) -> str:
        """Lock the target rows of a range in key order (before refreshing them from a fresh read)."""
        return (f"SELECT 1 FROM {q(self.b.target)} AS t WHERE {where_t} ORDER BY t.{q(self.b.key)} FOR UPDATE"
                if self.sql.concurrent_writers else "")

    def refresh(self, where: str) -> str:
        """Bring target rows that existed before the backfill (restored from an archive) up to date."""
        target = q(self.b.target)
        updates = [c for c in self.b.columns if c != self.b.key]
        changed = " OR ".join(self._distinct(f"{target}.{q(c)}", f"src.{q(c)}") for c in updates)
        return (f"UPDATE {target} SET {', '.join(f'{q(c)} = src.{q(c)}' for c in updates)} "
                f"FROM ({self._mapped(where)}) AS src "
                f"WHERE {target}.{q(self.b.key)} = src.{q(self.b.key)} AND ({changed})")

    def quarantine(self, where: str) -> str:
        """Record the source rows matching `where` that have no target row and cannot get one, with the reason.

        Run after the upsert: in the common batch every row has its target, the
        anti-join on the target's key finds none, and no parent is looked at.
        """
        problems = self.problems()
        if not problems:
            return ""
        reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in problems) + " END"
        return (
            f"INSERT INTO {self.ns.qualified('quarantine')} (backfill, source_key, reason, row, detected_at) "
            f"SELECT '{self.b.name}', {self.source_key}, {reason}, {self._row_json()}, CURRENT_TIMESTAMP "
            f"FROM {q(self.b.source)} AS {SOURCE} {self._joins(outer=True)} "
            f"WHERE ({where}) AND NOT EXISTS (SELECT 1 FROM {q(self.b.target)} AS t "
            f"WHERE t.{q(self.b.key)} = {self.source_key}) AND ({' OR '.join(c for c, _ in problems)}) "
            f"ON CONFLICT (backfill, source_key) DO UPDATE SET reason = excluded.reason, row = excluded.row"
        )

    def unquarantine(self, where: str) -> str:
        """Forget quarantined source rows matching `where` that now have their target row."""
        table = q(self.ns.table_name("quarantine"))  # SQLite allows no alias here, even in a trigger
        key_only = f"{SOURCE}." not in where.replace(self.source_key, "")
        # A condition on the key alone reads the quarantine's own index; any other goes through the source.
        match = (where.replace(self.source_key, f"{table}.source_key") if key_only else
                 f"{table}.source_key IN (SELECT {self.source_key} FROM {q(self.b.source)} AS {SOURCE} WHERE {where})")
        return (f"DELETE FROM {self.ns.qualified('quarantine')} WHERE backfill = '{self.b.name}' "
                f"AND ({match}) AND EXISTS (SELECT 1 FROM {q(self.b.target)} AS t "
                f"WHERE t.{q(self.b.key)} = {table}.source_key)")

    def _row_json(self) -> str:
        source_cols = sorted({e.split(".", 1)[1] for e in self.b.columns.values() if e.startswith(SOURCE + ".")}
                             | {p.on for p in self.b.parents})
        return self.sql.row_json(SOURCE, source_cols)

    def start(self) -> str:
        """The checkpoint row, if the backfill has none yet. `refresh`: the target already had rows
        (restored from an archive), so batches also bring those up to date."""
        now = self.sql.utc_now
        # A two-way sync's restored rows are restored already mapped (preserve.restore_mapped): none to refresh.
        refresh = "FALSE" if self.b.reverse is not None else f"EXISTS (SELECT 1 FROM {q(self.b.target)})"
        return (f"INSERT INTO {self.ns.qualified('backfill')} (name, rows_done, status, refresh, started_at, "
                f"updated_at) SELECT '{self.b.name}', 0, 'running', {refresh}, "
                f"{now}, {now} WHERE true ON CONFLICT (name) DO NOTHING")

    def range_where(self, lo: bool, hi: bool, alias: str = SOURCE) -> str:
        """The key range (:lo, :hi] on the rows of `alias` (the source's, or the target's `t`)."""
        key = f"{alias}.{q(self.b.key)}"
        parts = []
        if lo:
            parts.append(f"{key} > :lo")
        if hi:
            parts.append(f"{key} <= :hi")
        return " AND ".join(parts) or "TRUE"

    def next_boundary(self, lo: bool) -> str:
        """The key that ends the next batch of :n rows (none: the rest is the last batch)."""
        where = f"WHERE {q(self.b.key)} > :lo " if lo else ""
        return f"SELECT {q(self.b.key)} FROM {q(self.b.source)} {where}ORDER BY {q(self.b.key)} LIMIT 1 OFFSET :offset"
