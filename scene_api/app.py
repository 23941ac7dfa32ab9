"""``create_app(settings)``: the scene server as a FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from scene_api.audit_middleware import AuditMiddleware
from scene_api.context import SceneContext
from scene_api.errors import install_error_handlers
from scene_api.read_gate import ReadGate
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
from scene_api.routers.viewer import mount_viewer
from storage.factory import open_catalog, open_object_store
from twin.healthcheck.sweep_loop import DailySweep
from twin.settings import Settings

log = logging.getLogger("scene_api")

DESCRIPTION = """City information model server: layers, features and OGC 3D Tiles 1.1.

Errors are JSON `{code, description}`. `/scene/tileset.json` loads every layer in
one 3D Tiles URL; `/tiles/{layer}/tileset.json` loads one layer.
"""


def create_app(settings: Settings, *, viewer_dir: Path | None = None) -> FastAPI:
    """Build the app; the store and catalog are opened here (no I/O) and closed on shutdown."""
    ctx = SceneContext(
        settings=settings,
        store=open_object_store(settings),
        catalog=open_catalog(settings),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info(
            "scene server starting",
            extra={"catalog": _scheme(ctx.catalog.url), "store": _scheme(ctx.store.url)},
        )
        ctx.overlays.start()
        sweep = DailySweep(
            lambda: ctx.health.sweep(), ctx.health.today, settings.healthcheck.sweep_interval_s
        )
        app.state.healthcheck_sweep = sweep
        sweep.start()
        try:
            yield
        finally:
            await sweep.stop()
            await ctx.overlays.stop()
            ctx.catalog.close()
            log.info("scene server stopped")

    app = FastAPI(
        title="twin scene server",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "layers", "description": "layers of the catalog"},
            {"name": "features", "description": "features: by id, or queried per layer"},
            {"name": "tiles", "description": "3D Tiles of one layer, streamed from the store"},
            {"name": "scene", "description": "all visible layers as one tileset"},
            {"name": "health", "description": "liveness of the backends"},
            {"name": "submissions", "description": "BIM submissions under review"},
            {"name": "analysis", "description": "sightlines, view corridors, sunlight, sky view"},
            {"name": "auth", "description": "log in and out; who the caller is"},
            {"name": "audit", "description": "the append-only log of every write (admins)"},
        ],
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    app.add_middleware(ReadGate, ctx=ctx)  # inside the audit: refused writes are recorded
    app.add_middleware(AuditMiddleware, ctx=ctx)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["ETag", "Content-Encoding", "Content-Length"],
            max_age=600,
        )
    routers: tuple[ModuleType, ...] = (layers, features, tiles, scene, health, submissions)
    routers += (analysis, ogc, search, healthcheck, overlays, auth, oidc, audit, permissions)
    routers += (problems, projects)
    for module in routers:
        app.include_router(module.router)
    mount_viewer(app, viewer_dir)
    return app


def _scheme(url: str) -> str:
    """Only the scheme of a backend URL goes to the log: URLs may hold credentials."""
    return url.partition(":")[0]
