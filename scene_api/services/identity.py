"""Who is calling: a bearer token (an API token of the settings, or a login session's
token) or the session cookie of the viewer, checked against the configured tokens in
constant time, then against live sessions. Writes without one are refused with 401.

The principal found is kept on ``request.state.principal`` for the audit log.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from twin.errors import UnauthorizedError
from twin.settings import Settings
from twin.submissions.principal import Principal

if TYPE_CHECKING:
    from storage.auth.users import UserStore

SESSION_COOKIE = "twin_session"


def principal_of(request: HTTPConnection, settings: Settings) -> Principal:
    principal = find_principal(request, settings)
    if principal is None:
        header = request.headers.get("authorization", "")
        if not settings.auth.tokens and _no_users(request):
            raise UnauthorizedError(
                "writes are disabled: no users or API tokens are configured "
                "(add one with `twin users add NAME --role ROLE`, or set TWIN_AUTH__TOKENS)"
            )
        if header or request.cookies.get(SESSION_COOKIE):
            raise UnauthorizedError("the bearer token or session is not valid (or has expired)")
        raise UnauthorizedError(
            "this endpoint needs a login (POST /api/auth/login) or 'Authorization: Bearer <token>'"
        )
    return principal


def find_principal(request: HTTPConnection, settings: Settings) -> Principal | None:
    """The caller, or None when they give no valid credentials."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    given = token.strip() if scheme.lower() == "bearer" else ""
    principal = _api_token(settings, given) if given else None
    if principal is None:
        session = given or request.cookies.get(SESSION_COOKIE, "")
        principal = _session(request, session) if session else None
    if principal is not None:
        request.state.principal = principal
    return principal


def _api_token(settings: Settings, given: str) -> Principal | None:
    found = None
    for entry in settings.auth.tokens:  # every entry is compared: no early exit to time
        if hmac.compare_digest(entry.token.get_secret_value().encode(), given.encode()):
            found = entry
    if found is None:
        return None
    return Principal(found.user, frozenset(found.roles), found.department)


def _session(request: HTTPConnection, token: str) -> Principal | None:
    users: UserStore | None = getattr(getattr(request.app.state, "ctx", None), "users", None)
    if users is None or len(token) > 200:
        return None
    user = users.session_user(token)
    if user is None:
        return None
    return Principal(user.name, frozenset(user.roles), user.department)


def _no_users(request: HTTPConnection) -> bool:
    users: UserStore | None = getattr(getattr(request.app.state, "ctx", None), "users", None)
    return users is None or users.count() == 0


def client_ip(request: HTTPConnection) -> str:
    return request.client.host if request.client is not None else ""


def ip_allowed(ip: str, allow: list[str]) -> bool:
    if not allow:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allow)
