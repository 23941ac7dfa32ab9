"""``/api/search``: the viewer's search box (names, addresses, ids, pinyin) across layers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services import access
from storage.search.store import SearchStore
from twin.search.parse_query import MAX_LIMIT, MAX_QUERY_CHARS, parse_query
from twin.search.records import SearchResponse
from twin.search.search_layers import search_layers

router = APIRouter(prefix="/api", tags=["search"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]


class SearchResultModel(BaseModel):
    id: str
    layer: str
    label: str
    matched: Literal["id", "name", "address", "pinyin"]
    lon: float
    lat: float
    zmax: float


class SearchResponseModel(BaseModel):
    results: list[SearchResultModel]


@router.get(
    "/search",
    summary="Find features by name, address, id or pinyin",
    description="Searches the current version of every layer (or of `layer`): feature ids, "
    "attributes that hold names or addresses, and the pinyin of Chinese ones, full "
    "(`futian`) or initials (`ftzx` for 福田中心). Ranked exact id, then prefix, substring, "
    "pinyin initials, full pinyin, then the most recently published layer. `lon`/`lat` is "
    "the footprint centroid, `zmax` the top of the feature.",
    response_model=SearchResponseModel,
    responses=error_responses(400, 422, 500, 503),
)
def search(
    request: Request,
    ctx: Ctx,
    q: Annotated[
        str | None, Query(description=f"what to look for, 1 to {MAX_QUERY_CHARS} characters")
    ] = None,
    layer: Annotated[str | None, Query(description="only this layer")] = None,
    limit: Annotated[
        str | None, Query(description=f"at most this many results, 1 to {MAX_LIMIT}; default 10")
    ] = None,
) -> SearchResponse:
    query = parse_query(q, layer=layer, limit=limit)
    return search_layers(SearchStore(ctx.catalog), query, access.hidden(request, ctx))
