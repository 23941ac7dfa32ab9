"""Logins: a session cookie for the viewer and a bearer token for clients, throttled;
every write lands in the audit log, which only admins read (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scene_api import create_app
from tests.scene_api.conftest import Served
from twin.settings import ApiToken, Settings

PASSWORD = "s3cret-enough-1"
TRANSITION = "/api/submissions/nope-v1/transitions"


@pytest.fixture
def app(serve: Callable[..., Served]) -> Served:
    served = serve()
    served.ctx.users.add("wang", PASSWORD, ("reviewer",), "规划科")
    served.ctx.users.add("root", PASSWORD, ("admin",))
    return served


def login(client: TestClient, user: str, password: str = PASSWORD) -> str:
    r = client.post("/api/auth/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def test_a_login_gives_a_strict_http_only_cookie_and_a_token(app: Served) -> None:
    r = app.client.post("/api/auth/login", json={"username": "wang", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["user"] == "wang" and body["roles"] == ["reviewer"]
    cookie = r.headers["set-cookie"].lower()
    assert "twin_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert r.headers["cache-control"] == "no-store"
    me = app.client.get("/api/auth/me")  # the cookie alone
    assert me.json() == {"user": "wang", "roles": ["reviewer"], "department": "规划科"}


def test_a_session_token_authenticates_a_write_and_logout_ends_it(app: Served) -> None:
    token = login(app.client, "wang")
    app.client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.client.post(TRANSITION, json={"action": "approve"}).status_code == 401
    # authenticated: the submission is looked up (and does not exist)
    assert (
        app.client.post(TRANSITION, json={"action": "approve"}, headers=bearer).status_code == 404
    )
    assert app.client.post("/api/auth/logout", headers=bearer).status_code == 204
    r = app.client.post(TRANSITION, json={"action": "approve"}, headers=bearer)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_wrong_passwords_end_in_429_with_retry_after(app: Served) -> None:
    for _ in range(app.settings.auth.max_failures):
        r = app.client.post("/api/auth/login", json={"username": "wang", "password": "x" * 12})
        assert r.status_code == 401
    r = app.client.post("/api/auth/login", json={"username": "wang", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_requests"
    assert 0 < int(r.headers["retry-after"]) <= app.settings.auth.lockout_s


def test_every_write_is_audited_with_who_what_and_status(app: Served) -> None:
    token = login(app.client, "wang")
    app.client.post("/api/auth/login", json={"username": "ghost", "password": "x" * 12})
    app.client.post(
        TRANSITION, json={"action": "approve"}, headers={"Authorization": f"Bearer {token}"}
    )
    admin = {"Authorization": f"Bearer {login(app.client, 'root')}"}
    entries = app.client.get("/api/audit", headers=admin).json()["entries"]
    seen = [(e["actor"], e["action"], e["status"]) for e in entries]
    assert ("wang", "POST /api/auth/login", 200) in seen
    assert ("ghost", "POST /api/auth/login", 401) in seen
    assert ("wang", f"POST {TRANSITION}", 404) in seen
    assert all(e["ip"] == "testclient" for e in entries)
    reads = [e for e in entries if e["action"].startswith("GET ")]
    assert reads == []


def test_the_audit_log_is_for_admins_and_exports_as_csv(app: Served) -> None:
    reviewer = {"Authorization": f"Bearer {login(app.client, 'wang')}"}
    app.client.cookies.clear()
    assert app.client.get("/api/audit").status_code == 401
    assert app.client.get("/api/audit", headers=reviewer).status_code == 403
    admin = {"Authorization": f"Bearer {login(app.client, 'root')}"}
    r = app.client.get("/api/audit?format=csv", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["actor"] for row in rows][:2] == ["wang", "root"]


def client_with(settings: Settings, tmp_path: Path, **auth: Any) -> TestClient:
    app_settings = settings.model_copy(update={"auth": settings.auth.model_copy(update=auth)})
    app = create_app(app_settings, viewer_dir=tmp_path / "no-viewer")
    app.state.ctx.catalog.migrate()
    return TestClient(app)


def test_api_tokens_of_the_settings_still_work_beside_users(
    settings: Settings, tmp_path: Path
) -> None:
    token = "t" * 32
    tokens = [ApiToken(token=token, user="ci", roles=["admin"])]  # type: ignore[arg-type]
    with client_with(settings, tmp_path, tokens=tokens) as client:
        r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.json()["user"] == "ci"
        r = client.get("/api/auth/me", headers={"Authorization": "Bearer " + "u" * 32})
        assert r.status_code == 401


def test_an_address_outside_the_allow_list_is_refused(settings: Settings, tmp_path: Path) -> None:
    with client_with(settings, tmp_path, ip_allow=["10.0.0.0/8"]) as client:
        r = client.get("/api/layers")
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
