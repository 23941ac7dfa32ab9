"""Errors of twin. Standard library only.

Every error carries a stable machine ``code``, the ``http_status`` the scene API
answers with, and a ``message`` that is safe to show to a user (no paths of the
server, no secrets, no stack traces). Subclasses also inherit the builtin that
fits, so ``except LookupError`` keeps working for callers that know nothing of
twin.
"""

from __future__ import annotations

from typing import Any


class TwinError(Exception):
    """Base of every error twin raises on purpose."""

    code: str = "internal_error"
    http_status: int = 500
    default_message: str = "internal error"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "description": self.message}
        if self.details:
            out["details"] = self.details
        return out


class InvalidInputError(TwinError, ValueError):
    code = "invalid_input"
    http_status = 400
    default_message = "invalid input"


class InvalidKeyError(InvalidInputError):
    code = "invalid_key"
    default_message = "invalid object key"


class InvalidQueryError(InvalidInputError):
    code = "invalid_query"
    default_message = "invalid query"


class ConfigError(TwinError, ValueError):
    code = "config_error"
    http_status = 500
    default_message = "invalid configuration"


class CRSError(InvalidInputError):
    code = "crs_error"
    default_message = "coordinate reference system missing or not understood"


class IngestError(InvalidInputError):
    code = "ingest_error"
    http_status = 422
    default_message = "the input could not be ingested"


class NotFoundError(TwinError, LookupError):
    code = "not_found"
    http_status = 404
    default_message = "not found"


class ObjectNotFoundError(NotFoundError):
    code = "object_not_found"
    default_message = "object not found"


class LayerNotFoundError(NotFoundError):
    code = "layer_not_found"
    default_message = "layer not found"


class FeatureNotFoundError(NotFoundError):
    code = "feature_not_found"
    default_message = "feature not found"


class ConflictError(TwinError):
    code = "conflict"
    http_status = 409
    default_message = "conflict"


class UnauthorizedError(TwinError, PermissionError):
    code = "unauthorized"
    http_status = 401
    default_message = "authentication required"


class ForbiddenError(TwinError, PermissionError):
    code = "forbidden"
    http_status = 403
    default_message = "not allowed"


class TooManyRequestsError(TwinError):
    """Throttled: ``retry_after_s`` says when to try again (the ``Retry-After`` header)."""

    code = "too_many_requests"
    http_status = 429
    default_message = "too many requests"

    def __init__(self, message: str | None = None, *, retry_after_s: int = 60) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class BackendUnavailableError(TwinError, ConnectionError):
    code = "backend_unavailable"
    http_status = 503
    default_message = "a storage backend is unavailable"
    #: the hint a client gets (``Retry-After``): outages of a restarting service are short
    headers = {"Retry-After": "5"}  # noqa: RUF012 - a constant, never mutated


class StorageError(TwinError, OSError):
    code = "storage_error"
    http_status = 502
    default_message = "object storage failed"


class CatalogError(TwinError):
    code = "catalog_error"
    http_status = 500
    default_message = "catalog failed"
