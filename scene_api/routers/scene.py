"""``/scene/tileset.json``: the whole city in one 3D Tiles URL."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services.negotiation import etag_matches, short_lived, strong_etag
from scene_api.services.scene import scene_tileset_bytes

router = APIRouter(prefix="/scene", tags=["scene"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]


@router.get(
    "/tileset.json",
    summary="One tileset with every visible published layer",
    description=(
        "A 3D Tiles 1.1 tileset whose root has one child per visible, published layer; "
        "each child's content is the layer's live tileset (an external tileset, by a "
        "relative URI). 404 `no_published_layers` while nothing is published."
    ),
    response_class=Response,
    responses={
        200: {"description": "3D Tiles 1.1 tileset JSON", "content": {"application/json": {}}},
        **error_responses(304, 404, 500, 503),
    },
)
@router.head("/tileset.json", include_in_schema=False)
def scene_tileset(request: Request, ctx: Ctx) -> Response:
    body = scene_tileset_bytes(ctx.catalog)
    etag = strong_etag("s", hashlib.sha256(body).hexdigest()[:32])
    headers = {
        "ETag": etag,
        "Cache-Control": short_lived(ctx.settings.server.tileset_max_age_s),
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        body = b""
    return Response(body, headers=headers, media_type="application/json")
