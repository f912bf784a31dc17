"""GainGrid's Alembic revisions, one per phase (gaingrid.phases).

The schema is declared once, in gaingrid.models, each table, column and index
tagged with the phase that adds it. Each phase's expected schema is derived
from those tags, and `up` checks the live schema against it inside the phase's
transaction, so a revision that strays from the models cannot land.

The upgrades stay hand-written because what they must say is not in the
models: the lock-safe forms (foreign keys NOT VALID, indexes CONCURRENTLY,
SQLite's batch rebuilds), the archives a downgrade keeps of what it drops,
and Prisma's physical names and enum order, which the app reads. A downgrade
that brings back a dropped table is derived from the models
(ddl.recreate_table); the others drop what their upgrade added, which is
shorter to write than to derive and is checked the same way.
"""
