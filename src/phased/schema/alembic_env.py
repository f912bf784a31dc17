"""What every project's Alembic env.py runs: the engine hands in the connection and its options.

The version table lives in the engine's namespace. Each revision runs in its
own transaction (SQLite's too: see dialect.py), and the engine's
`on_version_apply` hook adds the sync and validates the result before that
transaction commits; offline (`plan --sql`) the same hook renders it.
"""
from __future__ import annotations

from alembic import context


def run() -> None:
    config = context.config
    namespace = config.attributes["migrate.namespace"]
    options = dict(
        version_table=namespace.table_name("alembic_version"),
        version_table_schema=namespace.schema,
        transaction_per_migration=True,
        transactional_ddl=True,
        render_as_batch=True,
        on_version_apply=config.attributes.get("migrate.on_version_apply", ()),
    )
    if context.is_offline_mode():
        context.configure(url=config.attributes["migrate.url"], literal_binds=True, **options)
    else:
        context.configure(connection=config.attributes["connection"], **options)
    context.run_migrations()
