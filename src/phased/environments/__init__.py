"""Environments: dev → staging → production, as the engine enforces it.

A project's config file (`<project>.toml`, or `[tool.<project>]` in pyproject.toml) names its
environments: each with its database URL (read from an environment variable), a backup directory,
an optional maintenance window, the environment it promotes from, an optional direct URL for the
migrator. Before a command changes an environment's database, the promotion gate (the source's
ledger shows each phase applied and verified, with the same script) and the window must allow it,
or an override with a reason is recorded in the ledger.
"""
from phased.environments.config import Config, ConfigError, Environment, Window, load
from phased.environments.guard import Refusals, Rollout
from phased.environments.schedule import announcement

__all__ = ["Config", "ConfigError", "Environment", "Refusals", "Rollout", "Window", "announcement", "load"]
