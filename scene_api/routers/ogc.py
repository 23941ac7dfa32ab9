"""OGC API - Features (Part 1 core + GeoJSON, Part 3 filtering with CQL2) under ``/ogc``.

Read-only, like ``/api/layers/{layer}/features``; the logic lives in
``scene_api.services.ogc_documents`` / ``ogc_items`` and ``storage.catalog.cql2_*``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services import access
from scene_api.services import ogc_documents as docs
from scene_api.services import ogc_items as items

router = APIRouter(prefix="/ogc", tags=["ogc"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]
LayerPath = Annotated[str, Path(description="collection id (a layer id)", max_length=200)]

_FILTER_DOC = (
    "CQL2 filter (OGC API - Features Part 3). cql2-text, e.g. "
    "`\"用途\" = '住宅' AND \"名称\" LIKE '%花园%'`, "
    "`S_INTERSECTS(geometry, BBOX(116.3, 39.9, 116.4, 40.0))`, "
    "`T_AFTER(built, DATE('2020-01-01'))`, `parent_id = 'site:1'`; "
    "or cql2-json (URL-encoded) with `filter-lang=cql2-json`."
)


class GeoJSONResponse(Response):
    media_type = docs.GEOJSON_TYPE


class SchemaJSONResponse(JSONResponse):
    media_type = docs.SCHEMA_TYPE


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("", summary="OGC API landing page", responses=error_responses(500))
def landing(request: Request) -> docs.Landing:
    return docs.landing(_base(request))


@router.get(
    "/conformance", summary="Conformance classes implemented", responses=error_responses(500)
)
def conformance() -> docs.Conformance:
    return docs.conformance()


@router.get(
    "/collections",
    summary="Feature collections (published layers)",
    responses=error_responses(500, 503),
)
def collections(request: Request, ctx: Ctx) -> docs.Collections:
    hide = access.hidden(request, ctx)
    layers = [x for x in ctx.catalog.list_layers() if x.id not in hide]
    return docs.collections(layers, _base(request))


@router.get(
    "/collections/{layer}",
    summary="One feature collection",
    responses=error_responses(404, 422, 500, 503),
)
def collection(request: Request, ctx: Ctx, layer: LayerPath) -> docs.Collection:
    access.require_read(request, ctx, layer)
    return docs.collection(ctx.catalog.get_layer(layer), _base(request))


@router.get(
    "/collections/{layer}/queryables",
    summary="The properties a filter may name, as JSON Schema",
    response_class=SchemaJSONResponse,
    responses=error_responses(404, 422, 500, 503, by_ref=True),
)
def queryables(request: Request, ctx: Ctx, layer: LayerPath) -> SchemaJSONResponse:
    access.require_read(request, ctx, layer)
    record = ctx.catalog.get_layer(layer)
    return SchemaJSONResponse(docs.queryables(record, _base(request)))


@router.get(
    "/collections/{layer}/items",
    summary="Features of a collection, filtered with CQL2",
    description=_FILTER_DOC,
    response_class=GeoJSONResponse,
    responses={
        200: {"description": "a GeoJSON FeatureCollection", "content": {docs.GEOJSON_TYPE: {}}},
        **error_responses(400, 404, 422, 500, 503, by_ref=True),
    },
)
def get_items(
    request: Request,
    ctx: Ctx,
    layer: LayerPath,
    bbox: Annotated[str | None, Query(description="west,south,east,north (CRS84)")] = None,
    filter_text: Annotated[str | None, Query(alias="filter", description=_FILTER_DOC)] = None,
    filter_lang: Annotated[str | None, Query(alias="filter-lang")] = None,
    filter_crs: Annotated[str | None, Query(alias="filter-crs")] = None,
    limit: Annotated[int, Query(ge=1, le=items.MAX_LIMIT)] = items.DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> GeoJSONResponse:
    params = items.ItemsParams(
        bbox=bbox,
        filter=filter_text,
        filter_lang=filter_lang,
        filter_crs=filter_crs,
        limit=limit,
        offset=offset,
    )
    access.require_read(request, ctx, layer)
    page = items.query_items(ctx.catalog, layer, params)
    body = items.items_document(page, str(request.url), _base(request), layer)
    return GeoJSONResponse(body)


@router.get(
    "/collections/{layer}/items/{feature_id:path}",
    summary="One feature of a collection",
    response_class=GeoJSONResponse,
    responses={
        200: {"description": "a GeoJSON Feature", "content": {docs.GEOJSON_TYPE: {}}},
        **error_responses(404, 422, 500, 503, by_ref=True),
    },
)
def get_item(
    request: Request,
    ctx: Ctx,
    layer: LayerPath,
    feature_id: Annotated[str, Path(description="feature id")],
) -> GeoJSONResponse:
    access.require_read(request, ctx, layer)
    ctx.catalog.get_layer(layer)
    feature = ctx.catalog.get_feature(feature_id, layer)
    return GeoJSONResponse(items.item_document(feature, _base(request)))
