"""Who is calling: the bearer token of ``Authorization`` checked against the configured
tokens (constant-time); writes without one are refused with 401."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from twin.errors import UnauthorizedError
from twin.settings import Settings
from twin.submissions.principal import Principal


def principal_of(request: Request, settings: Settings) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not settings.auth.tokens:
        raise UnauthorizedError(
            "writes are disabled: no API tokens are configured (TWIN_AUTH__TOKENS)"
        )
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("this endpoint needs 'Authorization: Bearer <token>'")
    given = token.strip().encode()
    found = None
    for entry in settings.auth.tokens:  # every entry is compared: no early exit to time
        if hmac.compare_digest(entry.token.get_secret_value().encode(), given):
            found = entry
    if found is None:
        raise UnauthorizedError("the bearer token is not valid")
    return Principal(found.user, frozenset(found.roles), found.department)
