"""Role x endpoint matrix: every write route refuses a caller without credentials (401,
whatever the route, so a new one is covered the day it is added); forbidden (role,
endpoint) pairs are 403 and allowed ones get through; restricted layers are filtered;
``auth.anonymous_read`` decides who reads without a login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.websockets import WebSocketDisconnect

from tests.scene_api.access_app import AccessApp, access_app, bearer
from tests.scene_api.fake_layer import publish_layer
from twin.settings import Settings

SAFE = {"GET", "HEAD", "OPTIONS"}
#: POST routes that compute from what the caller may read, and the log-in routes
NOT_WRITES = ("/api/analysis/", "/api/auth/")
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute of the app, whichever way the framework nests included routers."""
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            inner = getattr(route, "original_router", None) or getattr(route, "router", None)
            if inner is not None and hasattr(inner, "routes"):
                walk(list(inner.routes))

    walk(list(app.router.routes))
    return found


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    out = {
        (method, route.path)
        for route in api_routes(app)
        for method in (route.methods or set()) - SAFE
        if not route.path.startswith(NOT_WRITES)
    }
    return sorted(out)


def concrete(path: str) -> str:
    return _PARAM.sub(lambda m: "1" if m.group(2) == "int" else "x1", path)


@pytest.fixture
def city(settings: Settings, tmp_path: Path) -> Iterator[AccessApp]:
    with access_app(settings, tmp_path) as served:
        publish_layer(served.ctx.catalog, served.ctx.store, "open")
        publish_layer(served.ctx.catalog, served.ctx.store, "secret", origin=(4.36, 52.01))
        yield served


def test_every_write_route_refuses_a_caller_without_credentials(city: AccessApp) -> None:
    routes = write_routes(city.app)
    # the enumeration sees the routers' routes (a broken walk would make this test empty)
    assert ("PUT", "/api/layers/{layer}/permissions") in routes
    assert ("POST", "/api/submissions") in routes
    assert ("DELETE", "/api/problems/{problem_id}") in routes
    assert ("DELETE", "/api/projects/{project_id}") in routes
    assert len(routes) >= 8
    for method, path in routes:
        url = concrete(path)
        for headers in ({}, {"Authorization": "Bearer not-a-valid-token-at-all-000"}):
            r = city.client.request(method, url, json={}, headers=headers)
            assert r.status_code == 401, (method, path, headers, r.status_code, r.text)
            assert r.json()["code"] == "unauthorized"
    # what is not a write route stays a 404 or 405 (the gate does not hide the routing)
    assert city.client.post("/api/no-such-route", json={}).status_code == 404
    assert city.client.post("/api/layers", json={}).status_code == 405
    # and each refusal is in the audit log, with the address it came from
    refused = [e for e in city.ctx.audit.entries(limit=10_000) if e.status == 401]
    assert len(refused) == 2 * len(routes)
    assert {e.ip for e in refused} == {"10.1.2.3"}


REJECT: tuple[str, str, Any] = (
    "POST",
    "/api/submissions/nope-v1/transitions",
    {"action": "reject"},
)
OPINION: tuple[str, str, Any] = (
    "POST",
    "/api/submissions/nope-v1/opinions",
    {"verdict": "agree", "text": "同意"},
)
PERMS_PUT: tuple[str, str, Any] = ("PUT", "/api/layers/open/permissions", {"grants": []})
PERMS_GET: tuple[str, str, Any] = ("GET", "/api/layers/open/permissions", None)
AUDIT: tuple[str, str, Any] = ("GET", "/api/audit", None)
DELETE_PROBLEM: tuple[str, str, Any] = ("DELETE", "/api/problems/nope", None)
DELETE_PROJECT: tuple[str, str, Any] = ("DELETE", "/api/projects/nope", None)
#: who may delete a problem or project reaches the lookup (404); district reporters never
DELETERS = {"admin": 404, "planner": 404, "xiamen": 404}
NOT_DELETERS = ("viewer", "district_reporter", "reviewer", "leader", "submitter")
# (endpoint, allowed callers and the status they get, forbidden callers: 403)
MATRIX: list[tuple[tuple[str, str, Any], dict[str, int], tuple[str, ...]]] = [
    (AUDIT, {"admin": 200}, ("viewer", "planner", "leader", "reviewer", "xiamen")),
    (PERMS_GET, {"admin": 200}, ("planner", "leader", "department_editor", "viewer")),
    (PERMS_PUT, {"admin": 200}, ("planner", "xiamen", "reviewer", "leader", "viewer")),
    # allowed callers reach the lookup: the submission does not exist
    (REJECT, {"reviewer": 404, "admin": 404}, ("viewer", "planner", "leader", "submitter")),
    (
        OPINION,
        {"reviewer": 404, "planner": 404, "xiamen": 404, "admin": 404},
        ("viewer", "leader", "submitter", "district_reporter"),
    ),
    (DELETE_PROBLEM, DELETERS, NOT_DELETERS),
    (DELETE_PROJECT, DELETERS, NOT_DELETERS),
]


