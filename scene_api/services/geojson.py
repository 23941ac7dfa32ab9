"""A page of features as a GeoJSON FeatureCollection with OGC API paging links."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import shapely

from scene_api.services.features import feature_properties
from scene_api.wire import Link
from twin.domain import FeaturePage

GEOJSON_TYPE = "application/geo+json"


def page_links(url: str, page: FeaturePage, returned: int) -> list[Link]:
    """``self``, and ``next``/``prev`` when there are such pages; the query is kept."""
    links: list[Link] = [_link(url, "self", "this page", page.offset, page.limit)]
    if page.offset + returned < page.total and returned > 0:
        links.append(_link(url, "next", "next page", page.offset + returned, page.limit))
    if page.offset > 0:
        prev_offset = max(0, page.offset - page.limit)
        links.append(_link(url, "prev", "previous page", prev_offset, page.limit))
    return links


def _link(url: str, rel: str, title: str, offset: int, limit: int) -> Link:
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("offset", "limit")
    ]
    query += [("limit", str(limit)), ("offset", str(offset))]
    href = urlunsplit(parts._replace(query=urlencode(query)))
    return {"href": href, "rel": rel, "type": GEOJSON_TYPE, "title": title}


def feature_collection(page: FeaturePage, url: str) -> bytes:
    """Serialise without building per-feature geometry dicts (10,000 features stay fast)."""
    features = page.features
    wkb = np.array([f.footprint_wkb or None for f in features], dtype=object)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if len(features) else wkb
    geometries = shapely.to_geojson(geoms) if len(features) else wkb
    parts = []
    for feature, geometry in zip(features, geometries, strict=True):
        parts.append(
            '{"type":"Feature","id":'
            + _dumps(feature.id)
            + ',"geometry":'
            + (geometry if isinstance(geometry, str) else "null")
            + ',"properties":'
            + _dumps(feature_properties(feature))
            + "}"
        )
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.total,
        "numberReturned": len(features),
        "links": page_links(url, page, len(features)),
    }
    body = _dumps(head)[:-1] + ',"features":[' + ",".join(parts) + "]}"
    return body.encode("utf-8")


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
