"""Importing Strong and Hevy exports, and exporting in Strong's format (phase 5: workout logs)."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse

from gaingrid.service.imports import ImportRefused, StrongExport, run_import

from ..deps import CurrentUser, PhaseDep, SessionDep, requires
from ..errors import documented, unprocessable
from ..schemas.imports import App, ImportOut, Unit

router = APIRouter(tags=["imports"], dependencies=[requires("logs")], responses=documented(401, 503))
SPOOLED = 1024 * 1024  # an export larger than this is spooled to disk while it is sent


@router.post("/imports", response_model=ImportOut, responses={422: {"description": (
        "the form is invalid, or the file is refused as a whole (empty, not UTF-8 CSV, not this app's export, "
        "no readable row): nothing was imported")}})
def import_file(file: Annotated[UploadFile, File(description="the app's CSV export")],
                source: Annotated[App, Form(description="the app that exported it")],
                session: SessionDep, phase: PhaseDep, user: CurrentUser,
                unit: Annotated[Unit, Form(description="the unit of a weight column that does not say "
                                                       "(Strong's Weight); stored in kg")] = Unit.kg):
    """Import into your own account, in one transaction, verified set by set. A file imported again adds nothing.

    Rows that can't be read are quarantined (listed with their line and reason); the rest import.
    """
    try:
        report = run_import(session.connection(), phase.number, user.row, source.value, file.file,
                            file.filename or "upload.csv", unit.value)
    except ImportRefused as exc:
        raise unprocessable("file", str(exc)) from None
    session.commit()
    return report.to_json()


@router.get("/exports/strong", response_class=StreamingResponse, responses={200: {
    "description": "your workout logs as a Strong CSV export", "content": {"text/csv": {"schema": {"type": "string"}}}}})
def export_strong(session: SessionDep, phase: PhaseDep, user: CurrentUser,
                  unit: Annotated[Unit, Query(description="weights in kg or lb")] = Unit.kg):
    """One row per set, times in your timezone. Importing it back (source=strong) adds nothing."""
    # Written within the request's transaction (one consistent read), then sent: spooled, so memory stays flat.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOLED)
    for chunk in StrongExport(session.connection(), phase.number, user.row, unit.value):
        spool.write(chunk.encode("utf-8"))
    spool.seek(0)
    return StreamingResponse(_sent(spool), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="gaingrid-strong.csv"'})


def _sent(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(64 * 1024):
            yield chunk
