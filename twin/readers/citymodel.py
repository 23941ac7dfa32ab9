"""Frozen records of a 3D city model (CityJSON, CityGML), shared by the readers and the publisher.

Readers turn a file into a :class:`CityModel`: one :class:`CityObject` per Building or
BuildingPart, each with the polygons of one level of detail and their semantic surface
type. Coordinates stay in the source CRS, in the "x = easting / longitude, y = northing /
latitude, z = height" order whatever the CRS's own axis order (the CityGML reader swaps
lat/lon posLists), so the publisher can place them with an ``always_xy`` transformer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

#: the classes a city model contributes as features
BUILDING_CLASSES = ("Building", "BuildingPart")

#: semantic surface types the colours and counts know of (CityJSON and CityGML share names)
ROOF, WALL, GROUND = "RoofSurface", "WallSurface", "GroundSurface"

_EPSG = re.compile(r"EPSG(?:/0/|::|:|/)(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Surface:
    """One planar polygon: exterior ring first, then its holes; each ring (k, 3), not closed."""

    kind: str | None  # semantic type ("RoofSurface", ...); None when the source says nothing
    rings: tuple[F64, ...]


@dataclass(frozen=True)
class CityObject:
    id: str  # the source's object id (CityJSON key, gml:id)
    cls: str  # "Building" or "BuildingPart"
    parent_id: str | None  # the Building of a BuildingPart (source id)
    lod: str | None  # the level of detail of ``surfaces`` ("2", "1.2", ...); None: no geometry
    attributes: Mapping[str, Any]
    surfaces: tuple[Surface, ...]

    def surface_counts(self) -> dict[str, int]:
        """Polygons per semantic type, for the catalog: roof, wall and ground surfaces."""
        kinds = [s.kind for s in self.surfaces]
        return {
            "roof_surfaces": kinds.count(ROOF),
            "wall_surfaces": kinds.count(WALL),
            "ground_surfaces": kinds.count(GROUND),
        }


@dataclass(frozen=True)
class CityModel:
    source: str  # file name (no directory)
    format: str  # "CityJSON", "CityJSONSeq" or "CityGML"
    version: str  # "1.1", "2.0", ...
    crs: str | None  # what the file declares ("EPSG:7415"), None when it declares nothing
    objects: tuple[CityObject, ...]
    warnings: tuple[str, ...] = field(default=())


def epsg_of(reference: str | None) -> str | None:
    """``EPSG:n`` from an OGC URL/URN (``.../EPSG/0/7415``, ``urn:ogc:def:crs:EPSG::6697``)."""
    if not reference:
        return None
    match = _EPSG.search(reference)
    return f"EPSG:{match.group(1)}" if match else reference.strip() or None


def choose_lod(available: list[str], wanted: int) -> str | None:
    """The highest LOD not above ``wanted`` (by its integer part), else the lowest there is."""
    if not available:
        return None
    ranked = sorted(set(available), key=_lod_value)
    within = [lod for lod in ranked if int(_lod_value(lod)) <= wanted]
    return within[-1] if within else ranked[0]


def _lod_value(lod: str) -> float:
    try:
        return float(lod)
    except ValueError:
        return 0.0
