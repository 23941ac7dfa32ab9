"""The health-check API on both backends: roles and departments, the problem → project →
re-check loop, refused changes leaving nothing behind, remote progress with photos, the
fixed-clock worked examples, the sweep in the app's lifespan, and live websocket events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scene_api import create_app
from storage.factory import open_catalog
from storage.healthcheck.store import HealthStore
from tests.scene_api.live_server import live_server
from tests.scene_api.overlay_clients import open_client, receive_events
from tests.storage.hc_helpers import JPEG, PNG, Clock, problem, snapshot, square
from twin.healthcheck.stages import load_stages
from twin.settings import ApiToken, AuthSettings, Settings

TOKENS = {
    "planner": ("planner-token-0123456789abcdef", ["planner"], None),
    "water": ("water-token-0123456789abcdef", ["department_editor"], "水务局"),
    "parks": ("parks-token-0123456789abcdef", ["department_editor"], "园林局"),
    "reporter": ("report-token-0123456789abcdef", ["district_reporter"], "城更局"),
    "reviewer": ("review-token-0123456789abcdef", ["reviewer"], None),
    "viewer": ("viewer-token-0123456789abcdef", ["viewer"], None),
    "admin": ("admin-token-0123456789abcdef", ["admin"], None),
}
D = date(2026, 3, 10)
POINT = {"type": "Point", "coordinates": [114.3, 30.6]}


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[who][0]}"}


def with_tokens(settings: Settings, **healthcheck: Any) -> Settings:
    tokens = [
        ApiToken(token=t, user=user, roles=roles, department=dept)  # type: ignore[arg-type]
        for user, (t, roles, dept) in TOKENS.items()
    ]
    hc = settings.healthcheck.model_copy(update=healthcheck)
    return settings.model_copy(update={"auth": AuthSettings(tokens=tokens), "healthcheck": hc})


def fix_clock(app: FastAPI, clock: Clock) -> HealthStore:
    """Give the app a health store whose "today" is ``clock`` (before it starts)."""
    ctx = app.state.ctx
    store = HealthStore(
        ctx.catalog,
        ctx.store,
        load_stages(),
        clock,
        max_photo_mb=ctx.settings.healthcheck.max_photo_mb,
    )
    vars(ctx)["health"] = store  # the cached property's slot
    return store


@pytest.fixture
def clock() -> Clock:
    return Clock(D)


@pytest.fixture
def build(settings: Settings, tmp_path: Path, clock: Clock) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**healthcheck: Any) -> TestClient:
        app = create_app(with_tokens(settings, **healthcheck), viewer_dir=tmp_path / "none")
        app.state.ctx.catalog.migrate()
        fix_clock(app, clock)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(build: Callable[..., TestClient]) -> TestClient:
    return build()


def _catalog(client: TestClient) -> Any:
    return client.app.state.ctx.catalog  # type: ignore[attr-defined]


def _problem(client: TestClient, who: str = "planner", **fields: Any) -> httpx.Response:
    body = {"id": "p1", "title": "积水点", "geometry": POINT, "district": "江岸区"} | fields
    response: httpx.Response = client.post("/api/problems", json=body, headers=auth(who))
    return response


def _project(client: TestClient, who: str = "planner", **fields: Any) -> httpx.Response:
    body = {"id": "j1", "name": "旧城改造", "geometry": square(), "department": "城更局"} | fields
    response: httpx.Response = client.post("/api/projects", json=body, headers=auth(who))
    return response


def test_writes_need_a_login_the_role_and_the_department(client: TestClient) -> None:
    assert _problem(client, who="viewer").status_code == 403
    assert client.post("/api/problems", json={"title": "x", "geometry": POINT}).status_code == 401
    assert _problem(client, who="reporter").status_code == 403  # reporters cannot create
    assert _problem(client, who="parks", department="水务局").status_code == 403
    made = _problem(client, who="water")
    assert made.status_code == 201, made.text
    assert made.json()["properties"]["department"] == "水务局"  # theirs by default
    patch = {"severity": 3}
    assert client.patch("/api/problems/p1", json=patch).status_code == 401
    assert client.patch("/api/problems/p1", json=patch, headers=auth("parks")).status_code == 403
    assert client.patch("/api/problems/p1", json=patch, headers=auth("viewer")).status_code == 403
    moved = client.patch("/api/problems/p1", json={"department": "园林局"}, headers=auth("water"))
    assert moved.status_code == 403  # not even to hand it to another department
    ok = client.patch("/api/problems/p1", json=patch, headers=auth("water"))
    assert ok.status_code == 200 and ok.json()["properties"]["severity"] == 3
    assert client.patch("/api/problems/p1", json=patch, headers=auth("planner")).status_code == 200
    assert client.get("/api/problems/p1").status_code == 200  # reads are open
    assert client.post("/api/healthcheck/sweep", headers=auth("planner")).status_code == 403
    assert client.post("/api/healthcheck/sweep").status_code == 401
    swept = client.post("/api/healthcheck/sweep", headers=auth("admin"))
    assert swept.status_code == 200 and swept.json()["as_of"] == D.isoformat()
    assert _project(client, who="reporter").status_code == 403
    assert _project(client, who="water", department="城更局").status_code == 403
    assert _project(client).status_code == 201
    progress = {"percent": 10, "note": "拆迁过半"}
    url = "/api/projects/j1/progress"
    assert client.post(url, json=progress, headers=auth("parks")).status_code == 403
    assert client.post(url, json=progress, headers=auth("reviewer")).status_code == 403
    assert client.post(url, json=progress, headers=auth("reporter")).status_code == 200


def test_the_loop_through_the_api_and_refusals_leave_nothing_behind(
    client: TestClient, clock: Clock
) -> None:
    catalog = _catalog(client)
    assert _problem(client).status_code == 201
    assert _problem(client).status_code == 409
    assert _project(client, problem_ids=["p1"]).status_code == 201
    assert client.get("/api/problems/p1").json()["properties"]["project_ids"] == ["j1"]
    before = snapshot(catalog)
    recheck = "/api/problems/p1/recheck"
    for refused in (
        client.post(recheck, json={"passed": True}, headers=auth("reviewer")),
        client.patch("/api/problems/p1", json={"status": "closed"}, headers=auth("planner")),
        client.patch("/api/projects/j1", json={"stage": "construction"}, headers=auth("planner")),
        client.post(
            "/api/projects/j1/progress", json={"stage": "completion"}, headers=auth("reporter")
        ),
    ):
        assert refused.status_code == 409, refused.text
    for bad in (
        client.patch("/api/problems/p1", json={"severity": 9}, headers=auth("planner")),
        client.patch("/api/projects/j1", json={"problem_ids": ["zz"]}, headers=auth("planner")),
        client.post("/api/problems", json={"title": "no place"}, headers=auth("planner")),
    ):
        assert bad.status_code == 400, bad.text
    assert snapshot(catalog) == before
    for stage in ("supply", "construction", "completion"):
        clock.day += timedelta(days=30)
        r = client.post(
            "/api/projects/j1/progress",
            json={"stage": stage, "note": stage},
            headers=auth("reporter"),
        )
        assert r.status_code == 200, r.text
        assert r.json()["properties"]["stage_started"] == clock.day.isoformat()
    assert client.get("/api/problems/p1").json()["properties"]["status"] == "rechecking"
    failed = client.post(
        recheck, json={"passed": False, "note": "仍积水"}, headers=auth("reviewer")
    )
    assert failed.json()["properties"]["status"] == "in_progress"
    client.patch("/api/problems/p1", json={"status": "rechecking"}, headers=auth("planner"))
    closed = client.post(recheck, json={"passed": True}, headers=auth("reviewer"))
    assert closed.status_code == 200 and closed.json()["properties"]["status"] == "closed"
    assert (
        client.get("/api/problems", params={"status": "closed"}).json()["features"][0]["id"] == "p1"
    )
    history = client.get("/api/projects/j1/history").json()["history"]
    reports = [h for h in history if h["action"] == "progress"]
    assert [(h["actor"], h["stage"], h["note"]) for h in reports] == [
        ("reporter", "supply", "supply"),
        ("reporter", "construction", "construction"),
        ("reporter", "completion", "completion"),
    ]
    for h in reports:  # when: the server's time of the report, in UTC
        at = datetime.fromisoformat(h["at"].replace("Z", "+00:00"))
        assert abs((datetime.now(UTC) - at).total_seconds()) < 120
    actions = [h["action"] for h in client.get("/api/problems/p1/history").json()["history"]]
    assert actions[-3:] == ["recheck_failed", "updated", "recheck_passed"]


def test_photos_are_stored_and_served_and_bad_ones_refused(
    build: Callable[..., TestClient],
) -> None:
    client = build(max_photo_mb=1)
    assert _project(client).status_code == 201
    url = "/api/projects/j1/photos"
    up = client.post(
        url, files={"file": ("工地.jpg", JPEG, "image/jpeg")}, headers=auth("reporter")
    )
    assert up.status_code == 201, up.text
    got = client.get(up.json()["url"])
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["content-type"] == "image/jpeg"
    feature = client.get("/api/projects/j1").json()
    assert feature["properties"]["photos"] == [up.json()["url"]]
    last = client.get("/api/projects/j1/history").json()["history"][-1]
    assert (last["actor"], last["action"], last["photos"]) == (
        "reporter",
        "photo",
        [up.json()["name"]],
    )
    catalog = _catalog(client)
    before = snapshot(catalog)
    for name, data in (
        ("notes.jpg", b"plain text, not a photo"),
        ("a/../../b.png", PNG),
        ("big.jpg", JPEG + b"\x00" * (1 << 20)),
        ("wrong.png", JPEG),
    ):
        r = client.post(url, files={"file": (name, data, "image/png")}, headers=auth("reporter"))
        assert r.status_code == 400, (name, r.text)
    assert client.post(url, files={"file": ("a.png", PNG, "image/png")}).status_code == 401
    assert snapshot(catalog) == before
    assert client.get("/api/projects/j1/photos/nothing.png").status_code == 404
    assert _problem(client).status_code == 201
    p_up = client.post(
        "/api/problems/p1/photos",
        files={"file": ("a.png", PNG, "image/png")},
        headers=auth("planner"),
    )
    assert p_up.status_code == 201
    assert client.get(p_up.json()["url"]).headers["content-type"] == "image/png"


def test_overdue_and_idle_by_the_app_clock_with_summary_and_sweep(
    client: TestClient, clock: Clock
) -> None:
    due = D + timedelta(days=5)
    assert _problem(client, due_date=due.isoformat(), severity=1).status_code == 201
    started = D - timedelta(days=365)
    assert _project(client, stage="supply", stage_started=started.isoformat()).status_code == 201
    idle = _project(client, id="j2", stage="supply", agreed_start_date="2025-03-10")
    assert idle.status_code == 201
    props = client.get("/api/projects/j1").json()["properties"]  # day 365 of 365
    assert props["overdue"] is False and props["stage_due"] == D.isoformat()
    assert client.get("/api/projects/j2").json()["properties"]["idle"] is False  # anniversary
    clock.day = D + timedelta(days=1)
    assert client.get("/api/projects/j1").json()["properties"]["overdue"] is True
    assert client.get("/api/projects/j2").json()["properties"]["idle"] is True
    clock.day = due
    assert client.get("/api/problems/p1").json()["properties"]["overdue"] is False
    clock.day = due + timedelta(days=1)
    assert client.get("/api/problems/p1").json()["properties"]["overdue"] is True
    swept = client.post("/api/healthcheck/sweep", headers=auth("admin")).json()
    assert sorted((c["id"], c["action"]) for c in swept["raised"]) == [
        ("j1", "overdue"),
        ("j2", "idle"),
        ("p1", "overdue"),
    ]
    again = client.post("/api/healthcheck/sweep", headers=auth("admin")).json()
    assert again["raised"] == [] and again["cleared"] == []
    summary = client.get("/api/healthcheck/summary").json()
    assert summary["as_of"] == clock.day.isoformat()
    assert summary["totals"] == {
        "problems_open": 1,
        "problems_overdue": 1,
        "projects_active": 2,
        "projects_overdue": 1,
        "projects_idle": 1,
    }
    assert {f["id"] for f in summary["flagged"]} == {"p1", "j1", "j2"}
    assert (
        client.get("/api/healthcheck/summary", params={"district": "武昌区"}).json()["totals"][
            "problems_open"
        ]
        == 0
    )


def test_indicators_are_put_and_listed_with_their_status(client: TestClient) -> None:
    row = {
        "code": "green_ratio",
        "name": "绿地率",
        "unit": "%",
        "target": 35,
        "year": 2025,
        "area": "江岸区",
        "value": 32,
    }
    body = {"indicators": [row, row | {"area": "武昌区", "value": 20}]}
    assert client.put("/api/healthcheck/indicators", json=body).status_code == 401
    assert (
        client.put("/api/healthcheck/indicators", json=body, headers=auth("reviewer")).status_code
        == 403
    )
    put = client.put("/api/healthcheck/indicators", json=body, headers=auth("water"))
    assert put.status_code == 200 and put.json()["changed"] == 2
    bad = {"indicators": [row | {"year": "last year"}]}
    r = client.put("/api/healthcheck/indicators", json=bad, headers=auth("planner"))
    assert r.status_code == 400 and "year" in r.json()["description"]
    got = client.get("/api/healthcheck/indicators", params={"area": "江岸区"}).json()["indicators"]
    assert [(i["area"], i["status"]) for i in got] == [("江岸区", "amber")]
    assert client.get("/api/healthcheck/summary").json()["indicators"]["red"] == 1


def test_the_lifespan_sweeps_at_start_and_when_the_date_changes(
    settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    app_settings = with_tokens(settings, sweep_interval_s=1)
    catalog = open_catalog(app_settings)
    catalog.migrate()
    try:
        app = create_app(app_settings, viewer_dir=tmp_path / "none")
        store = fix_clock(app, clock)
        store.create_problem(problem("p1", due_date=D + timedelta(days=1)), "planner")
        with TestClient(app) as client:
            sweeper = app.state.healthcheck_sweep
            _wait(lambda: sweeper.swept == [D])
            assert store.get_problem("p1").overdue_flag is None
            clock.day = D + timedelta(days=2)
            _wait(lambda: sweeper.swept == [D, clock.day])
            assert store.get_problem("p1").overdue_flag == f"overdue:{(D + timedelta(days=1))}"
            history = client.get("/api/problems/p1/history").json()["history"]
            assert [(h["actor"], h["action"]) for h in history] == [
                ("planner", "created"),
                ("system", "overdue"),
            ]
        assert sweeper._task is None  # stopped cleanly with the app
    finally:
        catalog.close()


def _wait(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_change_through_the_api_reaches_a_websocket_client_with_the_full_feature(
    settings: Settings,
) -> None:
    app_settings = with_tokens(settings)
    catalog = open_catalog(app_settings)
    catalog.migrate()
    try:
        with live_server(app_settings) as base:

            async def run() -> None:
                ws, _ = await open_client(base, channels="problems,projects")
                async with httpx.AsyncClient(base_url=base) as http:
                    made = await http.post(
                        "/api/problems",
                        headers=auth("planner"),
                        json={"id": "p1", "title": "积水点", "geometry": POINT},
                    )
                    assert made.status_code == 201
                    changed = await http.patch(
                        "/api/problems/p1",
                        headers=auth("planner"),
                        json={"severity": 3, "note": "升级"},
                    )
                    events = await asyncio.wait_for(receive_events(ws, 2), 5.0)
                    assert [(e["channel"], e["kind"], e["id"]) for e in events] == [
                        ("problems", "created", "p1"),
                        ("problems", "updated", "p1"),
                    ]
                    assert events[0]["payload"] == made.json()
                    assert events[1]["payload"] == changed.json()
                    assert events[1]["payload"]["properties"]["severity"] == 3
                await ws.close()

            asyncio.run(run())
    finally:
        catalog.close()
