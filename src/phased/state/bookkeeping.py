"""The toolkit's own tables: backfill checkpoints, rows to revisit, the quarantine, the ledger.

They live in the toolkit's namespace (never in the application's schema) and
are created on first use.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

from phased.declare.namespace import Namespace


def tables(ns: Namespace) -> dict[str, sa.Table]:
    md = sa.MetaData(schema=ns.schema)
    backfill = sa.Table(
        ns.table_name("backfill"), md,
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("last_key", sa.Text),  # keyset checkpoint: every source key <= this is done
        sa.Column("rows_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("status", sa.Text, nullable=False),  # running | done
        sa.Column("refresh", sa.Boolean, nullable=False, server_default=sa.false()),  # target had rows at start
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
    )
    quarantine = sa.Table(
        ns.table_name("quarantine"), md,
        sa.Column("backfill", sa.Text, primary_key=True),
        sa.Column("source_key", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("row", sa.Text),  # the source row as JSON, for the operator
        sa.Column("detected_at", sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
    )
    pending = sa.Table(  # source rows a batch passed over because the app held them at that moment
        ns.table_name("pending"), md,
        sa.Column("backfill", sa.Text, primary_key=True),
        sa.Column("source_key", sa.Text, primary_key=True),
    )
    inflight = sa.Table(  # the phase step under way, if one was stopped part way (inflight.py)
        ns.table_name("inflight"), md,
        sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),  # one row at most
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
    )
    ledger = sa.Table(
        ns.table_name("ledger"), md,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("run", sa.Text),  # entries of one command share it
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),  # up | down | adopt | backfill | verify
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("rows_moved", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("outcome", sa.Text, nullable=False),  # ok | failed
        sa.Column("error", sa.Text),
        sa.Column("backup", sa.Text),
        sa.Column("operator", sa.Text, nullable=False),
        sa.Column("tool_version", sa.Text, nullable=False),
        sa.Column("script_sha256", sa.Text),
        sa.Column("details", sa.Text),  # JSON: verification results, backfill throughput samples
    )
    baseline = sa.Table(
        ns.table_name("fingerprint"), md,
        sa.Column("label", sa.Text, primary_key=True),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    return {"backfill": backfill, "quarantine": quarantine, "pending": pending, "inflight": inflight,
            "ledger": ledger, "fingerprint": baseline}


def create_statements(ns: Namespace) -> list[sa.schema.DDLElement]:
    """CREATE TABLE IF NOT EXISTS for each table: the same statements online and in `plan --sql`."""
    return [CreateTable(t, if_not_exists=True) for t in tables(ns).values()]


def ensure(conn: sa.Connection, ns: Namespace) -> dict[str, sa.Table]:
    ns.ensure(conn)
    for statement in create_statements(ns):
        conn.execute(statement)
    return tables(ns)


def exists(conn: sa.Connection, ns: Namespace, table: str = "backfill") -> bool:
    return sa.inspect(conn).has_table(ns.table_name(table), schema=ns.schema)
