"""A PostgreSQL backfill batch as one server-side block.

`up` runs one batch as `DO $gg$ <batch> $gg$` in its own transaction, and
`plan --sql` prints that same block inside a loop that commits after each
batch: what the plan shows is what runs. The block reads its range from the
checkpoint row, copies it, quarantines and remembers what it could not copy,
and moves the checkpoint. Each statement goes through EXECUTE … USING, so it
is planned for the actual key range every time (a generic plan would not
know the range is narrow).
"""
from __future__ import annotations

from phased.declare.backfill import SOURCE, q
from phased.declare.errors import NAMES
from phased.dialects.backfill_sql import BackfillSQL
from phased.dialects.postgresql_reverse import engine_writes as engine_writes_setting
from phased.dialects.retry import Timeouts

NOW = "(now() AT TIME ZONE 'utc')"  # the bookkeeping keeps naive UTC timestamps (PostgreSQL.utc_now)
_RANGE = ("({a}.{k} > $1 OR $1 IS NULL) AND ({a}.{k} <= $2 OR $2 IS NULL)")


def _quoted(statement: str) -> str:
    if "$q$" in statement:
        raise ValueError("a backfill statement contains the block's quote tag $q$")
    return f"$q${statement}$q$"


# Hash and merge joins off leave the nested loop over the parent's primary key (a full join of
# two ranges still gets its merge join: it has no other). One range is too little work for
# JIT compiling or parallel workers to pay for themselves; the verification runs ranges side by side.
# A range's rows come a few to each parent: with room to remember the parents it looked up
# (Memoize, about 4 MB for a 100,000-row range), the planner looks each up once, not per row.
# At the default 4 MB it would not: verifying 1M rows took 1.34 s, against 1.0 s with 16 MB.
RANGE_PLAN_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL enable_hashjoin = off",
                       "SET LOCAL enable_mergejoin = off", "SET LOCAL max_parallel_workers_per_gather = 0",
                       "SET LOCAL work_mem = '16MB'")


def session_settings(timeouts: Timeouts) -> list[str]:
    """The batch's settings: bounded waits, and plans that look parents up by key."""
    return [*timeouts.settings("batch", local=True), *RANGE_PLAN_SETTINGS]


def engine_writes(sql: BackfillSQL) -> list[str]:
    """A two-way sync does not mirror the batch's own target writes back into the source."""
    return [f"SET LOCAL {engine_writes_setting(sql.b, sql.ns)} = 'on'"] if sql.b.reverse is not None else []


def passed_over(sql: BackfillSQL, where: str) -> str:
    """Remember the range's rows that have no target row and no quarantine entry: a delete held them."""
    quarantined = (f"SELECT 1 FROM {sql.ns.qualified('quarantine')} AS qq WHERE qq.backfill = '{sql.b.name}' "
                   f"AND qq.source_key = {sql.source_key}")
    return (f"INSERT INTO {sql.ns.qualified('pending')} (backfill, source_key) "
            f"SELECT '{sql.b.name}', {sql.source_key} FROM {q(sql.b.source)} AS {SOURCE} "
            f"WHERE ({where}) AND NOT EXISTS (SELECT 1 FROM {q(sql.b.target)} AS t "
            f"WHERE t.{q(sql.b.key)} = {sql.source_key}) AND NOT EXISTS ({quarantined}) ON CONFLICT DO NOTHING")


