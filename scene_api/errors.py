"""Every error the API answers with is JSON ``{code, description}``.

* a ``twin.errors.TwinError``: its ``code``, ``message`` and ``http_status``;
* a request that fails validation: 422 ``invalid_parameter`` naming the parameter (also
  when a handler builds a pydantic model from its parameters and that fails, or when a
  number is too large for the catalog: SQLite's OverflowError);
* an HTTP error of the framework (unknown route, wrong method): its status;
* anything else: 500 ``internal_error``; the stack trace goes to the server log only.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from twin.errors import BackendUnavailableError, TwinError

log = logging.getLogger("scene_api.errors")

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
}


def error_response(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse({"code": code, "description": description}, status_code=status)


async def twin_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TwinError)
    extra = {"code": exc.code, "path": request.url.path, "method": request.method}
    if isinstance(exc, BackendUnavailableError):
        # an outage: one line per request, not a stack trace each
        log.warning("backend unavailable: %s", exc.message, extra=extra)
    elif exc.http_status >= 500:
        log.error("request failed", extra=extra, exc_info=exc)
    headers: dict[str, str] | None = getattr(exc, "headers", None)
    return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if not errors:
        return error_response(422, "invalid_parameter", "invalid request")
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ())]
    where = loc[0] if loc else "request"
    name = ".".join(loc[1:]) or where
    description = f"{where} parameter {name!r}: {first.get('msg', 'invalid')}"
    return error_response(422, "invalid_parameter", description)


async def model_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """A pydantic model a handler built from the request's parameters refused them."""
    assert isinstance(exc, ValidationError)
    errors = exc.errors(include_url=False, include_input=False)
    message = str(errors[0].get("msg", "invalid")) if errors else "invalid"
    log.warning("request refused by a model", extra={"path": request.url.path})
    return error_response(422, "invalid_parameter", f"request: {message}")


async def overflow_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """An integer parameter beyond 64 bits reached the catalog (SQLite cannot bind it)."""
    assert isinstance(exc, OverflowError)
    log.warning("number out of range", extra={"path": request.url.path})
    return error_response(422, "invalid_parameter", "a number in the request is out of range")


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "unhandled error",
        extra={"path": request.url.path, "method": request.method},
        exc_info=exc,
    )
    return error_response(500, "internal_error", "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TwinError, twin_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(ValidationError, model_error_handler)
    app.add_exception_handler(OverflowError, overflow_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
