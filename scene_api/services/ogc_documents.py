"""The JSON documents of OGC API - Features: landing page, conformance, collections,
queryables. Framework-free: handlers pass the base URL of the API (no trailing '/').

The conformance list names only what twin implements: Part 1 core and GeoJSON,
Part 3 filtering with CQL2 text and JSON, basic CQL2, the advanced comparison
operators and all spatial functions on the footprint. Not claimed: ``oas30``
(the API describes itself in OpenAPI 3.1), ``temporal-functions`` (only
T_BEFORE, T_AFTER, T_DURING and T_EQUALS on instants), arithmetic,
property-property comparisons, CASEI/ACCENTI and array functions.
"""

from __future__ import annotations

from typing import Any, NotRequired
from urllib.parse import quote

from typing_extensions import TypedDict

from storage.catalog.fields import BUILTIN_TYPES
from twin.domain import AttributeType, LayerRecord

JSON_TYPE = "application/json"
GEOJSON_TYPE = "application/geo+json"
SCHEMA_TYPE = "application/schema+json"
OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.1"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

CONFORMANCE: tuple[str, ...] = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
)

_JSON_SCHEMA_TYPES: dict[AttributeType, str] = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
}
_BUILTIN_TITLES: dict[str, tuple[str, str]] = {
    "id": ("要素编号", "feature id"),
    "class": ("类别", "class"),
    "parent_id": ("上级要素编号", "parent feature id (alias: parent)"),
    "zmin": ("底部高程（米）", "lowest height (m)"),
    "zmax": ("顶部高程（米）", "highest height (m)"),
}


class OgcLink(TypedDict):
    href: str
    rel: str
    type: str
    title: str


class Landing(TypedDict):
    title: str
    description: str
    links: list[OgcLink]


class Conformance(TypedDict):
    conformsTo: list[str]


class Extent(TypedDict):
    spatial: dict[str, Any]


class Collection(TypedDict):
    id: str
    title: str
    description: str
    itemType: str
    crs: list[str]
    links: list[OgcLink]
    extent: NotRequired[Extent]


class Collections(TypedDict):
    collections: list[Collection]
    links: list[OgcLink]


def link(href: str, rel: str, media_type: str, title: str) -> OgcLink:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def landing(base: str) -> Landing:
    ogc = base + "/ogc"
    return {
        "title": "twin 城市信息模型要素服务 (OGC API - Features)",
        "description": "城市三维要素的标准查询接口，支持 CQL2 过滤。 "
        "Features of the city model, with CQL2 filtering.",
        "links": [
            link(ogc, "self", JSON_TYPE, "本页 / this document"),
            link(base + "/openapi.json", "service-desc", OPENAPI_TYPE, "接口定义 / API definition"),
            link(base + "/docs", "service-doc", "text/html", "接口文档 / API documentation"),
            link(ogc + "/conformance", "conformance", JSON_TYPE, "符合性 / conformance classes"),
            link(ogc + "/collections", "data", JSON_TYPE, "要素集合 / feature collections"),
        ],
    }


def conformance() -> Conformance:
    return {"conformsTo": list(CONFORMANCE)}


def collection_url(base: str, layer_id: str) -> str:
    return f"{base}/ogc/collections/{quote(layer_id, safe='')}"


def collection(layer: LayerRecord, base: str) -> Collection:
    url = collection_url(base, layer.id)
    doc: Collection = {
        "id": layer.id,
        "title": layer.title,
        "description": f"{layer.title}（{layer.kind}，{layer.feature_count} 个要素）",
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            link(url, "self", JSON_TYPE, "本集合 / this collection"),
            link(url + "/items", "items", GEOJSON_TYPE, "要素 / features"),
            link(
                url + "/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                SCHEMA_TYPE,
                "可查询属性 / queryables",
            ),
        ],
    }
    if layer.bbox is not None:
        doc["extent"] = {"spatial": {"bbox": [list(layer.bbox)], "crs": CRS84}}
    return doc


def collections(layers: list[LayerRecord], base: str) -> Collections:
    """Every published layer (a layer without a current version has no features yet)."""
    return {
        "collections": [collection(layer, base) for layer in layers if layer.version is not None],
        "links": [link(base + "/ogc/collections", "self", JSON_TYPE, "要素集合 / collections")],
    }


def queryables(layer: LayerRecord, base: str) -> dict[str, Any]:
    """A JSON Schema of the properties a filter may name (Part 3, queryables)."""
    properties: dict[str, Any] = {
        "geometry": {
            "title": "二维轮廓（WGS84）/ 2D footprint (WGS84)",
            "format": "geometry-any",
        }
    }
    for name, kind in BUILTIN_TYPES.items():
        zh, en = _BUILTIN_TITLES[name]
        properties[name] = {"title": f"{zh} / {en}", "type": _JSON_SCHEMA_TYPES[kind]}
    for name, kind in layer.attribute_schema.items():
        if name not in properties:
            properties[name] = {"title": name, "type": _JSON_SCHEMA_TYPES[kind]}
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": collection_url(base, layer.id) + "/queryables",
        "type": "object",
        "title": layer.title,
        "properties": properties,
        "additionalProperties": False,
    }
