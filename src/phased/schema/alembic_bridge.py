"""Drive Alembic as a library: one call per phase, on our connection."""
from __future__ import annotations

import io
from typing import Callable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from phased.declare.namespace import Namespace
from phased.declare.phase import Project
from phased.dialects.retry import Timeouts


def config(project: Project, namespace: Namespace | None, *, connection: sa.Connection | None = None,
           url: sa.URL | None = None, on_version_apply: Callable | None = None,
           output: io.StringIO | None = None, timeouts: Timeouts = Timeouts()) -> Config:
    cfg = Config(output_buffer=output)
    cfg.set_main_option("script_location", project.script_location)
    cfg.attributes["migrate.namespace"] = namespace
    cfg.attributes["migrate.project"] = project
    cfg.attributes["migrate.timeouts"] = timeouts
    if connection is not None:
        cfg.attributes["connection"] = connection
    if url is not None:
        cfg.attributes["migrate.url"] = url
    if on_version_apply is not None:
        cfg.attributes["migrate.on_version_apply"] = [on_version_apply]
    return cfg


def upgrade(cfg: Config, revision: str) -> None:
    command.upgrade(cfg, revision)


def downgrade(cfg: Config, revision: str) -> None:
    command.downgrade(cfg, revision)


def stamp(cfg: Config, revision: str) -> None:
    command.stamp(cfg, revision)


def render_sql(cfg: Config, start: str | None, end: str, *, down: bool = False) -> str:
    """The exact SQL of the steps between two revisions, without a database (Alembic's --sql)."""
    assert cfg.output_buffer is not None
    span = f"{start}:{end}" if start else end
    (command.downgrade if down else command.upgrade)(cfg, span, sql=True)
    return cfg.output_buffer.getvalue()


def scripts(project: Project) -> ScriptDirectory:
    """The project's revision scripts, read without a database."""
    return ScriptDirectory.from_config(config(project, None))


def revisions(project: Project) -> list[str]:
    """The chain of revision ids in the script directory, oldest first."""
    return [rev.revision for rev in reversed(list(scripts(project).walk_revisions()))]
