"""What every request handler needs: settings, the object store, the catalog.

Built once by ``create_app`` and kept on ``app.state.ctx``; handlers receive it
through the ``get_ctx`` dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

from starlette.requests import Request

from scene_api.services.access import LayerAccess
from scene_api.services.hot_cache import HotCache
from scene_api.services.tileset_cache import TilesetCache
from storage.auth.audit import AuditLog
from storage.auth.users import UserStore
from storage.catalog.protocol import Catalog
from storage.healthcheck.store import HealthStore
from storage.objects.protocol import ObjectStore
from twin.analysis.service import AnalysisService
from twin.healthcheck.clock import local_today
from twin.healthcheck.stages import load_stages
from twin.overlays.hub import OverlayHub
from twin.settings import Settings


@dataclass(frozen=True)
class SceneContext:
    settings: Settings
    store: ObjectStore
    catalog: Catalog
    tilesets: TilesetCache = field(default_factory=TilesetCache)
    hot: HotCache = field(default_factory=HotCache)
    analysis: AnalysisService = field(init=False)
    users: UserStore = field(init=False)
    audit: AuditLog = field(init=False)
    overlays: OverlayHub = field(init=False)
    access: LayerAccess = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "analysis", AnalysisService.for_city(self.store, self.catalog))
        auth = self.settings.auth
        users = UserStore(self.catalog, policy=auth.throttle(), session_ttl_s=auth.session_ttl_s)
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "audit", AuditLog(self.catalog))
        object.__setattr__(self, "overlays", OverlayHub.for_catalog(self.catalog))
        object.__setattr__(self, "access", LayerAccess(self.catalog))

    @cached_property
    def health(self) -> HealthStore:
        """The health-check store, built on first use (it reads the stage definition)."""
        hc = self.settings.healthcheck
        return HealthStore(
            self.catalog,
            self.store,
            load_stages(hc.stages_file),
            local_today(hc.timezone),
            max_photo_mb=hc.max_photo_mb,
        )


async def get_ctx(request: Request) -> SceneContext:
    return cast("SceneContext", request.app.state.ctx)


def root_path(request: Request) -> str:
    """The path prefix the app is mounted under (``--root-path`` of uvicorn), no trailing '/'."""
    return str(request.scope.get("root_path", "")).rstrip("/")
