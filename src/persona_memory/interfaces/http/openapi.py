"""The OpenAPI document, with the error answers each operation can give.

FastAPI documents only its own 422 (in a shape we never send). Every error we
send is ``{"error": {...}}``; which statuses an operation can answer follows
from what it takes, so the rules below derive them instead of each route
repeating a list. ``tests/http/test_every_route.py`` and the schemathesis run
check that no operation answers a status it does not document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

WRITES = {"post", "put", "patch", "delete"}

REASONS = {
    "400": "the request could not be read",
    "401": "no credential, or one that is invalid, expired or revoked",
    "403": "the credential may not reach this route or this data",
    "404": "something the request names does not exist",
    "409": "it already exists, or a concurrent change won",
    "412": "If-Match names a version that is not the current one",
    "413": "the body or a text is over its size limit",
    "422": "a value is missing, of the wrong type or out of range",
}


class Problem(BaseModel):
    """One field that failed validation."""

    field: str | None
    message: str
    type: str | None = None


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable name, e.g. `memory_not_found`")
    message: str = Field(description="what went wrong, for a person")
    field: str | None = Field(None, description="the field at fault, where there is one")
    problems: list[Problem] | None = Field(None, description="every invalid field (422)")


class ErrorResponse(BaseModel):
    """The shape of every error this API sends."""

    error: ErrorDetail


def error_statuses(method: str, operation: dict[str, Any], path: str) -> list[str]:
    """The error statuses an operation can answer, from what it takes."""
    if not path.startswith("/v1"):
        return []
    params = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses = {"401", "403"}
    if params or has_body:
        statuses |= {"404", "422"}
    if has_body:
        statuses |= {"400", "413"}
    if method in WRITES:
        statuses |= {"404", "409"}
    if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in params):
        statuses.add("412")
    return sorted(statuses)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The schema FastAPI generates, with our error shape on every error status."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        _document_errors(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _document_errors(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    defs = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(defs.pop("$defs", {}))
    components["ErrorResponse"] = defs
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    reference = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation, path):
                responses[status] = {
                    "description": REASONS[status],
                    "content": {"application/json": {"schema": reference}},
                }
