"""phased: phased, online, verifiable schema migrations, as a library.

A project declares its plan as data (a Project of Phases, each with its
Alembic revision, its Backfills and its Checks); the engine carries a live
database through it, forward and back, with a ledger of every step. It knows
nothing of any product: GainGrid is one project, examples/blog another.

The rooms, each a layer that imports only the ones below it (pyproject.toml's
import-linter contracts keep it so):

    environments   dev → staging → production: config, promotion gate, windows
    lifecycle      the commands, and each phase step's start, complete, rollback
    verification   checks, row comparison, parallel snapshot readers
    safety         backups and restores
    movement       backfill batches, pacing, the transition's sync
    state          where a database stands: phase, step in flight, ledger
    schema         shapes, Alembic, lock-safe DDL, archives
    dialects       one object per database, the only place that knows its name
    declare        what a project declares, and the engine's vocabulary

An application (its service, its CLI) uses what this module exports.
"""
from __future__ import annotations

from phased.declare.backfill import Backfill, Parent, Reference
from phased.declare.errors import NAMES, MigrateError, Names
from phased.declare.namespace import Namespace
from phased.declare.phase import Phase, Project
from phased.declare.sql import quote
from phased.dialects import of as dialect_of
from phased.dialects.engines import connection, create_engine, parse_url, redact
from phased.dialects.retry import Timeouts
from phased.dialects.sqlite import BUSY_TIMEOUT_MS as SQLITE_BUSY_TIMEOUT_MS
from phased.dialects.sqlite import require_directory
from phased.environments.schedule import announcement
from phased.lifecycle.commands import Migrator, Plan, StepResult
from phased.schema.shapes import metadata_at_phase
from phased.state.state import DatabaseState, read_state, recorded_revision


def namespace(name: str, dialect: str) -> Namespace:
    """Where tables named `name_…` (or in schema `name`) live on a database of that dialect."""
    return dialect_of(dialect).namespace(name)


__all__ = [
    "Backfill", "DatabaseState", "announcement", "MigrateError", "Migrator", "NAMES", "Names", "Namespace", "Parent", "Phase",
    "Plan", "Project", "Reference", "SQLITE_BUSY_TIMEOUT_MS", "StepResult", "Timeouts", "connection",
    "create_engine", "dialect_of", "metadata_at_phase", "namespace", "parse_url", "quote", "read_state",
    "recorded_revision", "redact", "require_directory",
]
