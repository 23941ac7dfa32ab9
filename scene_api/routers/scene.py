"""``/scene/tileset.json``: the whole city in one 3D Tiles URL.

The scene's children point below it, at ``/scene/layers/{layer}/tileset.json``:
the same live tileset as ``/tiles/{layer}/tileset.json`` (content URIs rewritten
to ``v/{version}/...``), with the layer's contents under it. A copy of the scene
saved by its URL paths is then one folder tree whose every URI stays inside it.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers.tiles import (
    BINARY,
    TILESET,
    LayerId,
    TilePath,
    conditions_of,
    guarded,
)
from scene_api.services import access
from scene_api.services import tiles as tile_service
from scene_api.services.negotiation import etag_matches, short_lived, strong_etag
from scene_api.services.scene import scene_tileset_bytes

router = APIRouter(prefix="/scene", tags=["scene"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]


@router.get(
    "/tileset.json",
    summary="One tileset with every visible published layer",
    description=(
        "A 3D Tiles 1.1 tileset whose root has one child per visible, published layer; "
        "each child's content is the layer's live tileset (an external tileset, by the "
        "relative URI `layers/{layer}/tileset.json`, so every URI of the scene resolves "
        "below `/scene/`). 404 `no_published_layers` while nothing is published."
    ),
    response_class=Response,
    responses={
        200: {"description": "3D Tiles 1.1 tileset JSON", "content": {"application/json": {}}},
        **error_responses(304, 404, 500, 503),
    },
)
@router.head("/tileset.json", include_in_schema=False)
def scene_tileset(request: Request, ctx: Ctx) -> Response:
    body = scene_tileset_bytes(ctx.catalog, access.hidden(request, ctx))
    etag = strong_etag("s", hashlib.sha256(body).hexdigest()[:32])
    cache = short_lived(ctx.settings.server.tileset_max_age_s)
    if any(p.restricted for p in ctx.access.policies().values()):  # differs per caller
        cache = access.private_cache_control(cache)
    headers = {"ETag": etag, "Cache-Control": cache}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        body = b""
    return Response(body, headers=headers, media_type="application/json")


@router.get(
    "/layers/{layer}/tileset.json",
    summary="The live tileset of a layer, below the scene",
    description="The same document as `/tiles/{layer}/tileset.json`; its contents "
    "resolve to `/scene/layers/{layer}/v/{version}/...`.",
    response_class=Response,
    responses={200: TILESET, **error_responses(304, 404, 422, 500, 503)},
)
@router.head("/layers/{layer}/tileset.json", include_in_schema=False)
def scene_layer_tileset(request: Request, ctx: Ctx, layer: LayerId) -> Response:
    cond = conditions_of(request)
    return guarded(request, ctx, layer, lambda: tile_service.live_tileset(ctx, layer, cond))


@router.get(
    "/layers/{layer}/v/{version:int}/{path:path}",
    summary="An object of one version of a layer, below the scene (immutable)",
    response_class=Response,
    responses={200: BINARY, **error_responses(304, 307, 400, 404, 422, 500, 503)},
)
@router.head("/layers/{layer}/v/{version:int}/{path:path}", include_in_schema=False)
def scene_layer_versioned_content(
    request: Request,
    ctx: Ctx,
    layer: LayerId,
    version: Annotated[int, Path(ge=1, description="layer version")],
    path: TilePath,
) -> Response:
    cond = conditions_of(request)
    return guarded(
        request, ctx, layer, lambda: tile_service.content(ctx, layer, path, version, cond)
    )


@router.get(
    "/layers/{layer}/{path:path}",
    summary="An object of the current version of a layer, below the scene",
    response_class=Response,
    responses={200: BINARY, **error_responses(304, 307, 400, 404, 422, 500, 503)},
)
@router.head("/layers/{layer}/{path:path}", include_in_schema=False)
def scene_layer_current_content(
    request: Request, ctx: Ctx, layer: LayerId, path: TilePath
) -> Response:
    cond = conditions_of(request)
    return guarded(request, ctx, layer, lambda: tile_service.content(ctx, layer, path, None, cond))
