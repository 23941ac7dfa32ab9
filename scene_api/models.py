"""Pydantic mirrors of the wire TypedDicts, for validation of small replies and OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorModel(BaseModel):
    code: str = Field(examples=["layer_not_found"])
    description: str = Field(examples=["layer not found"])


class LayerModel(BaseModel):
    id: str
    kind: str
    title: str
    tileset_url: str | None = Field(description="live tileset; null until the layer is published")
    feature_count: int
    bbox: list[float] | None = Field(description="west, south, east, north in degrees")
    zmin: float | None
    zmax: float | None
    version: int | None
    attribute_schema: dict[str, str]
    visible: bool
    metadata: dict[str, Any] = Field(
        description="facts about the published version, e.g. a BIM layer's georeference"
    )


class LayerListModel(BaseModel):
    layers: list[LayerModel]


class FeatureModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    layer: str
    class_: str = Field(alias="class")
    parent_id: str | None
    attributes: dict[str, Any]
    bbox: list[float]
    zmin: float
    zmax: float
    version: int
    tile: str | None = Field(
        description="content path relative to the layer's tileset; null for a feature with "
        "no geometry of its own (e.g. an IFC storey)"
    )
    tile_url: str | None = Field(description="immutable URL of the content holding the feature")


class LinkModel(BaseModel):
    href: str
    rel: str
    type: str
    title: str


class GeoJSONFeatureModel(BaseModel):
    type: str = "Feature"
    id: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollectionModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    type: str = "FeatureCollection"
    number_matched: int = Field(alias="numberMatched")
    number_returned: int = Field(alias="numberReturned")
    links: list[LinkModel]
    features: list[GeoJSONFeatureModel]


class HealthModel(BaseModel):
    status: str = Field(description='"ok" or "degraded"')
    catalog: str = Field(description='"ok" or an error code')
    store: str = Field(description='"ok" or an error code')


ERROR_REF = {"$ref": "#/components/schemas/ErrorModel"}


def error_responses(*statuses: int, by_ref: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the {code, description} error body.

    ``by_ref`` names the schema as application/json explicitly, for routes whose
    own media type is not JSON (FastAPI would file a ``model`` under that type).
    """
    descriptions = {
        304: "not modified (If-None-Match matched)",
        307: "redirect to a presigned object-store URL",
        400: "invalid parameter, query or path",
        401: "authentication required or invalid",
        403: "the caller's roles do not allow this",
        404: "unknown layer, feature or object",
        409: "conflicts with the current state",
        422: "a parameter is missing or out of range",
        429: "too many requests: wait as Retry-After says",
        500: "internal error",
        503: "a backend is unavailable",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"description": descriptions.get(status, "error")}
        if status >= 400 and by_ref:
            entry["content"] = {"application/json": {"schema": ERROR_REF}}
        elif status >= 400:
            entry["model"] = ErrorModel
        out[status] = entry
    return out
