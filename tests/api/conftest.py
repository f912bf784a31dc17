"""The service under test: real databases at a chosen phase, an app per test.

Migrating a database takes ~0.6 s on SQLite and ~1.5 s on PostgreSQL, so each
(backend, phase, catalog) is migrated once per session into a template, and
every test gets a fresh copy of it: a file copy, or CREATE DATABASE … TEMPLATE.
"""
from __future__ import annotations

import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from gaingrid.api import Settings, create_app
from gaingrid.phases import GAINGRID
from gaingrid.service import catalog
from gaingrid.testing import pg_server
from phased.dialects import engines
from phased.lifecycle.commands import Migrator

with warnings.catch_warnings():
    # Starlette would rather have httpx2; httpx is what FastAPI's docs and schemathesis use.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
# Cheap argon2 parameters: the suite registers hundreds of users, all from the same address.
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}
NO_RATE_LIMITS = {"rate_limit_per_account": "100000/minute", "rate_limit_per_address": "100000/minute"}
SECRET = "x" * 40


def settings_for(url: str, **overrides: Any) -> Settings:
    return Settings(database_url=url, token_secret=SECRET, **{**FAST_HASHING, **NO_RATE_LIMITS, **overrides})


class Templates:
    """Migrated template databases, built on first use."""

    def __init__(self, root: Path, request: pytest.FixtureRequest) -> None:
        self.root = root
        self.request = request
        self.built: dict[tuple[str, int, bool], str] = {}

    def admin(self) -> str:
        return self.request.getfixturevalue("pg_admin_url")

    def get(self, backend: str, phase: int, with_catalog: bool) -> str:
        key = (backend, phase, with_catalog)
        if key not in self.built:
            url = self.new_database(backend, f"tpl{phase}{int(with_catalog)}")
            if phase:
                Migrator(GAINGRID, url).up(to=phase)
                if with_catalog:
                    load_catalog(url, phase)
            self.built[key] = url
        return self.built[key]

    def shared(self, backend: str) -> str:
        """One phase-6 database with the catalog, shared by the tests that only add their own users' data."""
        key = (backend, -1, True)
        if key not in self.built:
            self.built[key] = self.copy(self.get(backend, 6, True))
        return self.built[key]

    def new_database(self, backend: str, prefix: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self.root / f'{prefix}-{uuid.uuid4().hex[:8]}.db'}"
            Path(url.removeprefix("sqlite:///")).touch()
            return url
        return pg_server.create_database(self.admin(), prefix=prefix)

    def copy(self, source: str) -> str:
        """A new database with `source`'s contents: a file copy, or CREATE DATABASE … TEMPLATE."""
        if source.startswith("sqlite"):
            url = f"sqlite:///{self.root / f'db-{uuid.uuid4().hex[:8]}.db'}"
            shutil.copyfile(source.removeprefix("sqlite:///"), url.removeprefix("sqlite:///"))
            return url
        name = f"gg_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_server._libpq(self.admin()), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(source.rsplit("/", 1)[1])))
        return source.rsplit("/", 1)[0] + "/" + name


def load_catalog(url: str, phase: int) -> catalog.LoadResult:
    engine = engines.create_engine(engines.parse_url(url))
    try:
        with engine.begin() as conn:
            return catalog.load(conn, phase)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"), request)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database(backend: str, templates: Templates) -> Iterator[Callable[..., str]]:
    """database(phase=6, with_catalog=True) -> the URL of a fresh copy of that template."""
    made: list[str] = []

    def make(phase: int = 6, with_catalog: bool = True) -> str:
        made.append(templates.copy(templates.get(backend, phase, with_catalog)))
        return made[-1]

    yield make
    if backend == "postgresql":
        for url in made:
            pg_server.drop_database(templates.admin(), url)


@dataclass
class As:
    """Requests as one user (a bearer token on every call)."""

    client: TestClient
    token: str
    id: str
    email: str

    def _h(self, kw: dict) -> dict:
        return {**kw, "headers": {"Authorization": f"Bearer {self.token}", **kw.get("headers", {})}}

    def get(self, url: str, **kw):
        return self.client.get(url, **self._h(kw))

    def post(self, url: str, **kw):
        return self.client.post(url, **self._h(kw))

    def patch(self, url: str, **kw):
        return self.client.patch(url, **self._h(kw))

    def delete(self, url: str, **kw):
        return self.client.delete(url, **self._h(kw))


@dataclass
class Api:
    url: str
    client: TestClient
    users: int = field(default=0)

    def engine(self) -> sa.Engine:
        return engines.create_engine(engines.parse_url(self.url))

    def sql(self, query: str, **params: Any) -> list[sa.Row]:
        """Run SQL straight on the database (to check what the API wrote, or set up a state)."""
        engine = self.engine()
        try:
            with engine.begin() as conn:
                result = conn.execute(sa.text(query), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def register(self, email: str | None = None, **profile: Any) -> dict:
        self.users += 1
        email = email or f"user{self.users}-{uuid.uuid4().hex[:6]}@example.com"
        r = self.client.post("/auth/register", json={"email": email, "password": PASSWORD, **profile})
        assert r.status_code == 201, r.text
        return r.json()

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/auth/login", json={"email": email, "password": password})

    def user(self, **profile: Any) -> As:
        created = self.register(**profile)
        r = self.login(created["email"])
        assert r.status_code == 200, r.text
        return As(self.client, r.json()["accessToken"], created["id"], created["email"])

    def exercise_id(self, name: str) -> str:
        return self.sql('SELECT id FROM "Exercise" WHERE name = :n ORDER BY id LIMIT 1', n=name)[0][0]


def make_api(url: str, **settings: Any) -> Api:
    return Api(url, TestClient(create_app(settings_for(url, **settings))))


@pytest.fixture
def api_at(database: Callable[..., str]) -> Iterator[Callable[..., Api]]:
    """api_at(phase, with_catalog=True): the app on a fresh database at that phase."""
    made: list[Api] = []

    def make(phase: int = 6, with_catalog: bool = True) -> Api:
        made.append(make_api(database(phase, with_catalog)))
        return made[-1]

    yield make
    for a in made:  # before the database fixture drops the databases
        a.client.app.state.engine.dispose()


@pytest.fixture
def api(backend: str, templates: Templates) -> Iterator[Api]:
    """The app on a phase-6 database with the catalog, on each backend.

    The database is shared by the tests that use this fixture: each test
    works as users of its own, so what others leave there only proves that
    nothing leaks between users. A test that needs the database to itself
    (counts, dispatch, another phase) uses api_at.
    """
    made = make_api(templates.shared(backend))
    yield made
    made.client.app.state.engine.dispose()


sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


BENCH = "Barbell Bench Press - Medium Grip"
SQUAT = "Barbell Full Squat"
