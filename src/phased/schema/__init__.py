"""The shape of a database and how it changes: expected and live shapes compared
name for name (shapes), Alembic as a library (alembic_bridge, alembic_env),
lock-safe DDL for revision scripts (ddl), archives of what a step drops
(preserve), and foreign keys added after a backfill (deferred).
Change here: what "the schema is the phase's" means, or a new DDL helper for revisions.
"""
