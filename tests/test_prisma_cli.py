"""The team's own Prisma tooling keeps working on a database the toolkit migrates.

The pinned Prisma CLI introspects the live database (`prisma db pull`) and
diffs it against Prisma's schema for the phase (`prisma migrate diff`). The
only difference it may see is the toolkit's index for the sync, which exists
while the transition lasts, and which the README describes.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from gaingrid.testing.loads import client_schema, prisma
from tests.harness import legacy_database

SPEC = Path(__file__).parent / "spec"
SYNC_INDEXES = ["gaingrid_migrate_workout_log_userId_date", "gaingrid_migrate_workout_log_workoutId"]


def pull_and_diff(url: str, phase_schema: Path, tmp_path: Path) -> str:
    expected = tmp_path / "expected.prisma"
    expected.write_text(client_schema(phase_schema.read_text()))
    pulled = tmp_path / "pulled.prisma"
    pulled.write_text(expected.read_text())
    done = prisma(["db", "pull"], url, pulled)
    assert done.returncode == 0, (done.stdout + done.stderr)[-1500:]
    diff = prisma(["migrate", "diff", "--from-schema-datamodel", str(pulled), "--to-schema-datamodel",
                   str(expected), "--script"], url)
    assert diff.returncode == 0, diff.stderr[-1500:]
    return "\n".join(line for line in diff.stdout.splitlines()
                     if line.strip() and not line.startswith(("--", "Loaded Prisma config")))


@pytest.mark.parametrize("phase", [5, 6])
def test_prisma_introspects_the_transition_and_sees_only_the_sync_index(pg_url, tmp_path, phase):
    legacy_database(pg_url).up(to=phase)
    schema = next(SPEC.glob(f"{phase}_*.prisma"))
    assert pull_and_diff(pg_url, schema, tmp_path) == "\n".join(f'DROP INDEX "{i}";' for i in SYNC_INDEXES)


def test_after_the_transition_prisma_sees_its_own_schema_exactly(pg_url, tmp_path):
    legacy_database(pg_url).up(to=7)
    assert pull_and_diff(pg_url, next(SPEC.glob("7_*.prisma")), tmp_path) == ""
