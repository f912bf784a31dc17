"""Sample queries: the app queries a phase exists for, run with EXPLAIN on the migrated database.

A phase that adds indexes declares the queries they serve (`SampleQueries(SampleQuery(...), ...)` in its
checks); the check fails when the database would not use the phase's index for one of them. On
PostgreSQL the plan is asked for with sequential scans discouraged, so the answer does not hang on
the table's size today: the question is whether the index serves the query at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from phased.dialects import of as dialect_of
from phased.verification.checks import CheckResult, Context, Work


@dataclass(frozen=True)
class SampleQuery:
    name: str  # what the app asks, as people say it ("/logs by user and date")
    sql: str  # the query, with literal values (no parameters)
    index: str  # the index it needs


class SampleQueries:
    def __init__(self, *queries: SampleQuery) -> None:
        self.queries = queries

    def plan(self, ctx: Context, owner, work: Work) -> None:
        dialect = dialect_of(ctx.conn)
        results = []
        for query in self.queries:
            used = dialect.indexes_used(ctx.conn, query.sql)
            ok = query.index in used
            detail = (f"uses {query.index}" if ok else
                      f"does not use {query.index}: the plan uses {', '.join(sorted(used)) or 'no index'}")
            results.append(CheckResult(owner.number, f"sample query: {query.name}", ok, detail,
                                       data={"index": query.index, "used": sorted(used)}))
        work.result(*results)
