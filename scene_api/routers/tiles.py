"""``/tiles``: a layer's live tileset.json and its contents, streamed from the store.

* ``/tiles/{layer}/tileset.json`` - the live tileset; its relative content URIs
  are rewritten to ``v/{version}/...`` so clients fetch immutable URLs;
  ``Cache-Control`` is short (``server.tileset_max_age_s``).
* ``/tiles/{layer}/v/{version}/{path}`` - contents of one version, immutable.
* ``/tiles/{layer}/{path}`` - contents of the current version, short-lived.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import StreamingResponse

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services import access
from scene_api.services import tiles as service

router = APIRouter(prefix="/tiles", tags=["tiles"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]
LayerId = Annotated[str, Path(description="layer id")]
TilePath = Annotated[
    str, Path(description="path relative to the layer's tileset, e.g. t/0_1_2.glb")
]

BINARY = {"description": "the stored object", "content": {"application/octet-stream": {}}}
TILESET = {"description": "3D Tiles 1.1 tileset JSON", "content": {"application/json": {}}}


def conditions_of(request: Request) -> service.Conditions:
    return service.Conditions(
        accept_encoding=request.headers.get("accept-encoding"),
        if_none_match=request.headers.get("if-none-match"),
        head=request.method == "HEAD",
    )


def guarded(
    request: Request, ctx: SceneContext, layer: str, reply_of: Callable[[], service.TileReply]
) -> Response:
    """The reply for a layer the caller may read (else 404, as for a missing layer); a
    restricted layer's replies are never kept in a shared cache."""
    access.require_read(request, ctx, layer)
    reply = reply_of()
    cache = reply.headers.get("Cache-Control")
    if cache is not None and access.is_restricted(ctx, layer):
        reply.headers["Cache-Control"] = access.private_cache_control(cache)
    return tile_response(reply)


def tile_response(reply: service.TileReply) -> Response:
    if reply.body is None and reply.status == 200 and "Content-Length" not in reply.headers:
        # HEAD of a body decompressed on the fly: its length is unknown, not 0
        return StreamingResponse(iter(()), status_code=200, headers=reply.headers)
    if reply.body is None or isinstance(reply.body, bytes):
        return Response(reply.body or b"", status_code=reply.status, headers=reply.headers)
    return StreamingResponse(reply.body, status_code=reply.status, headers=reply.headers)


@router.get(
    "/{layer}/tileset.json",
    summary="The live tileset of a layer",
    response_class=Response,
    responses={200: TILESET, **error_responses(304, 404, 422, 500, 503)},
)
@router.head("/{layer}/tileset.json", include_in_schema=False)
def live_tileset(request: Request, ctx: Ctx, layer: LayerId) -> Response:
    return guarded(
        request, ctx, layer, lambda: service.live_tileset(ctx, layer, conditions_of(request))
    )


@router.get(
    "/{layer}/v/{version:int}/{path:path}",
    summary="An object of one version of a layer (immutable)",
    response_class=Response,
    responses={200: BINARY, **error_responses(304, 307, 400, 404, 422, 500, 503)},
)
@router.head("/{layer}/v/{version:int}/{path:path}", include_in_schema=False)
def versioned_content(
    request: Request,
    ctx: Ctx,
    layer: LayerId,
    version: Annotated[int, Path(ge=1, description="layer version")],
    path: TilePath,
) -> Response:
    cond = conditions_of(request)
    return guarded(request, ctx, layer, lambda: service.content(ctx, layer, path, version, cond))


@router.get(
    "/{layer}/{path:path}",
    summary="An object of the current version of a layer",
    response_class=Response,
    responses={200: BINARY, **error_responses(304, 307, 400, 404, 422, 500, 503)},
)
@router.head("/{layer}/{path:path}", include_in_schema=False)
def current_content(request: Request, ctx: Ctx, layer: LayerId, path: TilePath) -> Response:
    cond = conditions_of(request)
    return guarded(request, ctx, layer, lambda: service.content(ctx, layer, path, None, cond))
