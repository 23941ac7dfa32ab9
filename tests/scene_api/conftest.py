"""Apps built by ``create_app`` on both backends, with layers published through storage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scene_api import create_app
from scene_api.context import SceneContext
from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.scene_api.fake_layer import PublishedLayer, publish_layer
from twin.settings import Settings


@dataclass
class Served:
    app: FastAPI
    client: TestClient
    settings: Settings

    @property
    def ctx(self) -> SceneContext:
        ctx: SceneContext = self.app.state.ctx
        return ctx

    @property
    def catalog(self) -> Catalog:
        return self.ctx.catalog

    @property
    def store(self) -> ObjectStore:
        return self.ctx.store

    def publish(self, layer_id: str = "delft", **kwargs: Any) -> PublishedLayer:
        return publish_layer(self.catalog, self.store, layer_id, **kwargs)


def with_server(settings: Settings, **server: Any) -> Settings:
    return settings.model_copy(update={"server": settings.server.model_copy(update=server)})


@pytest.fixture
def serve(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """``serve(**server_settings)`` builds a migrated app and a client for it."""
    clients: list[TestClient] = []

    def build(*, viewer_dir: Path | None = None, **server: Any) -> Served:
        app_settings = with_server(settings, **server)
        app = create_app(app_settings, viewer_dir=viewer_dir or tmp_path / "no-viewer")
        app.state.ctx.catalog.migrate()
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Served(app, client, app_settings)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def served(serve: Callable[..., Served]) -> Served:
    return serve()


@pytest.fixture
def delft(served: Served) -> PublishedLayer:
    return served.publish("delft")
