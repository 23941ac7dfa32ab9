"""Run the scene server with uvicorn.

``run(settings, host, port, workers)``: with one worker the app is built here and
handed to uvicorn. With several, uvicorn starts worker processes that import
``scene_api.server:app_from_env`` (factory mode); the settings travel to them as
JSON in the environment variable ``TWIN_SCENE_SETTINGS_JSON``, secrets included,
so the workers need no other configuration.
"""

from __future__ import annotations

import json
import os
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from scene_api.app import create_app
from twin.errors import ConfigError
from twin.settings import Settings

SETTINGS_ENV = "TWIN_SCENE_SETTINGS_JSON"


def settings_to_json(settings: Settings) -> str:
    """All settings as JSON, with secrets in clear (for the environment of the workers)."""

    def plain(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return json.dumps(plain(settings.model_dump(mode="python", round_trip=True)), default=str)


def settings_from_json(text: str) -> Settings:
    try:
        return Settings.model_validate(json.loads(text))
    except ValueError as exc:
        raise ConfigError("the settings passed to the server workers are invalid") from exc


def app_from_env() -> FastAPI:
    """The uvicorn factory of the worker processes."""
    text = os.environ.get(SETTINGS_ENV)
    if not text:
        raise ConfigError(f"{SETTINGS_ENV} is not set: start workers with scene_api.server.run")
    return create_app(settings_from_json(text))


def run(
    settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None
) -> None:
    """Serve until interrupted; ``None`` arguments fall back to ``settings.server``."""
    host = settings.server.host if host is None else host
    port = settings.server.port if port is None else port
    workers = settings.server.workers if workers is None else workers
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "proxy_headers": True,
        # live overlay frames are small and go to many clients at once: compressing each
        # client's copy separately (permessage-deflate) costs more than it saves on a LAN
        "ws_per_message_deflate": False,
    }
    if workers <= 1:
        uvicorn.run(create_app(settings), **common)
        return
    os.environ[SETTINGS_ENV] = settings_to_json(settings)
    uvicorn.run("scene_api.server:app_from_env", factory=True, workers=workers, **common)
