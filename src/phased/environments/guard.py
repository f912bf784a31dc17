"""What an environment enforces before a command changes its database: the promotion gate, the
maintenance window; and the record of an override (`--force` with a reason)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

import sqlalchemy as sa

from phased.declare.errors import MigrateError, cli
from phased.declare.phase import Phase, Project
from phased.dialects import engines
from phased.lifecycle.commands import Migrator
from phased.state import ledger
from phased.state.state import namespace_for

from . import gate
from .config import Config, Environment

OVERRIDE = ledger.OVERRIDE  # the ledger's direction for a recorded override


@dataclass
class Refusals:
    """What stands in a command's way on an environment, and whether it was overridden."""

    command: str
    environment: str
    reasons: list[str] = field(default_factory=list)
    remedy: str = ""  # what to do instead of forcing

    def enforce(self, *, force: bool, reason: str | None) -> None:
        if not self.reasons:
            return
        if not force:
            more = f" (and {len(self.reasons) - 1} more)" if len(self.reasons) > 1 else ""
            raise MigrateError(f"{self.command} refused on {self.environment}: {self.reasons[0]}{more}; {self.remedy}"
                               f"or override with --force --reason TEXT (recorded in the ledger)")
        if not (reason or "").strip():
            raise MigrateError("--force needs --reason TEXT: an override is recorded in the ledger with its reason")


class Rollout:
    """A project's environment, as the commands meet it."""

    def __init__(self, project: Project, config: Config, name: str, *, environ: Mapping[str, str] | None = None) -> None:
        self.project, self.config = project, config
        self.env: Environment = config.environment(name)
        self.environ = environ

    @property
    def name(self) -> str:
        return self.env.name

    def migrator_url(self) -> str:
        return self.env.migrator_url(self.environ)

    def source(self) -> Environment | None:
        return self.config.environments[self.env.promotes_from] if self.env.promotes_from else None

    # -- the checks ----------------------------------------------------------------------

    def window(self, command: str, now: datetime | None = None) -> Refusals:
        out = Refusals(command, self.name, remedy="wait for the window, ")
        window = self.env.window
        if window is None:
            return out
        now = now or datetime.now(timezone.utc)
        if not window.is_open(now):
            local = now.astimezone(window.zone)
            out.reasons.append(f"outside its maintenance window ({window.describe()}; it is {local:%a %H:%M} there)")
        return out

    def promotion(self, steps: Sequence[Phase], *, record: Path | None = None) -> Refusals:
        """The gate for `up` of `steps`: the source's ledger (or its exported record) must show each applied
        and verified, with the same script."""
        source = self.source()
        out = Refusals("up", self.name)
        if source is None and record is not None:
            raise MigrateError(f"--record is for the promotion gate, and environment {self.name} promotes from no "
                               "other (promotes_from in the config file)")
        if source is None or not steps:
            return out
        out.remedy = f"run it on {source.name} first ({cli(f'up --env {source.name}')}), "
        if record is not None:
            entries = gate.read_record(record, self.project, source.name)
        else:
            entries = self.source_entries(source)
        out.reasons += gate.refusals(self.project, steps, source.name, entries)
        return out

    def source_entries(self, source: Environment) -> list[dict]:
        try:
            url = source.migrator_url(self.environ)
        except MigrateError as exc:
            raise MigrateError(f"{exc}: the promotion gate reads {source.name}'s ledger; where it cannot be "
                               f"reached, pass --record FILE from {cli(f'export-record --env {source.name}')}") from None
        return [gate.summary(e) for e in Migrator(self.project, url).history()]

    # -- the record of an override -------------------------------------------------------

    def record_override(self, url: str | sa.URL, command: str, phase: int, refusals: Sequence[Refusals], reason: str) -> None:
        overridden = [r for refusal in refusals for r in refusal.reasons]
        if not overridden:
            return
        at = ledger.now()
        entry = ledger.Entry(phase, OVERRIDE, at, at, 0.0, "ok", details={
            "environment": self.name, "command": command, "reason": reason.strip(), "overridden": overridden})
        with engines.connection(engines.parse_url(url) if isinstance(url, str) else url, migrating=True) as conn:
            ns = namespace_for(self.project, conn)
            ns.ensure(conn)
            conn.commit()
            ledger.record(conn.engine, ns, entry)
