"""Health and the database's migration phase, for a client's maintenance notice."""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from gaingrid.phases import GAINGRID
from gaingrid.service.phase import FEATURES, LAST_LEGACY, LATEST
from phased import MigrateError, announcement, redact

router = APIRouter(tags=["status"])
OperatorToken = Annotated[str | None, Header(alias="X-Operator-Token",
                                             description="GAINGRID_OPERATOR_TOKEN: adds the database's connection details")]


def is_operator(request: Request, token: OperatorToken = None) -> bool:
    expected = request.app.state.settings.operator_token
    return bool(expected and token and hmac.compare_digest(token.encode(), expected.get_secret_value().encode()))


class Maintenance(BaseModel):
    """A planned maintenance window (`gaingrid migrate schedule`), announced until it has passed."""

    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from", description="when it starts (UTC, ISO 8601)")
    to: str = Field(description="when it ends (UTC, ISO 8601)")
    phases: list[int] = Field(description="the phases it will apply")


class StatusOut(BaseModel):
    status: str  # "ok" | "maintenance" | "unavailable"
    database: str  # "postgresql" | "sqlite"
    phase: int | None  # None when the database can't be read
    phaseName: str | None
    latestPhase: int
    managed: bool | None  # False: no version record yet (run `gaingrid migrate adopt`)
    features: dict[str, bool]
    message: str
    maintenance: Maintenance | None = None  # the next planned window, if one is announced


def _features(number: int) -> dict[str, bool]:
    out = {name: number >= needed for name, (needed, _) in FEATURES.items()}
    out["legacyWorkouts"] = 1 <= number <= LAST_LEGACY
    return out


@router.get("/status", response_model=StatusOut, responses={503: {"model": StatusOut}})
def status(request: Request, operator: Annotated[bool, Depends(is_operator)]):
    """Always answers, without authentication. `status` is "maintenance" below the latest phase.

    When the database can't be read, only an operator (X-Operator-Token) is told where it is and why.
    """
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            phase = request.app.state.phases.read(conn)
            planned = announcement(GAINGRID, conn)
    except (SQLAlchemyError, MigrateError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        message = (f"cannot read the database {redact(engine.url)}: {reason}" if operator
                   else "the database is unavailable; try again shortly")
        body = StatusOut(status="unavailable", database=engine.dialect.name, phase=None, phaseName=None,
                         latestPhase=LATEST, managed=None, features=_features(0), message=message)
        return JSONResponse(body.model_dump(by_alias=True), status_code=503)
    if phase.number >= LATEST:
        state, message = "ok", f"the database is at phase {phase.number} ({phase.name})"
    elif phase.number == 0:
        state, message = "maintenance", "the database is empty: run `gaingrid migrate up`"
    else:
        state = "maintenance"
        message = f"migration in progress: the database is at phase {phase.number} ({phase.name}) of {LATEST}"
    return StatusOut(status=state, database=engine.dialect.name, phase=phase.number, phaseName=phase.name,
                     latestPhase=LATEST, managed=phase.managed, features=_features(phase.number), message=message,
                     maintenance=Maintenance.model_validate(planned) if planned else None)
