"""The promotion gate: a phase runs on an environment that promotes from another only once the source's
ledger shows it applied and verified, with the same script.

The source is read directly (its ledger), or from a promotion record exported there
(`export-record`) when the target cannot reach it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from phased.declare.errors import MigrateError, cli
from phased.declare.phase import Phase, Project
from phased.state import ledger

RECORD_FORMAT = "phased-promotion-record/1"
APPLYING = ("up", "redo", "finish")  # a step that (re)applies a phase; its entry holds the phase's verification
REVERSING = ("down", "undo")  # their entry's phase is the one they arrive at


@dataclass(frozen=True)
class Applied:
    """A phase the source environment has applied and verified, and the script it ran."""

    phase: int
    script_sha256: str | None
    at: str  # when (UTC, ISO)


def _verified(entry: dict) -> bool:
    if entry["direction"] == "adopt":  # adopt records a phase only if the live schema matches it exactly
        return True
    return bool(entry.get("verified"))


def applied(entries: Iterable[dict]) -> dict[int, Applied]:
    """Phase -> Applied, as the ledger's entries (in order) leave the source: what a down reversed is gone."""
    out: dict[int, Applied] = {}
    for e in entries:
        if e["outcome"] != "ok":
            continue
        if e["direction"] in APPLYING or e["direction"] == "adopt":
            if _verified(e):
                out[e["phase"]] = Applied(e["phase"], e.get("script_sha256"), e["finished_at"])
        elif e["direction"] in REVERSING:
            for number in [n for n in out if n > e["phase"]]:
                del out[number]
    return out


def summary(entry: ledger.Entry) -> dict:
    """What the gate reads of a ledger entry (and what a promotion record keeps of it)."""
    verification = entry.details.get("verification") or {}
    return {"phase": entry.phase, "direction": entry.direction, "outcome": entry.outcome,
            "started_at": entry.started_at.isoformat(sep=" "), "finished_at": entry.finished_at.isoformat(sep=" "),
            "script_sha256": entry.script_sha256, "verified": bool(verification.get("ok")),
            "run": entry.run, "operator": entry.operator}


def refusals(project: Project, steps: Sequence[Phase], source: str, entries: Iterable[dict]) -> list[str]:
    """Why each of `steps` may not run yet, given the source environment's ledger (empty: all may)."""
    done = applied(entries)
    out = []
    for phase in steps:
        here = ledger.script_sha256(project, phase)
        there = done.get(phase.number)
        if there is None:
            out.append(f"phase {phase.label} has not been applied and verified on {source}")
        elif there.script_sha256 != here:
            was = (there.script_sha256 or "none")[:12]
            out.append(f"phase {phase.label}'s script is not the one {source} ran "
                       f"(sha256 {was}… there, {here[:12]}… here)")
    return out


# -- promotion records ------------------------------------------------------------------------

def record(project: Project, environment: str, database: str, phase: int | None,
           entries: Sequence[ledger.Entry]) -> dict:
    """A promotion record: the source's ledger entries and their checksums, to carry where it cannot be reached."""
    return {"format": RECORD_FORMAT, "project": project.name, "environment": environment, "database": database,
            "phase": phase, "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "entries": [summary(e) for e in entries]}


def read_record(path: Path, project: Project, source: str) -> list[dict]:
    """The entries of a promotion record exported on environment `source`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MigrateError(f"cannot read the promotion record {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise MigrateError(f"{path} is not a promotion record (not JSON): make one with "
                           f"{cli(f'export-record --env {source}')}") from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT or not isinstance(data.get("entries"), list):
        raise MigrateError(f"{path} is not a promotion record: make one with {cli(f'export-record --env {source}')}")
    if data.get("project") != project.name:
        raise MigrateError(f"{path} is a record of project {data.get('project')!r}, not {project.name!r}")
    if data.get("environment") != source:
        raise MigrateError(f"{path} was exported on environment {data.get('environment')!r}, but this environment "
                           f"promotes from {source!r}: export it with {cli(f'export-record --env {source}')}")
    keys = {"phase", "direction", "outcome", "finished_at"}
    for e in data["entries"]:
        if not isinstance(e, dict) or not keys <= e.keys() or not isinstance(e["phase"], int):
            raise MigrateError(f"{path}: an entry lacks {', '.join(sorted(keys))}: the record is damaged; export it again")
    return data["entries"]
