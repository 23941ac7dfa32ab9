from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from scene_api import create_app
from tests.scene_api.conftest import Served
from tests.services import S3_ACCESS_KEY, S3_SECRET_KEY
from twin.settings import Settings


def test_health_is_ok_when_both_backends_answer(served: Served) -> None:
    response = served.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "catalog": "ok", "store": "ok"}


def test_health_is_degraded_when_the_store_is_unreachable(settings: Settings) -> None:
    broken = settings.model_copy(
        update={
            "storage_url": "s3://twin-test?endpoint=127.0.0.1:1&secure=false",
            "s3_access_key": S3_ACCESS_KEY,
            "s3_secret_key": S3_SECRET_KEY,
        }
    )
    broken = Settings.model_validate(broken.model_dump())  # SecretStr from the plain strings
    app = create_app(broken)
    app.state.ctx.catalog.migrate()
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["catalog"] == "ok"
    assert body["store"] == "backend_unavailable"


def test_health_is_degraded_when_the_catalog_is_unreachable(
    serve: Callable[..., Served], settings: Settings
) -> None:
    served = serve()
    broken = settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/none"})
    app = create_app(broken)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["catalog"] != "ok"
    assert response.json()["store"] == "ok"
    assert served.client.get("/healthz").status_code == 200
