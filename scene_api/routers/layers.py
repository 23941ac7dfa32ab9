"""``/api/layers``: what layers exist and where their tilesets are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from scene_api.context import SceneContext, get_ctx, root_path
from scene_api.models import LayerListModel, LayerModel, error_responses
from scene_api.services import access
from scene_api.services import layers as service
from scene_api.wire import LayerList, LayerOut

router = APIRouter(prefix="/api", tags=["layers"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]


@router.get(
    "/layers",
    summary="List all layers",
    description="Every layer of the catalog the caller may read, published or not, sorted by id.",
    response_model=LayerListModel,
    responses=error_responses(500, 503),
)
def list_layers(request: Request, ctx: Ctx) -> LayerList:
    return service.list_layers(ctx.catalog, root_path(request), access.hidden(request, ctx))


@router.get(
    "/layers/{layer}",
    summary="One layer",
    response_model=LayerModel,
    responses=error_responses(404, 422, 500, 503),
)
def get_layer(
    request: Request, ctx: Ctx, layer: Annotated[str, Path(description="layer id")]
) -> LayerOut:
    access.require_read(request, ctx, layer)
    return service.get_layer(ctx.catalog, layer, root_path(request))
