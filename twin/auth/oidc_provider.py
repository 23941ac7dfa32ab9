"""Talking to an OpenID Connect provider: discovery, the authorization URL (code flow with
PKCE S256, state and nonce), the code exchange and the ID token's verification.

Built on authlib (request parameters, PKCE, ID-token claim rules) and joserfc (JWS
signatures against the provider's JWKS). The discovery document and the JWKS are cached;
a token signed by a key the cached JWKS does not hold refetches it once (key rollover).

Failures become twin errors: the provider unreachable or answering 5xx is
``OidcUnavailableError`` (503, Retry-After), a refused exchange ``OidcProviderError`` (400),
a token that fails any check ``OidcTokenError`` (401).
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from twin.auth.oidc import (
    OidcProviderError,
    OidcTokenError,
    OidcUnavailableError,
    PendingLogin,
)
from twin.errors import ConfigError, TwinError
from twin.settings import OidcSettings

#: signature algorithms accepted for ID tokens: asymmetric only (never "none" or HMAC)
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_S = 60
MAX_BODY = 1 << 20  # a discovery document, JWKS or token response is far smaller
_LOOPBACK_NAMES = {"localhost"}


class OidcProvider:
    """One configured provider; thread-safe, does no I/O until first used."""

    def __init__(
        self,
        oidc: OidcSettings,
        *,
        timeout_s: float = 10.0,
        cache_ttl_s: float = 3600.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not oidc.issuer:
            raise ConfigError("OIDC needs TWIN_AUTH__OIDC__ISSUER")
        if not oidc.client_id:
            raise ConfigError("OIDC needs TWIN_AUTH__OIDC__CLIENT_ID")
        _check_transport(oidc.issuer, "TWIN_AUTH__OIDC__ISSUER")
        self.oidc = oidc
        self.issuer = oidc.issuer.rstrip("/")
        self._timeout = httpx.Timeout(timeout_s)
        self._transport = transport
        self._ttl = cache_ttl_s
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] | None = None

    # discovery ------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < self._ttl:
                return self._metadata
        doc = self._get_json(f"{self.issuer}/.well-known/openid-configuration", "discovery")
        if str(doc.get("issuer", "")).rstrip("/") != self.issuer:
            raise ConfigError(
                "the provider's discovery document names another issuer than "
                "TWIN_AUTH__OIDC__ISSUER"
            )
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(doc.get(field), str):
                raise OidcUnavailableError(f"the provider's discovery document has no {field}")
            _check_transport(doc[field], f"the provider's {field}")
        with self._lock:
            self._metadata, self._metadata_at, self._jwks = doc, time.monotonic(), None
        return doc

    def algorithms(self) -> list[str]:
        offered = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        return [a for a in ASYMMETRIC if a in offered] or ["RS256"]

    # the flow -------------------------------------------------------------------
    def authorization_url(self, pending: PendingLogin, redirect_uri: str) -> str:
        endpoint = str(self.metadata()["authorization_endpoint"])
        params = [
            ("response_type", "code"),
            ("client_id", self.oidc.client_id),
            ("redirect_uri", redirect_uri),
            ("scope", self.oidc.scopes),
            ("state", pending.state),
            ("nonce", pending.nonce),
            ("code_challenge", create_s256_code_challenge(pending.code_verifier)),
            ("code_challenge_method", "S256"),
        ]
        return str(add_params_to_uri(endpoint, params))

    def login(self, code: str, pending: PendingLogin, redirect_uri: str) -> dict[str, Any]:
        """Exchange ``code`` and return the verified ID token's claims."""
        token = self.exchange_code(code, pending, redirect_uri)
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcTokenError("the identity provider returned no ID token")
        access = token.get("access_token")
        return self.verify_id_token(
            id_token, pending.nonce, access if isinstance(access, str) else None
        )

    def exchange_code(self, code: str, pending: PendingLogin, redirect_uri: str) -> dict[str, Any]:
        doc = self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pending.code_verifier,
        }
        auth: tuple[str, str] | None = None
        secret = self.oidc.client_secret.get_secret_value() if self.oidc.client_secret else ""
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if secret and "client_secret_basic" not in methods and "client_secret_post" in methods:
            form |= {"client_id": self.oidc.client_id, "client_secret": secret}
        elif secret:
            auth = (self.oidc.client_id, secret)
        else:
            form["client_id"] = self.oidc.client_id  # a public client: PKCE alone
        return self._post_token(str(doc["token_endpoint"]), form, auth)

    def verify_id_token(
        self, id_token: str, nonce: str, access_token: str | None = None
    ) -> dict[str, Any]:
        """The claims of a signed ID token for this client, issuer, nonce and time."""
        algorithms = self.algorithms()
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except InvalidKeyIdError:  # signed by a key we have not seen: rollover
                decoded = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algorithms)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": str(self.metadata()["issuer"])},
                    "aud": {"essential": True, "value": self.oidc.client_id},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                    "iat": {"essential": True},
                    "nonce": {"essential": True},
                },
                {"nonce": nonce, "client_id": self.oidc.client_id, "access_token": access_token},
            )
            claims.validate(leeway=LEEWAY_S)
        except (JoseError, ValueError) as exc:
            raise OidcTokenError(f"the ID token is not valid: {_reason(exc)}") from None
        return dict(claims)

    # HTTP -----------------------------------------------------------------------
    def _key_set(self, *, refresh: bool = False) -> KeySet:
        doc = self.metadata()
        with self._lock:
            jwks = None if refresh else self._jwks
        if jwks is None:
            jwks = self._get_json(str(doc["jwks_uri"]), "JWKS")
            with self._lock:
                self._jwks = jwks
        try:
            return KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise OidcUnavailableError("the provider's JWKS is not a valid key set") from None

    def _client(self) -> httpx.Client:
        return httpx.Client(
            timeout=self._timeout, transport=self._transport, follow_redirects=False
        )

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            with self._client() as client, client.stream("GET", url) as response:
                status, body = response.status_code, _read(response)
        except httpx.HTTPError:
            raise OidcUnavailableError(
                f"the identity provider's {what} cannot be reached"
            ) from None
        if status != 200:
            raise OidcUnavailableError(f"the identity provider's {what} answered {status}")
        return _json_object(body, what, OidcUnavailableError)

    def _post_token(
        self, url: str, form: dict[str, str], auth: tuple[str, str] | None
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        try:
            with (
                self._client() as client,
                client.stream("POST", url, data=form, auth=auth, headers=headers) as response,
            ):
                status, body = response.status_code, _read(response)
        except httpx.HTTPError:
            raise OidcUnavailableError(
                "the identity provider's token endpoint cannot be reached"
            ) from None
        if status >= 500:
            raise OidcUnavailableError(f"the identity provider's token endpoint answered {status}")
        answer = _json_object(body, "token endpoint", OidcProviderError)
        if status != 200:
            error = str(answer.get("error") or status)[:100]
            raise OidcProviderError(f"the identity provider refused the code: {error}")
        return answer


def _read(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            raise OidcUnavailableError("the identity provider's answer is too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(body: bytes, what: str, error: type[TwinError]) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        raise error(f"the identity provider's {what} did not answer JSON") from None
    if not isinstance(value, dict):
        raise error(f"the identity provider's {what} did not answer a JSON object")
    return value


def _check_transport(url: str, what: str) -> None:
    """HTTPS, except to the machine itself (a provider on loopback, as in tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _loopback(parts.hostname or ""):
        return
    raise ConfigError(f"{what} must be an https:// URL (plain http only to localhost)")


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reason(exc: Exception) -> str:
    """A short, safe reason for the log line and the answer (no token contents)."""
    if isinstance(exc, JoseError):
        return exc.error if not exc.description else f"{exc.error}: {exc.description}"[:200]
    return type(exc).__name__
