"""Alembic environment: the engine hands in the connection and its options.

The version table lives in the toolkit's namespace. Each revision runs in its
own transaction (SQLite's too: see gaingrid.migrate.dialect), and the
engine's `on_version_apply` hook validates the result before that
transaction commits.
"""
from alembic import context

config = context.config
namespace = config.attributes["migrate.namespace"]
common = dict(
    version_table=namespace.table_name("alembic_version"),
    version_table_schema=namespace.schema,
    transaction_per_migration=True,
    transactional_ddl=True,
    render_as_batch=True,
)

if context.is_offline_mode():
    context.configure(
        url=config.attributes["migrate.url"], literal_binds=True,
        on_version_apply=config.attributes.get("migrate.on_version_apply", ()), **common,
    )
    context.run_migrations()
else:
    context.configure(
        connection=config.attributes["connection"],
        on_version_apply=config.attributes.get("migrate.on_version_apply", ()),
        **common,
    )
    context.run_migrations()
