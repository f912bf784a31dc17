"""An account on a fresh migrated database (both backends), and imports into it as the CLI runs them."""
from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from gaingrid.service import database as service_db
from gaingrid.service import users
from gaingrid.service.imports import ImportReport, StrongExport, run_import
from gaingrid.service.phase import PhaseReader
from gaingrid.service.tables import table

from ..api.conftest import backend, database, templates  # noqa: F401  (fixtures)

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
STRONG_SAMPLE = DATA / "strong-sample.csv"
HEVY_SAMPLE = DATA / "hevy-sample.csv"
TABLES = ("Workout", "WorkoutLog", "Exercise", "TrainingPlan")


@dataclass
class Account:
    engine: sa.Engine
    user: dict

    def import_(self, app: str, data: bytes | Path, unit: str = "kg", name: str = "export.csv") -> ImportReport:
        raw = data.open("rb") if isinstance(data, Path) else io.BytesIO(data)
        with raw, service_db.writer(self.engine).begin() as conn:
            phase = PhaseReader().read(conn).number
            return run_import(conn, phase, self.user, app, raw, name, unit)

    def export(self, unit: str = "kg") -> str:
        with self.engine.connect() as conn:
            return "".join(StrongExport(conn, PhaseReader().read(conn).number, self.user, unit))

    def sql(self, query: str, **params) -> list[sa.Row]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))

    def counts(self) -> dict[str, int]:
        """Rows per table, all users: what an import that is refused must leave as it was."""
        with self.engine.connect() as conn:
            return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in TABLES}

    def logs(self) -> list[sa.Row]:
        """The user's logs, typed (dates as datetime), with their exercise's name."""
        log, exercise = table("WorkoutLog", 6), table("Exercise", 6)
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(log, exercise.c.name.label("exercise"))
                                     .join(exercise, exercise.c.id == log.c.exerciseId)
                                     .where(log.c.userId == self.user["id"]).order_by(log.c.date, log.c.notes)))

    def another(self, timezone: str | None = "Europe/Berlin") -> Account:
        with service_db.writer(self.engine).begin() as conn:
            phase = PhaseReader().read(conn).number
            values = {"email": f"lifter-{uuid.uuid4().hex[:8]}@example.com", "password": "x"}
            if phase >= 2:
                values["timezone"] = timezone
            return Account(self.engine, users.create(conn, phase, values))


@pytest.fixture
def account_at(database: Callable[..., str]) -> Iterator[Callable[..., Account]]:  # noqa: F811
    """account_at(phase=6): a user (timezone Europe/Berlin) on a fresh database with the catalog."""
    engines: list[sa.Engine] = []

    def make(phase: int = 6) -> Account:
        engines.append(service_db.create_engine(database(phase)))
        return Account(engines[-1], {}).another()

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def account(account_at: Callable[..., Account]) -> Account:
    return account_at(6)
