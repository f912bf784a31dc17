"""What the generated OpenAPI document can't know on its own.

Answers that come from outside the routes (the body-size limit, a body that
is not UTF-8 JSON text) apply to every operation that takes a body, so they
are added here once rather than on each route.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_BODY_ANSWERS = {
    "400": "the body can't be parsed: not JSON text (for instance, not UTF-8), or not multipart form data",
    "413": "the request body is larger than the service accepts (GAINGRID_MAX_BODY_BYTES)",
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            for operations in schema["paths"].values():
                for operation in operations.values():
                    if "requestBody" in operation:
                        for code, why in _BODY_ANSWERS.items():
                            operation["responses"].setdefault(code, {
                                "description": why, "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/Problem"}}}})
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
