"""The one error handler: every error (ours, validation, unknown routes) becomes the envelope."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from tracehouse.errors import ALL_ERRORS, TracehouseError
from tracehouse.http.responses import JSONResponse, error_body
from tracehouse.http.schemas import ErrorEnvelope

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "invalid_request",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "invalid_request",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


#: Langfuse clients read a top-level `message`; under its prefix the envelope carries one too.
LANGFUSE_PREFIX = "/api/public/"


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(code, message, details, _request_id(request))
    if request.url.path.startswith(LANGFUSE_PREFIX):
        body["message"] = message
    return JSONResponse(body, status, headers=headers)


def error_response(request: Request, exc: TracehouseError) -> JSONResponse:
    """The envelope of one of our errors (for ASGI apps the handler does not reach)."""
    return _respond(request, exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _ours(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TracehouseError)
    return error_response(request, exc)


#: Location parts Pydantic adds for the member of a union it tried: not fields of the request.
_UNION_MEMBERS = frozenset({"str", "int", "float", "bool", "datetime", "date", "none"})


def _is_field(part: str) -> bool:
    return "[" not in part and part not in _UNION_MEMBERS


def field_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors as [{"field": "a.b", "message": …, "type": …}], body/query prefix and
    union-member tags (`function-after[…]`, `float`) dropped."""
    out = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in {"body", "query", "path", "header"}:
            location = location[1:]
        field = ".".join(part for part in location if _is_field(part))
        out.append({"field": field, "message": error.get("msg"), "type": error.get("type")})
    return out


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return _respond(request, 400, "invalid_request", "Request body is not valid JSON.")
    details = field_errors(errors)
    names = ", ".join(d["field"] or "body" for d in details[:5])
    return _respond(request, 422, "validation_error", f"Invalid fields: {names}.", details)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "invalid_request")
    message = str(exc.detail) if exc.detail else code
    if exc.status_code == 404 and message == "Not Found":
        message = f"No route {request.method} {request.url.path}."
    return _respond(request, exc.status_code, code, message, None, dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(request, 500, "internal_error", "Internal server error.")


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(TracehouseError, _ours)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


def error_responses(*errors: type[TracehouseError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route: each possible error with the envelope schema."""
    chosen = errors or ALL_ERRORS
    return {err.status: {"model": ErrorEnvelope, "description": f"`{err.code}`"} for err in chosen}
