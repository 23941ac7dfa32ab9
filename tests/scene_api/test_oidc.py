"""Single sign-on through a real OpenID Connect provider (``local_idp``: discovery, JWKS,
/authorize, /token over HTTP on 127.0.0.1), on both backends: the whole browser flow
followed by hand, mapped roles on the session, the external user, the audit entry — and
every forged token, bad state, provider refusal and provider outage refused cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from scene_api import create_app
from scene_api.context import SceneContext
from tests.scene_api.local_idp import CLIENT_ID, CLIENT_SECRET, FORGES, LocalIdP
from twin.settings import OidcSettings, Settings

CALLBACK = "http://testserver/api/auth/oidc/callback"
PLANNER = {
    "sub": "a1b2-c3d4",
    "preferred_username": "li.planner",
    "email": "li@city.example",
    "roles": ["city-planner", "reviewer", "unrelated"],  # 'reviewer' is not mapped
    "department": "规划科",
}


@pytest.fixture
def idp() -> Iterator[LocalIdP]:
    provider = LocalIdP(user=dict(PLANNER), redirect_uris={CALLBACK}).start()
    yield provider
    provider.stop()


def oidc_settings(idp: LocalIdP, **changes: Any) -> OidcSettings:
    values: dict[str, Any] = {
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "role_map": {"city-planner": "planner", "gis-admin": "admin"},
        "default_roles": ["viewer"],
    }
    return OidcSettings(**(values | changes))


@pytest.fixture
def make_client(settings: Settings, tmp_path: Path) -> Iterator[Any]:
    clients: list[TestClient] = []

    def build(oidc: OidcSettings | None) -> TestClient:
        auth = settings.auth.model_copy(update={"oidc": oidc or OidcSettings()})
        app = create_app(settings.model_copy(update={"auth": auth}), viewer_dir=tmp_path / "nv")
        app.state.ctx.catalog.migrate()
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Any, idp: LocalIdP) -> TestClient:
    built: TestClient = make_client(oidc_settings(idp))
    return built


def ctx_of(client: TestClient) -> SceneContext:
    ctx: SceneContext = client.app.state.ctx  # type: ignore[attr-defined]
    return ctx


def to_provider(client: TestClient) -> str:
    """GET /login; the provider's authorization URL it redirects to."""
    r = client.get("/api/auth/oidc/login")
    assert r.status_code == 302, r.text
    assert r.headers["cache-control"] == "no-store"
    return str(r.headers["location"])


def at_provider(url: str) -> str:
    """The browser at the provider: it answers with a redirect back to twin."""
    r = httpx.get(url, follow_redirects=False)
    assert r.status_code == 302, r.text
    back = urlsplit(r.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def sign_in(client: TestClient) -> httpx.Response:
    return client.get(at_provider(to_provider(client)))


def callback_entries(client: TestClient) -> list[Any]:
    return ctx_of(client).audit.entries(action_prefix="GET /api/auth/oidc/callback")


def test_single_sign_on_gives_a_session_with_the_mapped_roles(
    client: TestClient, idp: LocalIdP
) -> None:
    assert client.get("/api/auth/status").json()["oidc_enabled"] is True
    url = to_provider(client)
    pending = client.cookies.get("twin_oidc")
    assert pending, "the pending login travels in a cookie"
    asked = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{idp.issuer}/authorize?")
    assert asked["response_type"] == ["code"] and asked["client_id"] == [CLIENT_ID]
    assert asked["redirect_uri"] == [CALLBACK] and asked["code_challenge_method"] == ["S256"]
    assert asked["scope"] == ["openid profile email"]
    assert len(asked["state"][0]) >= 32 and len(asked["nonce"][0]) >= 32
    assert "code_verifier" not in asked  # only its S256 challenge leaves the browser

    r = client.get(at_provider(url))
    assert r.status_code == 302, r.text
    assert r.headers["location"] == "/"
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("twin_session="))
    assert "httponly" in session.lower() and "samesite=strict" in session.lower()
    assert any(c.startswith("twin_oidc=") and "max-age=0" in c.lower() for c in cookies)
    # the token request carried the client's secret and the PKCE verifier
    (exchange,) = idp.token_requests
    assert exchange["authorization"].startswith("Basic ")
    assert len(exchange["code_verifier"]) >= 43

    me = client.get("/api/auth/me")
    assert me.status_code == 200, me.text
    assert me.json() == {
        "user": "li.planner",
        "roles": ["planner", "viewer"],
        "department": "规划科",
    }
    status = client.get("/api/auth/status").json()
    assert status["user"] == "li.planner" and status["roles"] == ["planner", "viewer"]

    user = ctx_of(client).users.get("li.planner")
    assert user.external and user.roles == ("viewer", "planner")
    (entry,) = callback_entries(client)
    assert entry.actor == "li.planner" and entry.status == 302 and entry.ip == "testclient"
    assert entry.detail["subject"] == PLANNER["sub"] and entry.detail["issuer"] == idp.issuer
    assert "code" not in str(entry.detail) and entry.target == "/api/auth/oidc/callback"


