from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.scene_api.conftest import Served
from twin.errors import ConflictError


def test_an_unexpected_error_is_a_500_that_leaks_nothing(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError("connection to /srv/secret/path with password hunter2 failed")

    served.app.router.add_api_route("/api/explode", explode)
    served.app.router.routes.insert(0, served.app.router.routes.pop())
    client = TestClient(served.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="scene_api"):
        response = client.get("/api/explode")
    assert response.status_code == 500
    assert response.json() == {"code": "internal_error", "description": "internal error"}
    assert "hunter2" not in response.text
    assert "/srv/secret" not in response.text
    logged = [r for r in caplog.records if r.exc_info]
    assert logged, "the stack trace goes to the server log"
    exc_info = logged[0].exc_info
    assert exc_info is not None
    assert "hunter2" in str(exc_info[1])


def test_a_twin_error_keeps_its_code_and_status(served: Served) -> None:
    def conflict() -> None:
        raise ConflictError("the layer is being published")

    served.app.router.add_api_route("/api/conflict", conflict)
    served.app.router.routes.insert(0, served.app.router.routes.pop())
    response = served.client.get("/api/conflict")
    assert response.status_code == 409
    assert response.json() == {"code": "conflict", "description": "the layer is being published"}


def test_an_unknown_route_is_a_json_404(served: Served) -> None:
    response = served.client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(served: Served) -> None:
    response = served.client.post("/api/layers")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
