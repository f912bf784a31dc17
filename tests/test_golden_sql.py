"""The engine's own SQL, rendered without a database, against reviewed copies
(tests/golden/<dialect>.sql): the sync, the backfill and the deferred foreign
keys, as each dialect renders GainGrid's declarations (Alembic's golden tests).

A change to the engine's SQL shows up here as a diff to review. After reviewing
it, accept the new rendering with:  GAINGRID_GOLDEN=update ./dev test tests/test_golden_sql.py
"""
from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

import phased
from gaingrid.phases import GAINGRID, WORKOUT_LOG
from phased import dialects
from phased.declare.errors import NAMES, Names
from phased.dialects.backfill_sql import BackfillSQL
from phased.dialects.retry import Timeouts
from phased.lifecycle import additions
from phased.movement import sync
from phased.movement.batches import REVISIT_PATIENCE

GOLDEN = Path(__file__).parent / "golden"
_BREAKS = re.compile(r"; | (?=(?:SELECT|FROM|LEFT JOIN|JOIN|WHERE|ON CONFLICT|DO UPDATE|BEGIN|END;|IF|ELSE|RETURN|PERFORM) )")


def readable(statement: str) -> str:
    """One clause to a line, for a reviewer: broken only outside string literals, never changed otherwise."""
    parts, start, quoted = [], 0, False
    for i, ch in enumerate(statement):
        if ch == "'":
            quoted = not quoted
        elif not quoted and (m := _BREAKS.match(statement, i)) and not statement.endswith("DISTINCT", 0, i):
            parts.append(statement[start:m.end() if m.group() == "; " else i].rstrip())
            start = m.end() if m.group() == "; " else i + 1
    parts.append(statement[start:])
    return "\n  ".join(p for p in parts if p)


def render(dialect: str) -> str:
    """As GainGrid's Migrator renders it: with the project's names, whatever ran in this process before."""
    token = NAMES.set(Names(GAINGRID.command, GAINGRID.name, GAINGRID.version))
    try:
        return _render(dialect)
    finally:
        NAMES.reset(token)


def _render(dialect: str) -> str:
    ns = phased.namespace(GAINGRID.namespace, dialect)
    db = dialects.of(dialect)
    sections = [("sync: the objects that keep WorkoutLog in step with WorkoutExercise",
                 sync.install_statements(WORKOUT_LOG, ns))]
    what, statements = db.backfill_script(BackfillSQL(WORKOUT_LOG, db, ns), 2000, Timeouts(), REVISIT_PATIENCE)
    sections.append((f"backfill: {what}", statements))
    for phase in GAINGRID.phases:
        keys = additions.deferred_keys(GAINGRID, phase) if db.defers_foreign_keys else []
        if keys:
            sections.append((f"phase {phase.number}: deferred foreign keys", [s for _, _, s in keys]))
    return "".join(f"-- {title}\n" + "".join(f"{readable(s.strip())};\n" for s in statements) + "\n"
                   for title, statements in sections)


@pytest.mark.parametrize("dialect", dialects.SUPPORTED)
def test_the_engine_renders_the_reviewed_sql(dialect: str) -> None:
    golden = GOLDEN / f"{dialect}.sql"
    rendered = render(dialect)
    if os.environ.get("GAINGRID_GOLDEN") == "update":
        golden.write_text(rendered)
    expected = golden.read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), rendered.splitlines(True),
                                        str(golden), "rendered now"))
    assert not diff, f"the engine's SQL changed; review the diff, then accept it (see this file's docstring):\n{diff}"


def test_the_golden_files_cover_every_part():
    for dialect in dialects.SUPPORTED:
        text = (GOLDEN / f"{dialect}.sql").read_text()
        assert "-- sync:" in text and "-- backfill:" in text and "CREATE TRIGGER" in text
    assert "VALIDATE CONSTRAINT" in (GOLDEN / "postgresql.sql").read_text()
