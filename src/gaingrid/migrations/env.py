"""Alembic environment: the migration engine's (phased.schema.alembic_env)."""
from phased.schema.alembic_env import run

run()
