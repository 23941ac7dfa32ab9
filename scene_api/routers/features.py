"""``/api/features/{id}`` and ``/api/layers/{layer}/features``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from scene_api.context import SceneContext, get_ctx, root_path
from scene_api.models import FeatureCollectionModel, FeatureModel, error_responses
from scene_api.services import access
from scene_api.services import features as service
from scene_api.services.filters import SYNTAX_DOC
from scene_api.services.geojson import GEOJSON_TYPE, feature_collection
from scene_api.wire import FeatureOut

router = APIRouter(prefix="/api", tags=["features"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]

MAX_LIMIT = 10_000
LayerParam = Annotated[
    str | None,
    Query(
        max_length=63,
        description="the layer to look in (versions of a BIM submission share GlobalIds); "
        "default: the most recently published layer holding the id",
    ),
]

_COLLECTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "a GeoJSON FeatureCollection with paging links",
        "model": FeatureCollectionModel,
    },
    **error_responses(400, 404, 422, 500, 503, by_ref=True),
}


class GeoJSONResponse(JSONResponse):
    """GeoJSON already serialised to bytes (JSON for OpenAPI, geo+json on the wire)."""

    media_type = GEOJSON_TYPE

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)


@router.get(
    "/features/{feature_id:path}/children",
    summary="The direct children of a feature",
    description="Walks a hierarchy such as IfcSite -> IfcBuilding -> IfcBuildingStorey -> "
    "spaces and elements: the features of the same layer whose `parent_id` is this id, "
    "ordered by id, paged with `limit` and `offset`.",
    response_class=GeoJSONResponse,
    responses=_COLLECTION_RESPONSES,
)
def feature_children(
    request: Request,
    ctx: Ctx,
    feature_id: Annotated[str, Path(description="feature id, e.g. an IFC GlobalId")],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    layer: LayerParam = None,
) -> GeoJSONResponse:
    layer = access.feature_layer(request, ctx, feature_id, layer)
    page = service.children(ctx.catalog, feature_id, limit=limit, offset=offset, layer=layer)
    return GeoJSONResponse(feature_collection(page, str(request.url)))


@router.get(
    "/features/{feature_id:path}",
    summary="One feature by id",
    description="Ids may contain ':' and '/' (e.g. `delft:B123`), plain or percent-encoded.",
    response_model=FeatureModel,
    response_model_by_alias=True,
    responses=error_responses(404, 422, 500, 503),
)
def get_feature(
    request: Request,
    ctx: Ctx,
    feature_id: Annotated[str, Path(description="feature id, e.g. delft:B123")],
    layer: LayerParam = None,
) -> FeatureOut:
    layer = access.feature_layer(request, ctx, feature_id, layer)
    return service.get_feature(ctx.catalog, feature_id, root_path(request), layer)


@router.get(
    "/layers/{layer}/features",
    summary="Query the features of a layer",
    description=SYNTAX_DOC
    + "\n\n`bbox=west,south,east,north` (degrees) and `polygon=` (WKT, lon/lat) select by "
    "footprint; `sort=height,-floors` orders (a leading '-' descends); `limit` and `offset` "
    "page, and the `links` of the reply (self, next, prev) keep the query.",
    response_class=GeoJSONResponse,
    responses=_COLLECTION_RESPONSES,
)
def query_features(
    request: Request,
    ctx: Ctx,
    layer: Annotated[str, Path(description="layer id")],
    bbox: Annotated[str | None, Query(description="west,south,east,north in degrees")] = None,
    polygon: Annotated[str | None, Query(description="WKT polygon in lon/lat")] = None,
    filters: Annotated[
        list[str] | None, Query(alias="filter", description="a condition; repeat to AND")
    ] = None,
    sort: Annotated[str | None, Query(description="fields, '-' for descending")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> GeoJSONResponse:
    params = service.QueryParams(
        bbox=bbox,
        polygon=polygon,
        filters=tuple(filters or ()),
        sort=sort,
        limit=limit,
        offset=offset,
    )
    access.require_read(request, ctx, layer)
    page = service.query_features(ctx.catalog, layer, params)
    return GeoJSONResponse(feature_collection(page, str(request.url)))