def test_an_external_user_has_no_password_login(client: TestClient) -> None:
    assert sign_in(client).status_code == 302
    users = ctx_of(client).users
    with pytest.raises(Exception, match="single sign-on"):
        users.set_password("li.planner", "a-long-enough-password-1")
    client.cookies.clear()
    for guess in ("", "!oidc:", "x" * 12):
        r = client.post("/api/auth/login", json={"username": "li.planner", "password": guess})
        assert r.status_code in (401, 422), r.text
    assert client.get("/api/auth/me").status_code == 401


def test_each_login_takes_the_provider_roles_and_never_takes_over_a_local_user(
    client: TestClient, idp: LocalIdP
) -> None:
    users = ctx_of(client).users
    users.add("li.planner", "local-password-12", ("reviewer",))  # a local user of that name
    assert sign_in(client).status_code == 302
    me = client.get("/api/auth/me").json()
    assert me["user"] == "li@city.example" and me["roles"] == ["planner", "viewer"]
    assert users.get("li.planner").roles == ("reviewer",) and not users.get("li.planner").external

    idp.user = {**PLANNER, "roles": ["gis-admin"]}  # the provider changed this user's roles
    client.cookies.clear()
    assert sign_in(client).status_code == 302
    assert client.get("/api/auth/me").json()["roles"] == ["admin", "viewer"]
    # the same user name at the provider, another subject: another local user
    idp.user = {**PLANNER, "sub": "someone-else"}
    client.cookies.clear()
    assert sign_in(client).status_code == 302
    other = client.get("/api/auth/me").json()["user"]
    assert other.startswith("oidc-") and other not in ("li.planner", "li@city.example")


def test_a_disabled_external_user_and_a_user_with_no_role_are_refused(
    make_client: Any, idp: LocalIdP
) -> None:
    client = make_client(oidc_settings(idp))
    assert sign_in(client).status_code == 302
    ctx_of(client).users.set_disabled("li.planner", True)
    client.cookies.clear()
    r = sign_in(client)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert "twin_session" not in client.cookies

    strict = make_client(oidc_settings(idp, default_roles=[]))
    idp.user = {**PLANNER, "sub": "no-role", "roles": ["unrelated"]}
    r = sign_in(strict)
    assert r.status_code == 403 and r.json()["code"] == "oidc_no_role"


@pytest.mark.parametrize("forge", FORGES)
def test_a_forged_or_stale_id_token_is_refused(
    client: TestClient, idp: LocalIdP, forge: str
) -> None:
    idp.forge = forge
    r = sign_in(client)
    assert r.status_code == 401, r.text
    body = r.json()
    assert set(body) == {"code", "description"} and body["code"] == "oidc_invalid_token"
    assert "Traceback" not in r.text
    assert "twin_session" not in client.cookies
    assert client.get("/api/auth/me").status_code == 401
    (entry,) = callback_entries(client)
    assert entry.status == 401 and entry.actor == "-"
    assert entry.detail == {"error": "oidc_invalid_token"}


