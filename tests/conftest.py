from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import hypothesis  # noqa: F401  Imported up front: CPython 3.11.7 can fail to parse a module first imported after threaded tests (gh-106905)
import pytest

from gaingrid.testing import pg_replica, pg_server


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    with pg_server.temporary_server() as url:
        yield url


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    url = pg_server.create_database(pg_admin_url)
    yield url
    pg_server.drop_database(pg_admin_url, url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, empty SQLite file for one test."""
    return f"sqlite:///{tmp_path / 'gaingrid.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on each database."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture(autouse=True)
def _backups_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`gaingrid migrate up` backs up first: keep those backups out of the working tree."""
    monkeypatch.setenv("GAINGRID_BACKUP_DIR", str(tmp_path / "backups"))


@pytest.fixture(scope="module")
def pg_replicated() -> Iterator[tuple[str, str]]:
    """A PostgreSQL server with a streaming replica: (primary admin URL, replica admin URL).

    The server is one of its own (unless GAINGRID_TEST_PG_REPLICA_URL names an existing replica of
    GAINGRID_TEST_PG_URL's): every backfill watches the replicas its primary lists, and no other
    test's should wait for this one, nor for a replay a test paused."""
    external = bool(os.environ.get(pg_replica.EXTERNAL_REPLICA_ENV))
    with pg_server.running(own=not external) as primary, pg_replica.temporary_replica(primary.url) as replica:
        yield primary.url, replica