def batch(sql: BackfillSQL, size: int, timeouts: Timeouts) -> str:
    """One batch, as the body of a DO block."""
    b, key = sql.b, q(sql.b.key)
    where, where_t = _RANGE.format(a=SOURCE, k=key), _RANGE.format(a="t", k=key)
    checkpoint = sql.ns.qualified("backfill")
    boundary = (f"SELECT {key} FROM {q(b.source)} WHERE ({key} > $1 OR $1 IS NULL) ORDER BY {key} "
                f"LIMIT 1 OFFSET $2")
    count = f"SELECT count(*) FROM {q(b.source)} AS {SOURCE} WHERE {where}"
    # PostgreSQL's ON CONFLICT arbiter costs a speculative insertion per row, about a third of
    # the batch. A range the target has no row in yet (the common case) is copied without it;
    # if the sync writes a row there meanwhile, the unique violation sends the range back
    # through the arbitrated copy, in the same transaction.
    occupied = f"SELECT EXISTS (SELECT 1 FROM {q(b.target)} AS t WHERE {where_t})"
    copy, plain_copy = (f"EXECUTE {_quoted(sql.insert_missing(where, arbiter=arbiter))} USING lo, hi; "
                        "GET DIAGNOSTICS inserted = ROW_COUNT;" for arbiter in (True, False))
    quarantine = sql.quarantine(where)
    catch_up = [f"EXECUTE {_quoted(s)} USING lo, hi;" for s in (quarantine, passed_over(sql, where)) if s]
    return (
        "DECLARE lo text; hi text; done bigint; processed bigint; inserted bigint; again boolean; taken boolean; "
        f"BEGIN SELECT last_key, rows_done, refresh INTO lo, done, again FROM {checkpoint} WHERE name = '{b.name}'; "
        + " ".join(s + ";" for s in session_settings(timeouts) + engine_writes(sql))
        + f" EXECUTE {_quoted(boundary)} INTO hi USING lo, {size - 1}; "
        f"IF hi IS NULL THEN EXECUTE {_quoted(count)} INTO processed USING lo, hi; ELSE processed := {size}; END IF; "
        f"IF again THEN EXECUTE {_quoted(sql.lock_targets(where_t))} USING lo, hi; "
        f"EXECUTE {_quoted(sql.refresh(where))} USING lo, hi; END IF; "
        f"EXECUTE {_quoted(occupied)} INTO taken USING lo, hi; "
        f"IF taken THEN {copy} ELSE BEGIN {plain_copy} EXCEPTION WHEN unique_violation THEN {copy} END; END IF; "
        # Only rows that existed when the range was drawn can be inserted here. When all of
        # them were, none can need the quarantine or a revisit: both searches are skipped.
        f"IF again OR inserted <> processed THEN {' '.join(catch_up)} END IF; "
        f"EXECUTE {_quoted(sql.unquarantine(where))} USING lo, hi; "
        f"UPDATE {checkpoint} SET last_key = coalesce(hi, lo), rows_done = done + processed, updated_at = {NOW}, "
        f"status = CASE WHEN hi IS NULL THEN 'done' ELSE 'running' END, "
        f"finished_at = CASE WHEN hi IS NULL THEN {NOW} END WHERE name = '{b.name}'; END"
    )


def revisit(sql: BackfillSQL, timeouts: Timeouts) -> str:
    """Copy the pending rows a delete no longer holds; forget those copied, quarantined or gone."""
    pending = sql.ns.qualified("pending")
    where = f"{sql.source_key} IN (SELECT source_key FROM {pending} WHERE backfill = '{sql.b.name}')"
    quarantine = sql.quarantine(where)
    return (
        "BEGIN " + " ".join(s + ";" for s in session_settings(timeouts) + engine_writes(sql))
        + f" {sql.insert_missing(where)};" + (f" {quarantine};" if quarantine else "")
        + f" DELETE FROM {pending} AS p WHERE p.backfill = '{sql.b.name}' AND ("
        f"EXISTS (SELECT 1 FROM {q(sql.b.target)} AS t WHERE t.{q(sql.b.key)} = p.source_key) OR "
        f"EXISTS (SELECT 1 FROM {sql.ns.qualified('quarantine')} AS qq WHERE qq.backfill = p.backfill "
        f"AND qq.source_key = p.source_key) OR NOT EXISTS (SELECT 1 FROM {q(sql.b.source)} AS {SOURCE} "
        f"WHERE {sql.source_key} = p.source_key)); END"
    )


def script(sql: BackfillSQL, size: int, timeouts: Timeouts, patience: float) -> list[str]:
    """The whole backfill as `plan --sql` prints it: the batches in a loop that commits after each,
    then the revisit of rows a delete held, until none is left or `patience` runs out."""
    checkpoint, pending = sql.ns.qualified("backfill"), sql.ns.qualified("pending")
    left = f"EXISTS (SELECT 1 FROM {pending} WHERE backfill = '{sql.b.name}')"
    tries = max(1, int(patience))
    return [
        sql.start(),
        f"DO $gg$ BEGIN LOOP {batch(sql, size, timeouts)}; COMMIT; "
        f"EXIT WHEN (SELECT status FROM {checkpoint} WHERE name = '{sql.b.name}') = 'done'; END LOOP; END $gg$",
        f"DO $gg$ BEGIN FOR attempt IN 1..{tries} LOOP {revisit(sql, timeouts)}; COMMIT; "
        f"EXIT WHEN NOT {left}; PERFORM pg_sleep(1); END LOOP; IF {left} THEN RAISE EXCEPTION "
        f"'backfill {sql.b.name}: rows are still held by other sessions; end them, then run {NAMES.get().command} up'; "
        f"END IF; END $gg$",
    ]
