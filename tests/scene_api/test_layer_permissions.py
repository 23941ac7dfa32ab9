"""Per-layer permissions over the API: admins grant, and a restricted layer is filtered
everywhere for callers who may not read it (404 as if absent, left out of every list)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request

from scene_api.services import access
from storage.submissions.records import Submission
from storage.submissions.store import SubmissionStore
from tests.scene_api.access_app import AccessApp, access_app, bearer
from tests.scene_api.fake_layer import publish_layer
from tests.storage.search_helpers import Named, publish_named
from twin.errors import ForbiddenError, LayerNotFoundError, UnauthorizedError
from twin.settings import Settings

SECRET_READ = {"grants": [{"right": "read", "department": "Xiamen"}]}


@pytest.fixture
def city(settings: Settings, tmp_path: Path) -> Iterator[AccessApp]:
    with access_app(settings, tmp_path) as served:
        ctx = served.ctx
        publish_layer(ctx.catalog, ctx.store, "open")
        publish_layer(ctx.catalog, ctx.store, "secret", origin=(4.36, 52.01))
        publish_named(ctx.catalog, ctx.store, "secret-names", [Named("s:1", {"name": "军港码头"})])
        publish_named(ctx.catalog, ctx.store, "open-names", [Named("o:1", {"name": "民用码头"})])
        yield served


def restrict(city: AccessApp, layer: str = "secret") -> None:
    r = city.client.put(
        f"/api/layers/{layer}/permissions", json=SECRET_READ, headers=bearer("admin")
    )
    assert r.status_code == 200, r.text


def test_admins_grant_list_and_revoke_and_every_change_is_audited(city: AccessApp) -> None:
    admin = bearer("admin")
    assert city.client.get("/api/layers/secret/permissions", headers=admin).json()["grants"] == []
    restrict(city)
    state = city.client.get("/api/layers/secret/permissions", headers=admin).json()
    assert state["restricted"] is True and state["exists"] is True
    assert [(g["right"], g["kind"], g["subject"], g["granted_by"]) for g in state["grants"]] == [
        ("read", "department", "Xiamen", "admin")
    ]
    added = {"grants": [*SECRET_READ["grants"], {"right": "update", "role": "leader"}]}
    assert (
        city.client.put("/api/layers/secret/permissions", json=added, headers=admin).status_code
        == 200
    )
    one = {"right": "update", "role": "leader"}
    r = city.client.delete("/api/layers/secret/permissions", params=one, headers=admin)
    assert r.status_code == 200 and len(r.json()["grants"]) == 1
    r = city.client.delete("/api/layers/secret/permissions", params=one, headers=admin)
    assert r.status_code == 404
    r = city.client.delete("/api/layers/secret/permissions", headers=admin)
    assert r.json()["restricted"] is False
    entries = city.ctx.audit.entries(action_prefix="layer permissions")
    assert [e.action for e in entries] == [
        "layer permissions replace",
        "layer permissions replace",
        "layer permissions revoke",
        "layer permissions clear",
    ]
    assert entries[0].actor == "admin" and entries[0].target == "secret"
    assert entries[0].detail["after"] == [
        {"right": "read", "kind": "department", "subject": "Xiamen"}
    ]
    requests = city.ctx.audit.entries(action_prefix="PUT /api/layers/secret/permissions")
    assert len(requests) == 2 and all(e.status == 200 for e in requests)


def test_only_admins_see_or_change_permissions(city: AccessApp) -> None:
    url = "/api/layers/secret/permissions"
    assert city.client.put(url, json=SECRET_READ).status_code == 401
    for who in ("planner", "leader", "xiamen", "viewer"):
        assert city.client.put(url, json=SECRET_READ, headers=bearer(who)).status_code == 403
        assert city.client.get(url, headers=bearer(who)).status_code == 403
    bad = {"grants": [{"right": "read", "role": "viewer", "user": "x"}]}
    assert city.client.put(url, json=bad, headers=bearer("admin")).status_code == 422
    unknown = {"grants": [{"right": "read", "role": "superuser"}]}
    assert city.client.put(url, json=unknown, headers=bearer("admin")).status_code == 400
    assert city.client.get(url, headers=bearer("admin")).json()["grants"] == []


def test_a_layer_can_be_restricted_before_it_exists(city: AccessApp) -> None:
    restrict(city, "harbour")
    state = city.client.get("/api/layers/harbour/permissions", headers=bearer("admin")).json()
    assert state["exists"] is False and state["restricted"] is True
    publish_layer(city.ctx.catalog, city.ctx.store, "harbour")
    assert city.client.get("/api/layers/harbour").status_code == 404
    assert city.client.get("/api/layers/harbour", headers=bearer("xiamen")).status_code == 200


def _reads(city: AccessApp, headers: dict[str, str]) -> dict[str, int]:
    c = city.client
    return {
        "layer": c.get("/api/layers/secret", headers=headers).status_code,
        "tileset": c.get("/tiles/secret/tileset.json", headers=headers).status_code,
        "content": c.get("/tiles/secret/v/1/t/0_0_0.glb", headers=headers).status_code,
        "current": c.get("/tiles/secret/t/0_0_0.glb", headers=headers).status_code,
        "scene_layer": c.get("/scene/layers/secret/tileset.json", headers=headers).status_code,
        "scene_content": c.get("/scene/layers/secret/v/1/t/1_0_0.glb", headers=headers).status_code,
        "features": c.get("/api/layers/secret/features", headers=headers).status_code,
        "feature": c.get("/api/features/secret:B1", headers=headers).status_code,
        "feature_in": c.get("/api/features/secret:B1?layer=secret", headers=headers).status_code,
        "children": c.get("/api/features/secret:B1/children", headers=headers).status_code,
        "collection": c.get("/ogc/collections/secret", headers=headers).status_code,
        "queryables": c.get("/ogc/collections/secret/queryables", headers=headers).status_code,
        "items": c.get("/ogc/collections/secret/items", headers=headers).status_code,
        "item": c.get("/ogc/collections/secret/items/secret:B1", headers=headers).status_code,
    }


def test_a_restricted_layer_is_not_found_for_those_who_may_not_read_it(city: AccessApp) -> None:
    assert set(_reads(city, {}).values()) == {200}  # open before any grant
    restrict(city)
    for who in ({}, bearer("viewer"), bearer("fuzhou"), bearer("planner"), bearer("leader")):
        assert set(_reads(city, who).values()) == {404}, who
    for who in (bearer("xiamen"), bearer("admin")):
        assert set(_reads(city, who).values()) == {200}, who
    # exactly what a layer that does not exist answers
    hidden = city.client.get("/api/layers/secret").json()
    missing = city.client.get("/api/layers/nowhere").json()
    assert hidden["code"] == missing["code"] == "layer_not_found"
    assert hidden["description"] == missing["description"].replace("nowhere", "secret")
    assert city.client.get("/api/features/secret:B1").json()["code"] == "feature_not_found"
    # the open layer is untouched
    assert city.client.get("/tiles/open/tileset.json").status_code == 200


def test_lists_leave_a_restricted_layer_out(city: AccessApp) -> None:
    restrict(city)
    restrict(city, "secret-names")

    def listed(headers: dict[str, str]) -> tuple[set[str], set[str], set[str], set[str]]:
        c = city.client
        layers = {x["id"] for x in c.get("/api/layers", headers=headers).json()["layers"]}
        ogc = {x["id"] for x in c.get("/ogc/collections", headers=headers).json()["collections"]}
        scene = c.get("/scene/tileset.json", headers=headers).json()
        uris = {ch["content"]["uri"] for ch in scene["root"]["children"]}
        found = c.get("/api/search", params={"q": "码头"}, headers=headers).json()["results"]
        return layers, ogc, uris, {r["id"] for r in found}

    layers, ogc, uris, found = listed({})
    assert "secret" not in layers and "open" in layers
    assert "secret" not in ogc and "open" in ogc
    assert "layers/secret/tileset.json" not in uris and "layers/open/tileset.json" in uris
    assert found == {"o:1"}
    r = city.client.get("/api/search", params={"q": "码头", "layer": "secret-names"})
    assert r.json()["results"] == []
    layers, ogc, uris, found = listed(bearer("xiamen"))
    assert {"secret", "open"} <= layers and {"secret", "open"} <= ogc
    assert "layers/secret/tileset.json" in uris
    assert found == {"o:1", "s:1"}


def test_cached_tilesets_and_scenes_do_not_leak_to_the_next_caller(city: AccessApp) -> None:
    restrict(city)
    c = city.client
    warm = c.get("/tiles/secret/tileset.json", headers=bearer("xiamen"))
    assert warm.status_code == 200  # now in the tileset cache
    assert warm.headers["cache-control"].startswith("private")
    content = c.get("/tiles/secret/v/1/t/1_0_0.glb", headers=bearer("xiamen"))
    assert content.status_code == 200 and "public" not in content.headers["cache-control"]
    assert "private" in content.headers["cache-control"]
    # the same URL, the cached body's ETag: still not for a viewer
    etag = {"If-None-Match": warm.headers["etag"]}
    assert c.get("/tiles/secret/tileset.json", headers=etag).status_code == 404
    assert c.get("/tiles/secret/v/1/t/1_0_0.glb", headers=bearer("viewer")).status_code == 404
    full = c.get("/scene/tileset.json", headers=bearer("xiamen"))
    part = c.get("/scene/tileset.json")
    assert len(full.json()["root"]["children"]) == len(part.json()["root"]["children"]) + 1
    assert full.headers["etag"] != part.headers["etag"]
    assert part.headers["cache-control"].startswith("private")
    assert (
        c.get("/scene/tileset.json", headers={"If-None-Match": full.headers["etag"]}).status_code
        == 200
    )
    # the open layer keeps its public caching
    assert c.get("/tiles/open/v/1/t/1_0_0.glb").headers["cache-control"].startswith("public")


def test_revoking_opens_the_layer_again_at_once(city: AccessApp) -> None:
    restrict(city)
    assert city.client.get("/tiles/secret/tileset.json").status_code == 404
    city.client.delete("/api/layers/secret/permissions", headers=bearer("admin"))
    assert city.client.get("/tiles/secret/tileset.json").status_code == 200


def test_an_analysis_does_not_see_a_layer_the_caller_may_not_read(city: AccessApp) -> None:
    restrict(city)
    line = {"from": [4.3, 52.0, 10.0], "to": [4.4, 52.0, 10.0]}
    r = city.client.post("/api/analysis/sightline", json={**line, "layers": ["secret"]})
    assert r.status_code == 404 and r.json()["code"] == "layer_not_found"
    r = city.client.post("/api/analysis/sightline", json={**line, "scenario": {"add": ["secret"]}})
    assert r.status_code == 404


def _conn(city: AccessApp, who: str | None) -> Request:
    headers = [(b"authorization", bearer(who)["Authorization"].encode())] if who else []
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers, "app": city.app}
    return Request({**scope, "query_string": b"", "client": ("10.1.2.3", 1)})


def test_write_rights_for_routers_that_change_a_layer(city: AccessApp) -> None:
    grants = {
        "grants": [{"right": "update", "department": "Xiamen"}, {"right": "read", "role": "leader"}]
    }
    r = city.client.put("/api/layers/secret/permissions", json=grants, headers=bearer("admin"))
    assert r.status_code == 200
    assert (
        access.require_right(_conn(city, "xiamen"), city.ctx, "secret", "update").user == "xiamen"
    )
    assert access.require_right(_conn(city, "admin"), city.ctx, "secret", "publish").user == "admin"
    assert (
        access.require_right(_conn(city, "planner"), city.ctx, "open", "publish").user == "planner"
    )
    with pytest.raises(ForbiddenError):
        access.require_right(_conn(city, "xiamen"), city.ctx, "secret", "publish")
    with pytest.raises(ForbiddenError):
        access.require_right(_conn(city, "viewer"), city.ctx, "open", "update")
    with pytest.raises(LayerNotFoundError):  # may not even read it
        access.require_right(_conn(city, "fuzhou"), city.ctx, "secret", "update")
    with pytest.raises(UnauthorizedError):
        access.require_right(_conn(city, None), city.ctx, "open", "update")


def _submit(city: AccessApp, sid: str, layer: str) -> None:
    project = sid.rsplit("-v", 1)[0]
    SubmissionStore(city.ctx.catalog).create(
        Submission(sid, project, 1, project, layer, "checked", "m.ifc", f"bim/{sid}.ifc"),
        actor="architect",
    )


def test_a_submission_on_a_restricted_layer_is_hidden_like_a_missing_one(city: AccessApp) -> None:
    _submit(city, "tower-v1", "secret")
    _submit(city, "plaza-v1", "open")
    restrict(city)
    c = city.client
    reads = ("", "/events", "/opinions", "/diff", "/bcf")

    def listed(headers: dict[str, str]) -> set[str]:
        return {s["id"] for s in c.get("/api/submissions", headers=headers).json()}

    for who in ({}, bearer("viewer"), bearer("reviewer"), bearer("fuzhou")):
        assert listed(who) == {"plaza-v1"}, who
        for tail in reads:
            hidden = c.get(f"/api/submissions/tower-v1{tail}", headers=who)
            missing = c.get(f"/api/submissions/nowhere-v1{tail}", headers=who)
            assert hidden.status_code == missing.status_code == 404, (who, tail)
            assert hidden.json()["code"] == missing.json()["code"] == "submission_not_found"
    # a write on it answers what a write on a missing one does (the role is checked
    # first: 403 for a role that may not act at all, else 404), and changes nothing
    for path, body in (
        ("transitions", {"action": "start_review"}),
        ("opinions", {"verdict": "agree", "text": "同意"}),
    ):
        for who, status in ((bearer("reviewer"), 404), (bearer("viewer"), 403)):
            hidden = c.post(f"/api/submissions/tower-v1/{path}", json=body, headers=who)
            missing = c.post(f"/api/submissions/nowhere-v1/{path}", json=body, headers=who)
            assert hidden.status_code == missing.status_code == status, (path, hidden.text)
            assert hidden.json()["code"] == missing.json()["code"], (path, hidden.text)
    store = SubmissionStore(city.ctx.catalog)
    assert store.get("tower-v1").state == "checked" and store.opinions("tower-v1") == []
    # those who may read the layer see and work on it as before
    for who in (bearer("xiamen"), bearer("admin")):
        assert listed(who) == {"plaza-v1", "tower-v1"}
        assert c.get("/api/submissions/tower-v1", headers=who).json()["layer"] == "secret"
    r = c.post(
        "/api/submissions/tower-v1/transitions",
        json={"action": "start_review"},
        headers=bearer("admin"),
    )
    assert r.status_code == 200, r.text
    assert store.get("tower-v1").state == "under_review"
