"""The review lifecycle through the API, on both backends: upload -> checked automatically,
reviewer transitions (forbidden ones 409), parallel department opinions, BCF out and in,
and a resubmission diffed against the previous version by GlobalId."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scene_api import create_app
from tests.bim_ingest.review.review_models import (
    Block,
    answer_first_topic,
    red_line_geojson,
    write_block,
)
from tests.scene_api.conftest import Served
from twin.settings import ApiToken, AuthSettings, Settings

TOKENS = {
    "architect": ("arch-token-0123456789abcdef", ["submitter"], "设计院"),
    "reviewer": ("review-token-0123456789abcdef", ["reviewer"], "规划审查处"),
    "fire": ("fire-token-0123456789abcdef", ["department_editor"], "消防"),
    "greening": ("green-token-0123456789abcdef", ["department_editor"], "园林绿化"),
    "viewer": ("viewer-token-0123456789abcdef", ["viewer"], None),
}
RULES = "max_height_m: 8\nmax_far: 2.0\nmax_storeys: 3\nsetback_m: 2\n"


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[who][0]}"}


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    tokens = [
        ApiToken(token=t, user=user, roles=roles, department=dept)  # type: ignore[arg-type]
        for user, (t, roles, dept) in TOKENS.items()
    ]
    app_settings = settings.model_copy(update={"auth": AuthSettings(tokens=tokens)})
    application = create_app(app_settings, viewer_dir=tmp_path / "no-viewer")
    application.state.ctx.catalog.migrate()
    with TestClient(application) as client:
        yield Served(application, client, app_settings)


def submit(
    client: TestClient,
    path: Path,
    *,
    who: str = "architect",
    rules: str | None = RULES,
    red_line: dict[str, Any] | None = None,
    project: str = "du07",
) -> Any:
    files: dict[str, Any] = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
    if red_line is not None:
        files["red_line"] = ("red.geojson", json.dumps(red_line).encode(), "application/geo+json")
    data = {"project": project, "title": "DU07 办公楼", "site_area_m2": "400"}
    if rules is not None:
        data["rules"] = rules
    return client.post("/api/submissions", data=data, files=files, headers=auth(who))


def test_a_submission_is_ingested_checked_and_reviewed_with_parallel_opinions(
    app: Served, tmp_path: Path
) -> None:
    model = write_block(
        Block(elevations_m=(0.0, 3.0, 6.0), roof_elevation_m=9.0), tmp_path / "a.ifc"
    )
    res = submit(app.client, model, red_line=red_line_geojson(-5, -5, 15, 15))
    assert res.status_code == 202, res.text
    sid = res.json()["id"]
    assert sid == "du07-v1"
    sub = app.client.get(f"/api/submissions/{sid}").json()
    assert sub["state"] == "checked", sub["check_error"]
    assert sub["passed"] is False  # 9.2 m > 8 m
    rules = {r["key"]: r for r in sub["report"]["rules"]}
    assert rules["max_height_m"]["status"] == "fail"
    assert rules["setback_m"]["status"] == "pass"
    assert sub["report"]["indicators"]["far"]["value"] == pytest.approx(0.75)
    # the model is its own layer, served like any other
    layer = app.client.get(f"/api/layers/{sub['layer']}").json()
    assert layer["kind"] == "bim"

    start = app.client.post(
        f"/api/submissions/{sid}/transitions",
        json={"action": "start_review"},
        headers=auth("reviewer"),
    )
    assert start.status_code == 200 and start.json()["state"] == "under_review"
    for who, verdict in (("fire", "agree"), ("greening", "conditional")):
        r = app.client.post(
            f"/api/submissions/{sid}/opinions",
            json={"verdict": verdict, "text": f"{who} 意见"},
            headers=auth(who),
        )
        assert r.status_code == 201, r.text
    opinions = app.client.get(f"/api/submissions/{sid}/opinions").json()
    assert [(o["department"], o["verdict"]) for o in opinions] == [
        ("消防", "agree"),
        ("园林绿化", "conditional"),
    ]

    bcf = app.client.get(f"/api/submissions/{sid}/bcf")
    assert bcf.status_code == 200 and bcf.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bcf.content)) as zf:
        assert any(n.endswith("markup.bcf") for n in zf.namelist())

    done = app.client.post(
        f"/api/submissions/{sid}/transitions",
        json={"action": "return", "note": "超高"},
        headers=auth("reviewer"),
    )
    assert done.json()["state"] == "returned"
    events = app.client.get(f"/api/submissions/{sid}/events").json()
    assert [(e["action"], e["actor"]) for e in events if e["to_state"]] == [
        ("submit", "architect"),
        ("check", "system"),
        ("start_review", "reviewer"),
        ("return", "reviewer"),
    ]
    assert all(e["at"] for e in events)


def test_forbidden_transitions_are_409_and_roles_are_enforced(app: Served, tmp_path: Path) -> None:
    model = write_block(Block(), tmp_path / "a.ifc")
    sid = submit(app.client, model).json()["id"]
    url = f"/api/submissions/{sid}/transitions"
    assert (
        app.client.post(url, json={"action": "approve"}, headers=auth("reviewer")).status_code
        == 409
    )
    assert (
        app.client.post(url, json={"action": "reject"}, headers=auth("architect")).status_code
        == 403
    )
    assert app.client.post(url, json={"action": "reject"}).status_code == 401
    assert (
        app.client.post(
            url,
            json={"action": "reject"},
            headers={"Authorization": "Bearer nope-nope-nope-nope-nope"},
        ).status_code
        == 401
    )
    rejected = app.client.post(url, json={"action": "reject"}, headers=auth("reviewer"))
    assert rejected.json()["state"] == "rejected"
    again = app.client.post(url, json={"action": "approve"}, headers=auth("reviewer"))
    assert again.status_code == 409
    assert (
        set(again.json()) == {"code", "description"} and "rejected" in again.json()["description"]
    )
    late = app.client.post(
        f"/api/submissions/{sid}/opinions",
        json={"verdict": "agree", "text": "x"},
        headers=auth("fire"),
    )
    assert late.status_code == 409
    unknown = app.client.post(url, json={"action": "teleport"}, headers=auth("reviewer"))
    assert unknown.status_code == 400
    assert (
        app.client.post(
            "/api/submissions",
            data={"project": "x"},
            files={"file": ("a.ifc", b"x")},
            headers=auth("viewer"),
        ).status_code
        == 403
    )


def test_bad_uploads_are_refused_and_store_nothing(app: Served, tmp_path: Path) -> None:
    model = write_block(Block(), tmp_path / "a.ifc")
    truncated = tmp_path / "cut.ifc"
    truncated.write_bytes(model.read_bytes()[:1500])
    assert submit(app.client, truncated).status_code == 400
    bad_rules = submit(app.client, model, rules="max_hieght_m: 3\n")
    assert bad_rules.status_code == 400 and "max_hieght_m" in bad_rules.json()["description"]
    assert submit(app.client, model, rules=None).status_code == 400  # a first version needs rules
    bad_ids = app.client.post(
        "/api/submissions",
        data={"project": "du07", "rules": RULES},
        files={"file": (model.name, model.read_bytes()), "ids": ("x.ids", b"<ids><broken")},
        headers=auth("architect"),
    )
    assert bad_ids.status_code == 400 and "IDS" in bad_ids.json()["description"]
    bad_red = submit(app.client, model, red_line={"type": "Point", "coordinates": [1, 2]})
    assert bad_red.status_code == 400 and "red_line" in bad_red.json()["description"]
    assert app.client.get("/api/submissions").json() == []
    assert list(app.store.list("submissions/")) == []


def test_a_resubmission_is_the_next_version_diffed_by_globalid_and_both_stay_viewable(
    app: Served, tmp_path: Path
) -> None:
    import ifcopenshell

    first = write_block(
        Block(elevations_m=(0.0, 3.0, 6.0), roof_elevation_m=9.0), tmp_path / "a.ifc"
    )
    v1 = submit(app.client, first).json()["id"]
    app.client.post(
        f"/api/submissions/{v1}/transitions", json={"action": "return"}, headers=auth("reviewer")
    )
    # the architect lowers the building: drop the top storey's slab, rename one, keep the rest
    model = ifcopenshell.open(str(first))
    slabs = {s.Name: s for s in model.by_type("IfcSlab")}
    kept = slabs["slab 0.0"].GlobalId
    slabs["slab 3.0"].Name = "slab 3.0 (renamed)"
    removed = slabs["slab 6.0"].GlobalId
    model.remove(slabs["slab 6.0"])
    second = tmp_path / "b.ifc"
    model.write(str(second))
    res = submit(app.client, second, rules=None)  # inherits the planning conditions
    assert res.status_code == 202, res.text
    v2 = res.json()["id"]
    assert (v2, res.json()["previous_id"]) == ("du07-v2", v1)
    diff = app.client.get(f"/api/submissions/{v2}/diff").json()
    assert diff["removed"] == [removed]
    changed = {c["id"]: c for c in diff["changed"]}
    assert slabs["slab 3.0"].GlobalId in changed and kept not in changed
    assert (
        changed[slabs["slab 3.0"].GlobalId]["properties"]["name"]["after"] == "slab 3.0 (renamed)"
    )
    assert diff["counts"]["added"] == 0
    for sid in (v1, v2):
        layer = app.client.get(f"/api/submissions/{sid}").json()["layer"]
        assert app.client.get(f"/tiles/{layer}/tileset.json").status_code == 200
    # the versions share GlobalIds: a lookup names its layer, or gets the newest
    layers = [app.client.get(f"/api/submissions/{sid}").json()["layer"] for sid in (v1, v2)]
    for layer in layers:
        got = app.client.get(f"/api/features/{kept}", params={"layer": layer}).json()
        assert got["layer"] == layer
    assert app.client.get(f"/api/features/{kept}").json()["layer"] == layers[1]
    gone = app.client.get(f"/api/features/{removed}", params={"layer": layers[0]}).json()
    assert (
        app.client.get(f"/api/features/{removed}", params={"layer": layers[1]}).status_code == 404
    )
    url = f"/api/features/{gone['parent_id']}/children"
    kids = [
        {k["id"] for k in app.client.get(url, params={"layer": layer}).json()["features"]}
        for layer in layers
    ]
    assert removed in kids[0] and removed not in kids[1]
    listed = app.client.get("/api/submissions", params={"project": "du07"}).json()
    assert [s["version"] for s in listed] == [1, 2]


def test_bcf_comments_come_back_as_opinions_once(app: Served, tmp_path: Path) -> None:
    model = write_block(
        Block(elevations_m=(0.0, 3.0, 6.0), roof_elevation_m=9.0), tmp_path / "a.ifc"
    )
    sid = submit(app.client, model).json()["id"]
    out = tmp_path / "review.bcfzip"
    out.write_bytes(app.client.get(f"/api/submissions/{sid}/bcf").content)
    answered = tmp_path / "answered.bcfzip"
    answer_first_topic(
        out, answered, author="张工", text="已修改", guid="0b6d2f4e-1111-4a2b-8c3d-000000000001"
    )
    for expected in (1, 0):  # a second import of the same file attaches nothing new
        r = app.client.post(
            f"/api/submissions/{sid}/bcf",
            files={"file": ("answered.bcfzip", answered.read_bytes())},
            headers=auth("architect"),
        )
        assert r.status_code == 200 and r.json() == {"imported": expected}
    opinions = app.client.get(f"/api/submissions/{sid}/opinions").json()
    assert [(o["author"], o["source"]) for o in opinions] == [("张工", "bcf")]
    assert "已修改" in opinions[0]["text"]


def test_writes_are_refused_when_no_tokens_are_configured(served: Served, tmp_path: Path) -> None:
    model = write_block(Block(), tmp_path / "a.ifc")
    res = submit(served.client, model)
    assert res.status_code == 401 and "TWIN_AUTH__TOKENS" in res.json()["description"]


def test_an_oversized_upload_is_413_and_stores_nothing(settings: Settings, tmp_path: Path) -> None:
    token = ApiToken(token=TOKENS["architect"][0], user="architect", roles=["submitter"])  # type: ignore[arg-type]
    small = settings.model_copy(
        update={
            "auth": AuthSettings(tokens=[token]),
            "bim": settings.bim.model_copy(update={"max_upload_mb": 1}),
        }
    )
    application = create_app(small, viewer_dir=tmp_path / "no-viewer")
    application.state.ctx.catalog.migrate()
    model = write_block(Block(), tmp_path / "a.ifc")
    big = tmp_path / "big.ifc"
    # a real model padded past the limit with STEP comments
    big.write_bytes(model.read_bytes() + b"/* padding */\n" * 80_000)
    with TestClient(application) as client:
        response = submit(client, big)
        assert response.status_code == 413, response.text
        assert response.json()["code"] == "too_large"
        assert "1 MB" in response.json()["description"]
        assert client.get("/api/submissions").json() == []
    assert list(application.state.ctx.store.list("submissions/")) == []
