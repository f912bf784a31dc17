"""Alembic environment: the migration engine's (gaingrid.migrate.alembic_env)."""
from gaingrid.migrate.alembic_env import run

run()
