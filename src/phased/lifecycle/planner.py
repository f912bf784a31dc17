"""The planner: what `up` or `down` would run, rendered as SQL without a database.

Each phase is rendered through Alembic's offline mode, one revision at a
time, with the engine's additions (additions.py) emitted by the same hook
that runs them online, for a database assumed to be exactly at the phase
before. Around each revision come the statements the engine runs outside
its transaction: the sync's indexes, the backfill (its dialect's script) and the
deferred foreign keys. The result runs as it stands:
`psql -X -v ON_ERROR_STOP=1 -f plan.sql`.
"""
from __future__ import annotations

import io

import sqlalchemy as sa

from phased import dialects
from phased.declare.phase import Phase, Project
from phased.dialects.backfill_sql import BackfillSQL
from phased.dialects.retry import Timeouts
from phased.lifecycle import additions
from phased.movement.batches import REVISIT_PATIENCE
from phased.schema import alembic_bridge


class Planner:
    def __init__(self, project: Project, url: sa.URL, timeouts: Timeouts, batch_size: int) -> None:
        self.project, self.url, self.timeouts, self.batch_size = project, url, timeouts, batch_size
        self.dialect = dialects.of(url)
        self.ns = self.dialect.namespace(project.namespace)

    def render(self, direction: str, start: int, steps: tuple[Phase, ...]) -> str:
        if not steps:
            return ""
        out = self._header(direction, start, steps[-1].number - (1 if direction == "down" else 0))
        previous = self.project.phase(start) if start else None
        for phase in steps:
            out += self._step(phase, previous, down=direction == "down")
            previous = self.project.phase(phase.number - 1) if direction == "down" else phase
        return out

    def _header(self, direction: str, start: int, target: int) -> list[str] | str:
        lines = [
            f"-- {self.project.command} {direction}: phase {start} to {target}, {self.dialect.title}, rendered "
            "without a database.",
            f"-- The statements `{self.project.command}` sends, in its order; run as it stands with",
            f"-- {self.dialect.script_runner}.",
            "-- Around them the command takes a backup, records a baseline fingerprint and the ledger",
            f'-- in "{self.ns.name}", verifies each phase, paces the backfill, and retries a step whose',
            "-- lock wait times out. None of that touches the application's tables.",
        ]
        statements = self.dialect.session_start(self.ns, self.timeouts)
        return "\n".join(lines + [s + ";" for s in statements]) + "\n\n"

    def _statements(self, comment: str, statements: list[str]) -> str:
        if not statements:
            return ""
        return f"-- {comment}\n" + "\n".join(s + ";" for s in statements) + "\n\n"

    def _step(self, phase: Phase, previous: Phase | None, *, down: bool) -> str:
        arrive = self.project.phase(phase.number - 1) if down else phase
        before = additions.assumed(self.project, self.ns, previous)
        out = ""
        built = []
        if not down:
            built = additions.indexes(self.project, self.ns, arrive, before, drops=False)
            out += self._outside(f"phase {phase.label}: the sync's indexes, before the triggers that use them", built)
        out += self._revision(phase, before, down=down)
        if not down:
            out += self._backfills(phase)
            out += self._deferred_keys(phase)
        arrived = additions.assumed(self.project, self.ns, arrive)
        indexes = {**before.indexes, **(arrived.indexes if built else {})}
        out += self._outside(f"phase {phase.label}: the sync's indexes, after the phase",
                             additions.indexes(self.project, self.ns, arrive,
                                               additions.Situation(arrived.sync, indexes, arrived.tables), drops=True))
        return out

    def _outside(self, comment: str, statements: list[str]) -> str:
        """Statements `up` runs each on its own connection, outside any transaction, under the long timeouts."""
        if not statements:
            return ""
        return self._statements(comment, self.dialect.alone(statements, self.timeouts))

    def _revision(self, phase: Phase, before: additions.Situation, *, down: bool) -> str:
        def emit(ctx, step, heads, run_args):
            for statement in additions.in_transaction(self.project, self.ns, phase, down=down, now=before):
                if isinstance(statement, str):
                    ctx.impl.static_output(statement + ctx.impl.command_terminator)
                else:
                    ctx.execute(statement)

        cfg = alembic_bridge.config(self.project, self.ns, url=self.url, output=io.StringIO(),
                                    on_version_apply=emit, timeouts=self.timeouts)
        leave = self.project.phase(phase.number - 1) if down else (
            self.project.phase(phase.number - 1) if phase.number > 1 else None)
        if down:
            return alembic_bridge.render_sql(cfg, phase.revision, leave.revision, down=True)
        return alembic_bridge.render_sql(cfg, leave.revision if leave else None, phase.revision)

    def _backfills(self, phase: Phase) -> str:
        out = ""
        for b in phase.backfills:
            what, statements = self.dialect.backfill_script(BackfillSQL(b, self.dialect, self.ns), self.batch_size,
                                                            self.timeouts, REVISIT_PATIENCE)
            out += self._statements(f"phase {phase.label}: backfill {b.name}: {what}", statements)
        return out

    def _deferred_keys(self, phase: Phase) -> str:
        if not self.dialect.defers_foreign_keys:
            return ""
        out = ""
        for name, step, statement in additions.deferred_keys(self.project, phase):
            kind = "blocking" if step == "add" else "background"
            out += self._statements(f"phase {phase.label}: {step} foreign key {name}, in its own transaction",
                                    ["BEGIN", *self.timeouts.settings(kind, local=True), statement, "COMMIT"])
        return out
