"""OpenID Connect login, the parts free of any network: the pending login a browser carries
between ``/login`` and ``/callback`` (state, nonce and PKCE verifier), and what an ID
token's claims make of a user (local name, twin roles, department).

The pending login travels in a short-lived HttpOnly cookie; it holds only random values
the browser itself was given, so it needs no server-side state and works across workers.
The callback accepts it once: its ``state`` must equal the provider's, and the cookie is
cleared whatever the outcome.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twin.errors import (
    BackendUnavailableError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthorizedError,
)
from twin.settings import ROLES, OidcSettings

#: how long a browser may take at the provider between ``/login`` and ``/callback``
PENDING_TTL_S = 600
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


class OidcDisabledError(NotFoundError):
    code = "oidc_disabled"
    default_message = "single sign-on is not configured (TWIN_AUTH__OIDC__ISSUER)"


class OidcStateError(InvalidInputError):
    """The callback does not belong to a login this browser started (or was used already)."""

    code = "oidc_invalid_state"
    default_message = "the single sign-on answer does not match a login started here"


class OidcProviderError(InvalidInputError):
    """The provider said no (``error=…`` on the callback, or a refused code exchange)."""

    code = "oidc_provider_error"
    default_message = "the identity provider refused the login"


class OidcTokenError(UnauthorizedError):
    """The ID token is not acceptable: signature, issuer, audience, expiry or nonce."""

    code = "oidc_invalid_token"
    default_message = "the identity provider's ID token is not valid"


class OidcNoRoleError(ForbiddenError):
    code = "oidc_no_role"
    default_message = "the identity provider grants this user no role in twin"


class OidcUnavailableError(BackendUnavailableError):
    code = "identity_provider_unavailable"
    default_message = "the identity provider cannot be reached; try again shortly"
    headers = {"Retry-After": "30"}  # noqa: RUF012 - a constant, never mutated


def enabled(oidc: OidcSettings) -> bool:
    return bool(oidc.issuer)


@dataclass(frozen=True)
class PendingLogin:
    """What the browser carries to the callback: all three values are random."""

    state: str
    nonce: str
    code_verifier: str  # RFC 7636: 43-128 characters of [A-Za-z0-9-._~]
    created_at: float

    @classmethod
    def new(cls, now: float | None = None) -> PendingLogin:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),
            created_at=time.time() if now is None else now,
        )

    def to_cookie(self) -> str:
        body = {"s": self.state, "n": self.nonce, "v": self.code_verifier, "t": self.created_at}
        return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")

    @classmethod
    def from_cookie(cls, value: str) -> PendingLogin | None:
        """The pending login of a cookie, or None for anything malformed."""
        if not value or len(value) > 1024:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            body = json.loads(raw)
        except (ValueError, binascii.Error):
            return None
        if not isinstance(body, dict):
            return None
        state, nonce, verifier, at = body.get("s"), body.get("n"), body.get("v"), body.get("t")
        if not all(isinstance(v, str) and _TOKEN.match(v) for v in (state, nonce, verifier)):
            return None
        if not isinstance(at, int | float) or isinstance(at, bool):
            return None
        return cls(str(state), str(nonce), str(verifier), float(at))

    def check(self, state: str | None, now: float | None = None) -> None:
        """Refuse a callback whose ``state`` is not this login's, or that came too late."""
        now = time.time() if now is None else now
        if not state or not hmac.compare_digest(state.encode(), self.state.encode()):
            raise OidcStateError("the state of the single sign-on answer does not match")
        if not 0 <= now - self.created_at <= PENDING_TTL_S:
            raise OidcStateError("the single sign-on login took too long; start again")


@dataclass(frozen=True)
class ExternalIdentity:
    """A user as the provider describes them, mapped to twin's terms."""

    issuer: str
    subject: str
    names: tuple[str, ...]  # local user names to try, best first
    roles: tuple[str, ...]
    department: str | None

    @property
    def key(self) -> str:
        """Stable for one provider's subject; never a name a password user could have."""
        return external_key(self.issuer, self.subject)


def external_key(issuer: str, subject: str) -> str:
    digest = hashlib.sha256(json.dumps([issuer, subject]).encode()).hexdigest()
    return f"oidc:{digest}"


def identity_from_claims(claims: Mapping[str, Any], oidc: OidcSettings) -> ExternalIdentity:
    """The twin user an ID token (or its userinfo) describes; refuses one with no role."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not subject:
        raise OidcTokenError("the ID token names no issuer or subject")
    roles = map_roles(claim_values(claims, oidc.role_claim), oidc)
    if not roles:
        raise OidcNoRoleError()
    return ExternalIdentity(
        issuer=issuer,
        subject=subject,
        names=candidate_names(claims, external_key(issuer, subject)),
        roles=roles,
        department=department_of(claims, oidc.department_claim),
    )


def department_of(claims: Mapping[str, Any], claim: str) -> str | None:
    """The department a claim names (a string, or the first of a list), at most 100 chars."""
    value = claims.get(claim) if claim else None
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:100]


def claim_values(claims: Mapping[str, Any], path: str) -> list[str]:
    """A claim's values as strings: a list, or a string split at spaces and commas.

    ``path`` may be dotted for nested claims (Keycloak's ``realm_access.roles``).
    """
    value: Any = claims
    for part in path.split(".") if path else []:
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [v for v in re.split(r"[\s,]+", value) if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int) and str(v)]
    return []


def map_roles(provider_roles: list[str], oidc: OidcSettings) -> tuple[str, ...]:
    """twin roles: the default roles plus each mapped provider role, in twin's order.

    A provider role with no entry in ``role_map`` gives nothing, even when it happens to
    be spelled like a twin role: only the configuration grants roles.
    """
    wanted = set(oidc.default_roles)
    wanted.update(oidc.role_map[r] for r in provider_roles if r in oidc.role_map)
    unknown = sorted(wanted - set(ROLES))
    if unknown:
        raise InvalidInputError(
            f"TWIN_AUTH__OIDC maps to an unknown role {unknown[0]!r} (roles: {', '.join(ROLES)})"
        )
    return tuple(r for r in ROLES if r in wanted)


def candidate_names(claims: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """Local names for a new external user: the provider's user name or e-mail when they
    are valid twin names, and always a name derived from the subject (never taken)."""
    found: list[str] = []
    for claim in ("preferred_username", "email"):
        value = claims.get(claim)
        if isinstance(value, str) and _NAME.match(value) and value not in found:
            found.append(value)
    found.append("oidc-" + key.removeprefix("oidc:")[:16])
    return tuple(found)
