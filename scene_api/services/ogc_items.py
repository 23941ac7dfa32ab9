"""``/ogc/collections/{layer}/items``: a CQL2-filtered page of features as GeoJSON.

Each feature's ``id`` is its catalog id, its ``properties`` are the source's
attributes (names kept, Chinese included) with the built-ins ``class``,
``parent_id``, ``zmin`` and ``zmax``, and its geometry the 2D footprint in
WGS84 (CRS84 axis order lon, lat).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import numpy as np
import shapely

from scene_api.services.features import feature_properties
from scene_api.services.ogc_documents import (
    CRS84,
    GEOJSON_TYPE,
    JSON_TYPE,
    OgcLink,
    collection_url,
    link,
)
from scene_api.services.params import parse_bbox
from storage.catalog.cql2_parse import InvalidFilterError
from storage.catalog.protocol import Catalog
from twin.domain import Cql2Filter, FeaturePage, FeatureQuery, FeatureRecord, SortKey

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
FILTER_LANGS = ("cql2-text", "cql2-json")


@dataclass(frozen=True)
class ItemsParams:
    """The query parameters of an items request, as the client sent them."""

    bbox: str | None = None
    filter: str | None = None
    filter_lang: str | None = None
    filter_crs: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def items_query(layer_id: str, params: ItemsParams) -> FeatureQuery:
    lang = params.filter_lang or "cql2-text"
    if lang not in FILTER_LANGS:
        raise InvalidFilterError("filter-lang must be cql2-text or cql2-json")
    if params.filter_crs not in (None, CRS84):
        raise InvalidFilterError(f"filter-crs must be {CRS84}")
    if params.filter is None and params.filter_lang is not None:
        raise InvalidFilterError("filter-lang is given without a filter")
    cql2 = None
    if params.filter is not None:
        cql2 = Cql2Filter(params.filter, "cql2-json" if lang == "cql2-json" else "cql2-text")
    return FeatureQuery(
        layer=layer_id,
        bbox=parse_bbox(params.bbox),
        sort=(SortKey("id"),),
        limit=params.limit,
        offset=params.offset,
        cql2=cql2,
    )


def query_items(catalog: Catalog, layer_id: str, params: ItemsParams) -> FeaturePage:
    """One catalog transaction: an unknown layer raises ``LayerNotFoundError`` there."""
    return catalog.query_features(items_query(layer_id, params))


def items_document(page: FeaturePage, url: str, base: str, layer_id: str) -> bytes:
    """The FeatureCollection, serialised (geometries straight from shapely's GeoJSON)."""
    features = page.features
    parts = [
        _feature_json(feature, geometry, [])
        for feature, geometry in zip(features, _geometries(features), strict=True)
    ]
    links = page_links(url, page, len(features))
    links.append(link(collection_url(base, layer_id), "collection", JSON_TYPE, "本集合"))
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.total,
        "numberReturned": len(features),
        "links": links,
    }
    return (_dumps(head)[:-1] + ',"features":[' + ",".join(parts) + "]}").encode("utf-8")


def item_document(feature: FeatureRecord, base: str) -> bytes:
    url = collection_url(base, feature.layer)
    links = [
        link(f"{url}/items/{_quote(feature.id)}", "self", GEOJSON_TYPE, "本要素 / this feature"),
        link(url, "collection", JSON_TYPE, "本集合 / the collection"),
    ]
    return _feature_json(feature, _geometries((feature,))[0], links).encode("utf-8")


def page_links(url: str, page: FeaturePage, returned: int) -> list[OgcLink]:
    """``self``, and ``next``/``prev`` when there are such pages; the query is kept."""
    links = [_page_link(url, "self", "本页 / this page", page.offset, page.limit)]
    if returned > 0 and page.offset + returned < page.total:
        following = page.offset + returned
        links.append(_page_link(url, "next", "下一页 / next page", following, page.limit))
    if page.offset > 0:
        previous = max(0, page.offset - page.limit)
        links.append(_page_link(url, "prev", "上一页 / previous page", previous, page.limit))
    return links


def _page_link(url: str, rel: str, title: str, offset: int, limit: int) -> OgcLink:
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("offset", "limit")
    ]
    query += [("limit", str(limit)), ("offset", str(offset))]
    return link(urlunsplit(parts._replace(query=urlencode(query))), rel, GEOJSON_TYPE, title)


def _geometries(features: tuple[FeatureRecord, ...]) -> list[str | None]:
    if not features:
        return []
    wkb = np.array([f.footprint_wkb or None for f in features], dtype=object)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    return [g if isinstance(g, str) else None for g in shapely.to_geojson(geoms).tolist()]


def _feature_json(feature: FeatureRecord, geometry: str | None, links: list[OgcLink]) -> str:
    properties = feature_properties(feature)
    properties.pop("id", None)  # the feature's own ``id`` member
    body = (
        '{"type":"Feature","id":' + _dumps(feature.id)
        + ',"geometry":' + (geometry or "null")
        + ',"properties":' + _dumps(properties)
    )  # fmt: skip
    if links:
        body += ',"links":' + _dumps(links)
    return body + "}"


def _quote(value: str) -> str:
    return quote(value, safe="")


def _dumps(value: Any) -> str:
    return json.dumps(_clean(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