def test_a_mismatched_missing_or_replayed_state_is_refused(
    client: TestClient, idp: LocalIdP
) -> None:
    back = at_provider(to_provider(client))
    query = parse_qs(urlsplit(back).query)
    forged = f"/api/auth/oidc/callback?code={query['code'][0]}&state=" + "A" * 43
    r = client.get(forged)
    assert r.status_code == 400 and r.json()["code"] == "oidc_invalid_state"
    assert idp.token_requests == [], "no code is exchanged on a bad state"
    # the refused answer cleared the pending login: the right state now fails as well
    r = client.get(back)
    assert r.status_code == 400 and r.json()["code"] == "oidc_invalid_state"

    # a completed login cannot be replayed: the pending login is gone ...
    url = to_provider(client)
    pending = client.cookies.get("twin_oidc")
    back = at_provider(url)
    assert client.get(back).status_code == 302
    client.cookies.clear()
    r = client.get(back)
    assert r.status_code == 400 and r.json()["code"] == "oidc_invalid_state"
    # ... and with a copy of its cookie the provider refuses the used code
    client.cookies.set("twin_oidc", str(pending), path="/api/auth/oidc")
    r = client.get(back)
    assert r.status_code == 400 and r.json()["code"] == "oidc_provider_error"
    assert "twin_session" not in client.cookies
    # another browser's callback (no pending login in this one) is refused
    other = TestClient(client.app, follow_redirects=False)
    r = other.get(at_provider(to_provider(client)))
    assert r.status_code == 400 and r.json()["code"] == "oidc_invalid_state"


def test_the_provider_refusing_the_login_is_a_400(client: TestClient, idp: LocalIdP) -> None:
    idp.deny = "access_denied"
    r = sign_in(client)
    assert r.status_code == 400
    assert r.json() == {
        "code": "oidc_provider_error",
        "description": "the identity provider refused the login: access_denied",
    }


def test_a_public_client_signs_in_with_pkce_alone(make_client: Any, idp: LocalIdP) -> None:
    idp.public_client = True
    client = make_client(oidc_settings(idp, client_secret=None))
    assert sign_in(client).status_code == 302
    (exchange,) = idp.token_requests
    assert exchange["authorization"] == "" and exchange["client_id"] == CLIENT_ID
    assert client.get("/api/auth/me").json()["user"] == "li.planner"
    # a confidential client's secret sent to a provider expecting none is refused
    other = make_client(oidc_settings(idp))
    r = sign_in(other)
    assert r.status_code == 400 and r.json()["code"] == "oidc_provider_error"


def test_a_rolled_over_signing_key_is_fetched_again(client: TestClient, idp: LocalIdP) -> None:
    assert sign_in(client).status_code == 302
    idp.rotate_key()  # the app holds the old JWKS
    client.cookies.clear()
    assert sign_in(client).status_code == 302
    assert client.get("/api/auth/me").json()["user"] == "li.planner"


def test_an_unreachable_provider_is_a_503_with_retry_after(
    client: TestClient, idp: LocalIdP
) -> None:
    back = at_provider(to_provider(client))  # discovery cached, then the provider goes away
    idp.stop()
    r = client.get(back)
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "identity_provider_unavailable"
    assert int(r.headers["retry-after"]) > 0
    r = client.get("/api/auth/oidc/login")
    assert r.status_code == 302  # discovery is cached: the redirect still works
    fresh = TestClient(create_app(ctx_of(client).settings), follow_redirects=False)
    r = fresh.get("/api/auth/oidc/login")
    assert r.status_code == 503 and int(r.headers["retry-after"]) > 0
    assert set(r.json()) == {"code", "description"}
    idp.start()  # back on the same port: logins work again without a restart
    assert sign_in(client).status_code == 302


def test_without_an_issuer_single_sign_on_is_off(make_client: Any) -> None:
    client = make_client(None)
    assert client.get("/api/auth/status").json()["oidc_enabled"] is False
    for path in ("/api/auth/oidc/login", "/api/auth/oidc/callback?code=x&state=y"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["code"] == "oidc_disabled"
