"""Frozen records that flow between the stages of twin.

Readers produce them, tilers consume them, the catalog stores and returns
them. Bulk data travels column-wise (numpy / shapely arrays) so that a million
buildings never become a million Python objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

#: west, south, east, north in degrees (EPSG:4326 / CGCS2000 geographic, lon/lat order)
BBox = tuple[float, float, float, float]

#: attribute types a layer schema may declare
AttributeType = Literal["string", "integer", "number", "boolean"]

FilterOp = Literal["=", "!=", "<", "<=", ">", ">=", "in", "like", "is_null", "is_not_null"]
FILTER_OPS: tuple[str, ...] = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "like",
    "is_null",
    "is_not_null",
)

#: columns every feature has, usable in filters and ordering besides the attributes
BUILTIN_FIELDS: tuple[str, ...] = ("id", "class", "parent_id", "zmin", "zmax")


@dataclass(frozen=True)
class LayerRecord:
    id: str
    kind: str
    title: str
    crs: str
    bbox: BBox | None = None
    zmin: float | None = None
    zmax: float | None = None
    version: int | None = None
    tileset_key: str | None = None
    feature_count: int = 0
    attribute_schema: Mapping[str, AttributeType] = field(default_factory=dict)
    updated_at: datetime | None = None
    visible: bool = True
    #: JSON-safe facts about the published version (e.g. a BIM layer's georeference)
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FeatureRows:
    """A batch of catalog rows for one layer version, column-wise.

    ``footprints_wkb`` are 2D footprints in lon/lat (EPSG:4326 axis order lon, lat).
    ``bboxes`` is an (n, 4) float64 array of west, south, east, north.
    """

    ids: Sequence[str]
    classes: Sequence[str]
    parent_ids: Sequence[str | None]
    attributes_json: Sequence[str]
    footprints_wkb: Sequence[bytes]
    bboxes: npt.NDArray[np.float64]
    zmin: npt.NDArray[np.float64]
    zmax: npt.NDArray[np.float64]
    content_keys: Sequence[str]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class FeatureRecord:
    id: str
    layer: str
    version: int
    cls: str
    parent_id: str | None
    attributes: Mapping[str, Any]
    footprint_wkb: bytes
    bbox: BBox
    zmin: float
    zmax: float
    content_key: str


@dataclass(frozen=True)
class AttributeFilter:
    field: str
    op: FilterOp
    value: Any = None


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


#: the encodings of an OGC CQL2 filter
Cql2Lang = Literal["cql2-text", "cql2-json"]


@dataclass(frozen=True)
class Cql2Filter:
    """An OGC CQL2 filter as the client wrote it; the catalog parses and checks it against
    the layer's attribute schema (``storage.catalog.cql2_plan``)."""

    text: str
    lang: Cql2Lang = "cql2-text"


@dataclass(frozen=True)
class FeatureQuery:
    layer: str
    bbox: BBox | None = None
    polygon_wkb: bytes | None = None
    filters: tuple[AttributeFilter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int = 100
    offset: int = 0
    #: a CQL2 filter ANDed with the other conditions
    cql2: Cql2Filter | None = None


@dataclass(frozen=True)
class FeaturePage:
    features: tuple[FeatureRecord, ...]
    total: int
    limit: int
    offset: int
