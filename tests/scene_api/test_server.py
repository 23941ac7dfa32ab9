from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from scene_api.server import SETTINGS_ENV, app_from_env, settings_from_json, settings_to_json
from storage.factory import open_catalog, open_object_store
from tests.scene_api.fake_layer import publish_layer
from tests.serving import free_port, stop
from twin.errors import ConfigError
from twin.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_survive_the_trip_to_the_workers_with_their_secrets(settings: Settings) -> None:
    with_secret = Settings.model_validate(
        {**settings.model_dump(), "s3_access_key": "access", "s3_secret_key": "s3cr3t"}
    )
    back = settings_from_json(settings_to_json(with_secret))
    assert back == with_secret
    assert back.s3_secret_key is not None
    assert back.s3_secret_key.get_secret_value() == "s3cr3t"


def test_the_worker_factory_builds_the_app_from_the_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SETTINGS_ENV, settings_to_json(settings))
    app = app_from_env()
    app.state.ctx.catalog.migrate()
    with TestClient(app) as client:
        assert client.get("/healthz").json()["status"] == "ok"


def test_the_worker_factory_refuses_to_start_without_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    with pytest.raises(ConfigError):
        app_from_env()


def test_run_serves_with_two_workers(settings: Settings, tmp_path: Path) -> None:
    catalog, store = open_catalog(settings), open_object_store(settings)
    catalog.migrate()
    layer = publish_layer(catalog, store, "delft")
    catalog.close()
    port = free_port()
    script = (
        "import os, sys\n"
        "from scene_api.server import run, settings_from_json\n"
        f"run(settings_from_json(os.environ['TEST_SETTINGS']), '127.0.0.1', {port}, 2)\n"
    )
    env = {**os.environ, "TEST_SETTINGS": settings_to_json(settings)}
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        for _ in range(4):  # a few requests, so that both workers likely answer
            response = httpx.get(f"{base}/tiles/delft/v/{layer.version}/t/0_0_0.glb")
            assert response.status_code == 200
            assert response.content == layer.contents["t/0_0_0.glb"]
    finally:
        stop(proc)
        log.close()
    assert "Started parent process" in log_path.read_text(errors="replace")
