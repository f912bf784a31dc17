"""How failures answer: 401, 404, 409, 422 and 503, never a bare 500.

Validation errors say which field is wrong and why, in FastAPI's usual list
form plus one readable line; they never echo the input (it may be a password).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from phased import MigrateError

log = logging.getLogger("gaingrid.api")


class Problem(BaseModel):
    detail: str


_MEANING = {
    401: "no bearer token, or one that is invalid, expired or revoked, or a deactivated account",
    403: "the current password is wrong",
    404: "no such resource for this user (another user's resources do not exist for you)",
    409: "conflicts with existing data",
    410: "retired at the database's phase",
    429: "too many attempts from this address or for this account: wait Retry-After seconds",
    503: "the database is below the phase this needs (the detail says which), or unavailable",
}


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}}


def documented(*codes: int) -> dict[int | str, dict]:
    """OpenAPI entries for the error answers a router gives."""
    return {code: {"model": Problem, "description": _MEANING[code], **({"headers": _RETRY_AFTER} if code == 429 else {})}
            for code in codes}


class PhaseUnavailable(Exception):
    """The database is not (or no longer) at a phase that has what the endpoint needs."""

    def __init__(self, message: str, status_code: int = 503) -> None:
        super().__init__(message)
        self.status_code = status_code


def not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} not found")


def unauthorized(why: str) -> HTTPException:
    return HTTPException(401, why, headers={"WWW-Authenticate": "Bearer"})


def conflict(why: str) -> HTTPException:
    return HTTPException(409, why)


def unprocessable(field: str, why: str) -> HTTPException:
    """A 422 for a rule that spans fields or needs the database, shaped like FastAPI's own."""
    return HTTPException(422, [{"loc": ["body", field], "msg": why, "type": "value_error", "message": f"{field}: {why}"}])


def _where(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", ""),
         "message": f"{_where(e.get('loc', ()))}: {e.get('msg', '')}"}
        for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


async def _phase(request: Request, exc: PhaseUnavailable) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)


async def _migrate(request: Request, exc: MigrateError) -> JSONResponse:
    return JSONResponse({"detail": f"the database is not usable: {exc}"}, status_code=503)


async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
    if isinstance(exc, IntegrityError):
        return JSONResponse({"detail": "the change conflicts with data that already exists"}, status_code=409)
    if isinstance(exc, DataError):
        return JSONResponse({"detail": "a value is out of range for the database"}, status_code=422)
    if getattr(exc.orig, "sqlstate", None) in ("42P01", "42703"):  # a table or column a migration step just removed
        log.warning("phase changed under %s %s: %s", request.method, request.url.path, str(exc.orig).splitlines()[0])
        return JSONResponse({"detail": "the database's phase changed under this request; try again"}, status_code=503)
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable: %s", str(exc.orig or exc).splitlines()[0])
        return JSONResponse({"detail": "the database is unavailable; try again shortly"}, status_code=503)
    log.exception("database error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "database error"}, status_code=500)


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 405:
        # Starlette names only the first route that matched the path; a client needs them all.
        allowed = sorted({m for route in request.app.router.routes
                          if isinstance(route, APIRoute) and route.matches(request.scope)[0] != Match.NONE
                          for m in route.methods or ()})
        return JSONResponse({"detail": "method not allowed"}, status_code=405,
                            headers={"Allow": ", ".join(allowed)})
    return await http_exception_handler(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(PhaseUnavailable, _phase)  # type: ignore[arg-type]
    app.add_exception_handler(MigrateError, _migrate)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database)  # type: ignore[arg-type]
