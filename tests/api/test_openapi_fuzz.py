"""A property-based run against the OpenAPI spec: whatever it sends, no 500.

Schemathesis generates requests for every operation from the spec (valid
ones and, in negative mode, invalid ones) and sends them to the ASGI app
in-process, authenticated, on a SQLite file database at phase 6 with the
catalog. Kept small (max_examples) so the suite stays fast; derandomized so
a failure reproduces.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from gaingrid.api import create_app

from .conftest import Api, settings_for

# The spec is read at collection time; the app only opens its database at the first request,
# by which time the fixture below has put a migrated one at this path.
DB_PATH = Path(tempfile.mkdtemp(prefix="gaingrid-fuzz-")) / "fuzz.db"
APP = create_app(settings_for(f"sqlite:///{DB_PATH}"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def auth(templates) -> dict[str, str]:
    shutil.copyfile(templates.get("sqlite", 6, True).removeprefix("sqlite:///"), DB_PATH)
    api = Api(f"sqlite:///{DB_PATH}", schemathesis.python.asgi.get_client(APP))
    me = api.user(timezone="Europe/Berlin")
    yield {"Authorization": f"Bearer {me.token}"}
    APP.state.engine.dispose()
    shutil.rmtree(DB_PATH.parent, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500(case, auth):
    response = case.call(headers=auth)
    case.validate_response(response, checks=[not_a_server_error])
