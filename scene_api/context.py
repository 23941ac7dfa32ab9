"""What every request handler needs: settings, the object store, the catalog.

Built once by ``create_app`` and kept on ``app.state.ctx``; handlers receive it
through the ``get_ctx`` dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from starlette.requests import Request

from scene_api.services.hot_cache import HotCache
from scene_api.services.tileset_cache import TilesetCache
from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.analysis.service import AnalysisService
from twin.settings import Settings


@dataclass(frozen=True)
class SceneContext:
    settings: Settings
    store: ObjectStore
    catalog: Catalog
    tilesets: TilesetCache = field(default_factory=TilesetCache)
    hot: HotCache = field(default_factory=HotCache)
    analysis: AnalysisService = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "analysis", AnalysisService.for_city(self.store, self.catalog))


async def get_ctx(request: Request) -> SceneContext:
    return cast("SceneContext", request.app.state.ctx)


def root_path(request: Request) -> str:
    """The path prefix the app is mounted under (``--root-path`` of uvicorn), no trailing '/'."""
    return str(request.scope.get("root_path", "")).rstrip("/")
