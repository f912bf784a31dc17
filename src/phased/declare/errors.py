"""The engine's one error, and the names it gives things after the project it runs for.

The engine knows no product: the Migrator sets the project's names here (its
CLI command, its name, its release), and errors, the migrator's sessions and
the ledger take them from here.
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Names:
    command: str = "migrate"  # how the project's CLI runs the engine, e.g. "gaingrid migrate"
    project: str = "migrate"  # the project's name: its migrator's sessions are "<project>-migrate"
    version: str = "0"  # the project's release, recorded in the ledger


NAMES: ContextVar[Names] = ContextVar("names", default=Names())


class MigrateError(Exception):
    """A refusal or failure the operator must act on. Its message is one line."""


def cli(verb: str) -> str:
    """The command an error tells the operator to run next, as the project's CLI spells it."""
    return f"`{NAMES.get().command} {verb}`"
