"""JSON shapes on the wire (TypedDicts), shared by the API and documented for the viewer."""

from __future__ import annotations

from typing import Any, TypedDict


class ErrorBody(TypedDict):
    code: str
    description: str


class LayerOut(TypedDict):
    id: str
    kind: str
    title: str
    tileset_url: str | None  # e.g. "/tiles/buildings/tileset.json", absent until published
    feature_count: int
    bbox: list[float] | None  # [west, south, east, north] degrees
    zmin: float | None
    zmax: float | None
    version: int | None
    attribute_schema: dict[str, str]
    visible: bool  # hidden layers are left out of /scene/tileset.json
    metadata: dict[str, Any]  # e.g. a BIM layer's georeference and IFC schema


class LayerList(TypedDict):
    layers: list[LayerOut]


class FeatureOut(TypedDict):
    """GET /api/features/{id}"""

    id: str
    layer: str
    class_: str  # serialised as "class"
    parent_id: str | None
    attributes: dict[str, Any]
    bbox: list[float]
    zmin: float
    zmax: float
    version: int
    tile: str | None  # content key relative to the layer tileset; None: no geometry of its own
    tile_url: str | None  # e.g. "/tiles/buildings/v/3/t/0_1_2.glb": the immutable content URL


class HealthOut(TypedDict):
    status: str  # "ok" | "degraded"
    catalog: str  # "ok" | error code
    store: str


class Link(TypedDict):
    href: str
    rel: str  # "self" | "next" | "prev"
    type: str
    title: str


class GeoJSONFeature(TypedDict):
    type: str  # "Feature"
    id: str
    geometry: dict[str, Any] | None  # the footprint, lon/lat
    properties: dict[str, Any]  # attributes + id, class, parent_id, zmin, zmax


class FeatureCollectionOut(TypedDict):
    """GET /api/layers/{layer}/features (application/geo+json)"""

    type: str  # "FeatureCollection"
    numberMatched: int
    numberReturned: int
    links: list[Link]
    features: list[GeoJSONFeature]
