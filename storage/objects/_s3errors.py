"""Turn errors of the minio SDK and urllib3 into twin errors with user-safe messages.

The messages name neither the endpoint nor the credentials; the original
exception stays chained (``__cause__``) for the server's own logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import urllib3.exceptions
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from twin.errors import (
    BackendUnavailableError,
    ObjectNotFoundError,
    StorageError,
    TwinError,
)

NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NoSuchBucket", "ResourceNotFound"})
REFUSED_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
    }
)
UNREACHABLE = "the object store is unreachable"


def translate(exc: BaseException, key: str | None = None) -> TwinError | None:
    """The twin error for ``exc``, or None when ``exc`` is not a storage failure."""
    if isinstance(exc, S3Error):
        code = exc.code or "unknown"
        if code in NOT_FOUND_CODES and key is not None:
            return ObjectNotFoundError(f"object {key!r} not found", key=key)
        if code in REFUSED_CODES:
            return BackendUnavailableError("the object store refused the configured credentials")
        if code == "NoSuchBucket":
            return BackendUnavailableError("the object store bucket does not exist")
        return StorageError(f"object storage failed ({_safe_code(code)})")
    if isinstance(exc, ServerError):
        return BackendUnavailableError(
            f"the object store answered with HTTP status {int(exc.status_code)}"
        )
    if isinstance(exc, InvalidResponseError):
        return StorageError("the object store gave an invalid response")
    if isinstance(exc, MinioException):
        return StorageError("object storage failed")
    if isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
        return BackendUnavailableError(UNREACHABLE)
    return None


def _safe_code(code: str) -> str:
    return code if code.isalnum() and len(code) <= 64 else "unknown"


@contextmanager
def translated(key: str | None = None) -> Iterator[None]:
    """Re-raise storage failures inside the block as twin errors."""
    try:
        yield
    except TwinError:
        raise
    except Exception as exc:
        error = translate(exc, key)
        if error is None:
            raise
        raise error from exc
