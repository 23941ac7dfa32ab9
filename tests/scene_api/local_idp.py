"""A real, small OpenID Connect provider for tests: an HTTP server on 127.0.0.1 (random
port, in a thread) with discovery, JWKS (an RSA key made here), ``/authorize`` (a code
bound to the client, redirect URI, nonce and PKCE challenge) and ``/token`` (checks the
client secret, the redirect URI and the code verifier; a code works once; returns an
RS256-signed ID token).

``user`` is who "logs in" at ``/authorize``. ``deny`` makes ``/authorize`` answer an
error; ``forge`` makes ``/token`` return a bad ID token of the kind named (see ``FORGES``).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "twin-test"
CLIENT_SECRET = "s3cret-of-the-twin-client"
#: bad ID tokens /token can hand out instead of a good one
FORGES = (
    "tampered",
    "wrong_audience",
    "wrong_audience_with_azp",
    "expired",
    "wrong_nonce",
    "no_nonce",
    "foreign_key",
    "wrong_issuer",
)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    claims: dict[str, Any]
    used: bool = False


@dataclass
class LocalIdP:
    user: dict[str, Any] = field(default_factory=dict)
    deny: str | None = None
    forge: str | None = None
    public_client: bool = False  # no secret: the client is known by its id and PKCE alone
    redirect_uris: set[str] = field(default_factory=set)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: new_key("key-1"))
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    port: int = 0

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalIdP:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                idp.handle_get(self)

            def do_POST(self) -> None:
                idp.handle_post(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def rotate_key(self) -> None:
        self.key = new_key(f"key-{secrets.token_hex(4)}")

    # endpoints ------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def handle_get(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        if url.path == "/.well-known/openid-configuration":
            return _json(h, 200, self.discovery())
        if url.path == "/jwks":
            return _json(h, 200, KeySet([self.key]).as_dict(private=False))
        if url.path == "/authorize":
            return self.authorize(h, {k: v[0] for k, v in parse_qs(url.query).items()})
        return _json(h, 404, {"error": "not_found"})

    def authorize(self, h: BaseHTTPRequestHandler, q: dict[str, str]) -> None:
        self.authorize_requests.append(q)
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != CLIENT_ID or redirect not in self.redirect_uris:
            return _json(h, 400, {"error": "invalid_request"})  # never redirect to strangers
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return _redirect(h, redirect, {"error": "invalid_request", "state": q.get("state")})
        if self.deny:
            return _redirect(h, redirect, {"error": self.deny, "state": q.get("state")})
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            CLIENT_ID, redirect, q.get("nonce", ""), q.get("code_challenge", ""), dict(self.user)
        )
        return _redirect(h, redirect, {"code": code, "state": q.get("state")})

    def handle_post(self, h: BaseHTTPRequestHandler) -> None:
        if urlsplit(h.path).path != "/token":
            return _json(h, 404, {"error": "not_found"})
        length = int(h.headers.get("content-length", "0"))
        form = {k: v[0] for k, v in parse_qs(h.rfile.read(length).decode()).items()}
        self.token_requests.append({**form, "authorization": h.headers.get("authorization", "")})
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        given = h.headers.get("authorization")
        if self.public_client:
            if given is not None or form.get("client_id") != CLIENT_ID:
                return _json(h, 401, {"error": "invalid_client"})
        elif given != expected:
            return _json(h, 401, {"error": "invalid_client"})
        grant = self.grants.get(form.get("code", ""))
        if grant is None or grant.used or form.get("grant_type") != "authorization_code":
            return _json(h, 400, {"error": "invalid_grant"})
        grant.used = True  # a code works once, even when the rest of the request is wrong
        if form.get("redirect_uri") != grant.redirect_uri:
            return _json(h, 400, {"error": "invalid_grant"})
        if not compare_s256_code_challenge(form.get("code_verifier", ""), grant.challenge):
            return _json(h, 400, {"error": "invalid_grant", "error_description": "PKCE"})
        access = secrets.token_urlsafe(24)
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant),
        }
        return _json(h, 200, body)

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **grant.claims,
        }
        key = self.key
        if self.forge == "wrong_audience":
            claims["aud"] = "some-other-client"
        elif self.forge == "wrong_audience_with_azp":  # names us only as authorised party
            claims |= {"aud": ["some-other-client"], "azp": grant.client_id}
        elif self.forge == "no_nonce":
            del claims["nonce"]
        elif self.forge == "expired":
            claims |= {"iat": now - 3600, "exp": now - 600}
        elif self.forge == "wrong_nonce":
            claims["nonce"] = secrets.token_urlsafe(32)
        elif self.forge == "wrong_issuer":
            claims["iss"] = "http://127.0.0.1:1/other"
        elif self.forge == "foreign_key":  # same kid, another key: a forger's signature
            key = new_key(str(self.key.kid))
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        if self.forge == "tampered":  # the payload changed after signing: roles escalated
            head, payload, sig = token.split(".")
            raised = {**claims, "roles": ["gis-admin"]}
            payload = base64.urlsafe_b64encode(json.dumps(raised).encode()).decode().rstrip("=")
            token = ".".join((head, payload, sig))
        return str(token)


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def _json(h: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.send_header("Cache-Control", "no-store")
    h.end_headers()
    h.wfile.write(data)


def _redirect(h: BaseHTTPRequestHandler, uri: str, params: dict[str, str | None]) -> None:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    h.send_response(302)
    h.send_header("Location", f"{uri}{'&' if '?' in uri else '?'}{query}")
    h.send_header("Content-Length", "0")
    h.end_headers()