@pytest.mark.parametrize(("endpoint", "allowed", "forbidden"), MATRIX, ids=lambda x: str(x)[:40])
def test_roles_against_endpoints(
    city: AccessApp,
    endpoint: tuple[str, str, Any],
    allowed: dict[str, int],
    forbidden: tuple[str, ...],
) -> None:
    method, url, body = endpoint
    for who in forbidden:
        r = city.client.request(method, url, json=body, headers=bearer(who))
        assert r.status_code == 403, (who, r.text)
        assert r.json()["code"] == "forbidden"
    for who, status in allowed.items():
        r = city.client.request(method, url, json=body, headers=bearer(who))
        assert r.status_code == status, (who, r.text)
    assert city.client.request(method, url, json=body).status_code == 401


def test_restricted_layer_reads_by_role(city: AccessApp) -> None:
    grants = {
        "grants": [{"right": "read", "role": "leader"}, {"right": "update", "user": "fuzhou"}]
    }
    r = city.client.put("/api/layers/secret/permissions", json=grants, headers=bearer("admin"))
    assert r.status_code == 200
    expected = {
        None: 404,
        "viewer": 404,
        "planner": 404,  # no default rights on a layer no grant shows them
        "xiamen": 404,
        "leader": 200,
        "fuzhou": 200,  # an update grant reads too
        "admin": 200,
    }
    for who, status in expected.items():
        headers = bearer(who) if who else {}
        for url in ("/tiles/secret/tileset.json", "/api/layers/secret/features"):
            assert city.client.get(url, headers=headers).status_code == status, (who, url)
        ids = {x["id"] for x in city.client.get("/api/layers", headers=headers).json()["layers"]}
        assert ("secret" in ids) is (status == 200), who
        assert "open" in ids


# -- anonymous_read ----------------------------------------------------------------------


def test_auto_with_no_accounts_reads_from_loopback_only(settings: Settings, tmp_path: Path) -> None:
    with access_app(settings, tmp_path, tokens=False, anonymous_read="auto") as served:
        remote = served.client.get("/api/layers")
        assert remote.status_code == 401 and "twin users add" in remote.json()["description"]
        assert served.client.get("/tiles/x/tileset.json").status_code == 401
        assert served.client.get("/ogc").status_code == 401
        for host in ("127.0.0.1", "127.8.9.10", "::1"):
            assert served.client_from(host).get("/api/layers").status_code == 200, host
        # the viewer's login and liveness stay reachable
        assert served.client.get("/healthz").status_code in (200, 503)
        assert served.client.get("/api/auth/status").status_code == 200
        # writes are refused for everyone, loopback included
        assert served.client_from("127.0.0.1").post("/api/submissions").status_code == 401
        served.ctx.users.add("root", "s3cret-enough-1", ("admin",))
        served.ctx.access.invalidate()  # else seen within the cache's ttl
        assert served.client.get("/api/layers").status_code == 200


def test_localhost_and_none_need_a_login_from_elsewhere(settings: Settings, tmp_path: Path) -> None:
    with access_app(settings, tmp_path, anonymous_read="localhost") as served:
        assert served.client.get("/api/layers").status_code == 401
        assert served.client.get("/api/layers", headers=bearer("viewer")).status_code == 200
        assert served.client_from("127.0.0.1").get("/api/layers").status_code == 200
    with access_app(settings, tmp_path, anonymous_read="none") as served:
        local = served.client_from("127.0.0.1")
        assert local.get("/api/layers").status_code == 401
        assert local.get("/scene/tileset.json").status_code == 401
        assert local.get("/api/layers", headers=bearer("viewer")).status_code == 200
        with pytest.raises(WebSocketDisconnect), local.websocket_connect("/api/overlays/ws"):
            pass
    with access_app(settings, tmp_path, tokens=False, anonymous_read="all") as served:
        assert served.client.get("/api/layers").status_code == 200
