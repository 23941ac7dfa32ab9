"""Deleting problems and projects over HTTP on both backends: 204 for the roles that may
(admins, planners, a department editor for their own department), 401/403/404 as
{code, description} leaving every row and photo as it was, links cleaned up (a problem
re-checking on a deleted project alone back to in_progress), the history entry, the
overlay event, the audit entry, photos removed and the id free to be used again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from scene_api import create_app
from tests.scene_api.test_healthcheck_api import POINT, TOKENS, auth, fix_clock
from tests.storage.hc_helpers import PNG, Clock, snapshot, square
from twin.settings import ApiToken, AuthSettings, Settings

NO_DEPARTMENT = "nodept-token-0123456789abcdef"  # a department editor speaking for none


def headers(who: str) -> dict[str, str]:
    if who == "nodept":
        return {"Authorization": f"Bearer {NO_DEPARTMENT}"}
    return auth(who)


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    tokens = [
        ApiToken(token=t, user=user, roles=roles, department=dept)  # type: ignore[arg-type]
        for user, (t, roles, dept) in TOKENS.items()
    ]
    tokens.append(ApiToken(token=NO_DEPARTMENT, user="nodept", roles=["department_editor"]))  # type: ignore[arg-type]
    app_settings = settings.model_copy(update={"auth": AuthSettings(tokens=tokens)})
    app = create_app(app_settings, viewer_dir=tmp_path / "none")
    app.state.ctx.catalog.migrate()
    fix_clock(app, Clock(date(2026, 3, 10)))
    with TestClient(app) as c:
        yield c


def _ctx(client: TestClient) -> Any:
    return client.app.state.ctx  # type: ignore[attr-defined]


def _post(client: TestClient, kind: str, who: str = "planner", **fields: Any) -> httpx.Response:
    if kind == "problems":
        body = {"id": "p1", "title": "积水点", "geometry": POINT, "department": "水务局"}
    else:
        body = {"id": "j1", "name": "旧城改造", "geometry": square(), "department": "水务局"}
    r: httpx.Response = client.post(f"/api/{kind}", json=body | fields, headers=headers(who))
    assert r.status_code == 201, r.text
    return r


def _events(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/overlays/events").json()["events"]
    return found


@pytest.mark.parametrize("kind", ["problems", "projects"])
def test_a_refused_delete_is_401_403_or_404_and_leaves_every_row_and_photo(
    client: TestClient, kind: str
) -> None:
    _post(client, kind)
    photo = client.post(
        f"/api/{kind}/{'p1' if kind == 'problems' else 'j1'}/photos",
        files={"file": ("a.png", PNG, "image/png")},
        headers=headers("planner"),
    )
    assert photo.status_code == 201, photo.text
    url = f"/api/{kind}/{'p1' if kind == 'problems' else 'j1'}"
    catalog = _ctx(client).catalog
    before = snapshot(catalog)
    refusals = [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer not-a-valid-token-at-all-000"}, 401, "unauthorized"),
        (headers("viewer"), 403, "forbidden"),
        (headers("reviewer"), 403, "forbidden"),
        (headers("reporter"), 403, "forbidden"),  # district reporters never delete
        (headers("parks"), 403, "forbidden"),  # another department's item
        (headers("nodept"), 403, "forbidden"),  # an editor speaking for no department
    ]
    for given, status, code in refusals:
        r = client.delete(url, headers=given)
        assert r.status_code == status, (given, r.text)
        assert r.json()["code"] == code and r.json()["description"]
    missing = client.delete(f"/api/{kind}/nope", headers=headers("water"))
    assert missing.status_code == 404
    assert missing.json()["code"] == f"{kind[:-1]}_not_found"
    assert client.delete(f"/api/{kind}/bad%20id", headers=headers("admin")).status_code == 422
    assert snapshot(catalog) == before
    assert client.get(photo.json()["url"]).content == PNG
    assert client.get(url).status_code == 200
    audit = _ctx(client).audit.entries(action_prefix=f"DELETE {url}")
    assert sorted(e.status for e in audit) == sorted(s for _, s, _ in refusals)


def test_a_department_editor_deletes_their_problem_and_its_projects_stay(
    client: TestClient,
) -> None:
    made = _post(client, "problems", who="water").json()
    assert made["properties"]["department"] == "水务局"
    photo = client.post(
        "/api/problems/p1/photos",
        files={"file": ("现场.png", PNG, "image/png")},
        headers=headers("water"),
    ).json()
    _post(client, "projects", problem_ids=["p1"])
    seen = _events(client)[-1]["seq"]

    r = client.delete("/api/problems/p1", params={"note": "重复录入"}, headers=headers("water"))

    assert r.status_code == 204 and r.content == b""
    assert client.get("/api/problems/p1").status_code == 404
    assert client.get("/api/problems/p1/history").status_code == 404
    assert client.get(photo["url"]).status_code == 404
    assert list(_ctx(client).store.list("healthcheck/problems/")) == []
    project = client.get("/api/projects/j1").json()
    assert project["properties"]["problem_ids"] == []
    events = [e for e in _events(client) if e["seq"] > seen]
    assert [(e["channel"], e["kind"], e["id"], e["actor"]) for e in events] == [
        ("problems", "deleted", "p1", "water"),
        ("projects", "updated", "j1", "water"),
    ]
    assert events[0]["payload"]["id"] == "p1"
    assert events[0]["payload"]["properties"]["photos"] == [photo["url"]]
    assert events[1]["payload"] == project
    history = client.get("/api/projects/j1/history").json()["history"]
    assert (history[-1]["actor"], history[-1]["action"]) == ("water", "unlinked")
    with _ctx(client).catalog.transaction() as conn:
        row = conn.execute(
            "SELECT actor, action, note FROM hc_history WHERE item_kind = 'problem' "
            "ORDER BY seq DESC"
        ).fetchone()
    assert tuple(row) == ("water", "deleted", "重复录入")
    (entry,) = _ctx(client).audit.entries(action_prefix="DELETE /api/problems/p1")
    assert (entry.actor, entry.status, entry.detail) == (
        "water",
        204,
        {"query": "note=%E9%87%8D%E5%A4%8D%E5%BD%95%E5%85%A5"},
    )
    again = client.post(
        "/api/problems",
        json={"id": "p1", "title": "新积水点", "geometry": POINT},
        headers=headers("water"),
    )
    assert again.status_code == 201, again.text
    assert again.json()["properties"]["photos"] == []


def test_deleting_a_project_unlinks_its_problems_and_ends_a_recheck_it_alone_allowed(
    client: TestClient,
) -> None:
    _post(client, "problems")
    _post(client, "problems", id="p2")
    _post(client, "projects", stage="construction", problem_ids=["p1", "p2"])
    r = client.patch("/api/projects/j1", json={"stage": "completion"}, headers=headers("planner"))
    assert r.status_code == 200, r.text
    _post(client, "projects", id="j2", stage="completion", problem_ids=["p2"])
    for pid in ("p1", "p2"):
        assert client.get(f"/api/problems/{pid}").json()["properties"]["status"] == "rechecking"
    assert client.delete("/api/projects/j1", headers=headers("parks")).status_code == 403
    seen = _events(client)[-1]["seq"]

    assert client.delete("/api/projects/j1", headers=headers("planner")).status_code == 204

    p1 = client.get("/api/problems/p1").json()["properties"]
    p2 = client.get("/api/problems/p2").json()["properties"]
    assert (p1["status"], p1["project_ids"]) == ("in_progress", [])
    assert (p2["status"], p2["project_ids"]) == ("rechecking", ["j2"])
    assert client.get("/api/projects/j1").status_code == 404
    events = [(e["channel"], e["kind"], e["id"]) for e in _events(client) if e["seq"] > seen]
    assert events == [
        ("problems", "updated", "p1"),
        ("problems", "updated", "p2"),
        ("projects", "deleted", "j1"),
    ]
    last = client.get("/api/problems/p1/history").json()["history"][-1]
    assert (last["actor"], last["action"]) == ("planner", "status")
    assert last["data"]["from"] == "rechecking" and last["data"]["project"] == "j1"
    recheck = client.post(
        "/api/problems/p1/recheck", json={"passed": True}, headers=headers("reviewer")
    )
    assert recheck.status_code == 409  # nothing completed is linked any more
    assert client.delete("/api/projects/j2", headers=headers("admin")).status_code == 204
    assert client.delete("/api/projects/j2", headers=headers("admin")).status_code == 404
    assert _post(client, "projects", problem_ids=["p1"]).json()["id"] == "j1"  # the id again
