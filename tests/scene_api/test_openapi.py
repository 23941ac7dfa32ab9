from __future__ import annotations

from fastapi.routing import APIRoute

from scene_api.routers import (
    analysis,
    audit,
    auth,
    features,
    health,
    healthcheck,
    layers,
    ogc,
    oidc,
    overlays,
    permissions,
    problems,
    projects,
    scene,
    search,
    submissions,
    tiles,
)
from tests.scene_api.conftest import Served

EXPECTED_PATHS = {
    "/api/layers",
    "/api/layers/{layer}",
    "/api/features/{feature_id}",
    "/api/features/{feature_id}/children",
    "/api/layers/{layer}/features",
    "/tiles/{layer}/tileset.json",
    "/tiles/{layer}/v/{version}/{path}",
    "/tiles/{layer}/{path}",
    "/scene/tileset.json",
    "/scene/layers/{layer}/tileset.json",
    "/scene/layers/{layer}/v/{version}/{path}",
    "/scene/layers/{layer}/{path}",
    "/healthz",
    "/api/submissions",
    "/api/submissions/{submission_id}",
    "/api/submissions/{submission_id}/events",
    "/api/submissions/{submission_id}/transitions",
    "/api/submissions/{submission_id}/opinions",
    "/api/submissions/{submission_id}/bcf",
    "/api/submissions/{submission_id}/diff",
    "/api/analysis/sightline",
    "/api/analysis/sunlight",
    "/api/analysis/svf",
    "/api/analysis/streets",
    "/api/analysis/skyline",
    "/api/analysis/skyline/panorama.png",
    "/api/analysis/corridor",
    "/api/analysis/corridors",
    "/api/analysis/corridors/max-height.tif",
    "/api/analysis/corridor/{corridor_id}",
    "/api/analysis/corridor/{corridor_id}/max-height.tif",
    "/api/analysis/corridor/{corridor_id}/max-height.png",
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/{layer}",
    "/ogc/collections/{layer}/queryables",
    "/ogc/collections/{layer}/items",
    "/ogc/collections/{layer}/items/{feature_id}",
    "/api/search",
    "/api/auth/login",
    "/api/auth/logout",
    "/api/auth/me",
    "/api/auth/status",
    "/api/audit",
    "/api/overlays/events",
    "/api/auth/oidc/callback",
    "/api/auth/oidc/login",
    "/api/healthcheck/export",
    "/api/healthcheck/import",
    "/api/healthcheck/indicators",
    "/api/healthcheck/report.pdf",
    "/api/healthcheck/summary",
    "/api/healthcheck/sweep",
    "/api/layers/{layer}/permissions",
    "/api/problems",
    "/api/problems/{problem_id}",
    "/api/problems/{problem_id}/history",
    "/api/problems/{problem_id}/photos",
    "/api/problems/{problem_id}/photos/{name}",
    "/api/problems/{problem_id}/recheck",
    "/api/projects",
    "/api/projects/{project_id}",
    "/api/projects/{project_id}/history",
    "/api/projects/{project_id}/photos",
    "/api/projects/{project_id}/photos/{name}",
    "/api/projects/{project_id}/progress",
}
#: the writes: they need a login or a bearer token, and say so (401, 403)
WRITES = {
    ("/api/submissions", "post"),
    ("/api/submissions/{submission_id}/transitions", "post"),
    ("/api/submissions/{submission_id}/opinions", "post"),
    ("/api/submissions/{submission_id}/bcf", "post"),
    ("/api/layers/{layer}/permissions", "put"),
    ("/api/layers/{layer}/permissions", "delete"),
    ("/api/healthcheck/import", "post"),
    ("/api/healthcheck/indicators", "put"),
    ("/api/healthcheck/sweep", "post"),
    ("/api/problems", "post"),
    ("/api/problems/{problem_id}", "patch"),
    ("/api/problems/{problem_id}", "delete"),
    ("/api/problems/{problem_id}/photos", "post"),
    ("/api/problems/{problem_id}/recheck", "post"),
    ("/api/projects", "post"),
    ("/api/projects/{project_id}", "patch"),
    ("/api/projects/{project_id}", "delete"),
    ("/api/projects/{project_id}/photos", "post"),
    ("/api/projects/{project_id}/progress", "post"),
}
#: logging in and out: writes, open to anyone (they are how one authenticates)
SESSIONS = {("/api/auth/login", "post"), ("/api/auth/logout", "post")}
#: analyses: POST for their bodies, but they compute and store nothing (open like reads)
COMPUTES = {
    ("/api/analysis/sightline", "post"),
    ("/api/analysis/sunlight", "post"),
    ("/api/analysis/svf", "post"),
    ("/api/analysis/streets", "post"),
    ("/api/analysis/skyline", "post"),
    ("/api/analysis/skyline/panorama.png", "post"),
    ("/api/analysis/corridor", "post"),
}


def test_openapi_documents_every_route(served: Served) -> None:
    doc = served.client.get("/openapi.json").json()
    assert set(doc["paths"]) == EXPECTED_PATHS
    routes = {
        route.path_format
        for module in (
            features,
            health,
            layers,
            scene,
            tiles,
            submissions,
            analysis,
            ogc,
            search,
            auth,
            audit,
            overlays,
            healthcheck,
            problems,
            projects,
            oidc,
            permissions,
        )
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
    }
    assert routes == EXPECTED_PATHS


def test_every_operation_has_a_summary_a_tag_and_error_responses(served: Served) -> None:
    doc = served.client.get("/openapi.json").json()
    error_ref = "#/components/schemas/ErrorModel"
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert method == "get" or (path, method) in WRITES | COMPUTES | SESSIONS, (
                path,
                method,
            )
            if (path, method) in WRITES:
                assert "401" in operation["responses"] and "403" in operation["responses"]
            assert operation["summary"], path
            assert operation["tags"], path
            if path == "/healthz":
                assert "503" in operation["responses"]
                continue
            errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
            assert errors, path
            for code in errors:
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": error_ref}, (path, code)


def test_the_features_query_documents_its_parameters_and_geojson(served: Served) -> None:
    doc = served.client.get("/openapi.json").json()
    operation = doc["paths"]["/api/layers/{layer}/features"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"layer", "bbox", "polygon", "filter", "sort", "limit", "offset"}
    assert "application/geo+json" in operation["responses"]["200"]["content"]
    assert "IS NOT NULL" in operation["description"]
    assert "422" in operation["responses"]


def test_the_docs_page_is_served(served: Served) -> None:
    response = served.client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
