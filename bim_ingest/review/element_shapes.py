"""The elements a review measures, triangulated once in model metres and flattened to plan.

Only what the indicators need is triangulated: floor and roof slabs, roofs, spaces,
coverings, railings, green elements, and every element of the lowest and highest storeys of
each building (walls, parapets, columns, ...). Each element becomes its plan footprint (the
union of its triangles projected on XY) and its height range, in model metres (the
project's length unit converted, no georeference applied).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.element
import numpy as np
import shapely

from bim_ingest.geometry import GEOMETRY_LIBRARY

log = logging.getLogger("twin.review")

ALWAYS = ("IfcSlab", "IfcRoof", "IfcCovering", "IfcRailing", "IfcGeographicElement")
SKIPPED = ("IfcSpace", "IfcFurnishingElement", "IfcOpeningElement")  # of the extreme storeys
GREEN_WORDS = ("绿地", "绿化", "草坪", "花园", "GREEN", "LAWN", "GARDEN", "LANDSCAPE", "VEGETATION")
MIN_TRIANGLE_AREA_M2 = 1e-6


@dataclass(frozen=True)
class ElementShape:
    global_id: str
    ifc_class: str
    predefined_type: str | None
    storey_id: str | None  # the IfcBuildingStorey that contains it (or its aggregate)
    footprint: shapely.Geometry  # plan projection, model metres
    zmin: float
    zmax: float
    bounds: tuple[float, float, float, float, float, float]  # min x y z, max x y z


def predefined_type(element: Any) -> str | None:
    value = ifcopenshell.util.element.get_predefined_type(element)
    return str(value) if value else None


def containing_storey(element: Any) -> Any:
    """The storey an element belongs to (its container, or its aggregate's), or None."""
    seen = 0
    current = element
    while current is not None and seen < 32:
        if current.is_a("IfcBuildingStorey"):
            return current
        container = ifcopenshell.util.element.get_container(current)
        if container is not None:
            current = container
        else:
            current = ifcopenshell.util.element.get_aggregate(current)
        seen += 1
    return None


def select_elements(model: ifcopenshell.file, extreme_storeys: Iterable[Any]) -> list[Any]:
    """The elements to triangulate (see the module docstring)."""
    chosen: dict[int, Any] = {}
    for cls in ALWAYS:
        try:
            for element in model.by_type(cls):
                chosen[element.id()] = element
        except RuntimeError:  # the class is not in this schema
            continue
    for storey in extreme_storeys:
        parts: Any = ifcopenshell.util.element.get_decomposition(storey)
        for element in parts:
            if element.is_a("IfcElement") and not any(element.is_a(c) for c in SKIPPED):
                chosen[element.id()] = element
    for space in model.by_type("IfcSpace"):
        if looks_green(space):
            chosen[space.id()] = space
    return [e for e in chosen.values() if getattr(e, "Representation", None) is not None]


def looks_green(element: Any) -> bool:
    """A space or geographic element whose names or type say it is green (绿地, lawn, ...)."""
    words = [getattr(element, a, None) for a in ("Name", "LongName", "ObjectType", "Description")]
    words.append(predefined_type(element))
    text = " ".join(str(w) for w in words if w).upper()
    return any(word in text for word in GREEN_WORDS)


def spaces_of_storeys_without_floors(model: ifcopenshell.file, floored: set[str]) -> list[Any]:
    """The spaces of storeys whose floor area no slab gives (triangulated only then)."""
    out = []
    for space in model.by_type("IfcSpace"):
        storey = containing_storey(space)
        unfloored = storey is not None and str(storey.GlobalId) not in floored
        if unfloored and getattr(space, "Representation", None) is not None:
            out.append(space)
    return out


def triangulate(model: ifcopenshell.file, elements: list[Any]) -> list[ElementShape]:
    """Plan footprints and height ranges of ``elements`` (those that give a mesh)."""
    if not elements:
        return []
    make_settings: Any = ifcopenshell.geom.settings
    settings = make_settings()
    settings.set("use-world-coords", True)
    settings.set("weld-vertices", False)
    threads = max(1, os.cpu_count() or 1)
    logger: Any = ifcopenshell.ifcopenshell_wrapper.logger()
    logger.output_format(logger.FMT_INMEMORY)
    logger.verbosity(logger.LOG_ERROR)
    it: Any = ifcopenshell.geom.iterator(
        settings, model, threads, include=elements, geometry_library=GEOMETRY_LIBRARY, logger=logger
    )
    by_id = {e.id(): e for e in elements}
    out: list[ElementShape] = []
    if not it.initialize():
        return out
    while True:
        shape = it.get()
        element = by_id.get(int(shape.id))
        if element is not None:
            made = _shape(element, shape.geometry)
            if made is not None:
                out.append(made)
        if not it.next():
            break
    return out


def _shape(element: Any, geometry: Any) -> ElementShape | None:
    verts = np.asarray(geometry.verts, dtype=np.float64).reshape(-1, 3)
    faces = np.asarray(geometry.faces, dtype=np.int64).reshape(-1, 3)
    if len(faces) == 0 or not np.isfinite(verts).all():
        return None
    tri = verts[faces][:, :, :2]
    area = 0.5 * np.abs(
        (tri[:, 1, 0] - tri[:, 0, 0]) * (tri[:, 2, 1] - tri[:, 0, 1])
        - (tri[:, 2, 0] - tri[:, 0, 0]) * (tri[:, 1, 1] - tri[:, 0, 1])
    )
    flat = tri[area > MIN_TRIANGLE_AREA_M2]
    if len(flat):
        rings = np.concatenate([flat, flat[:, :1]], axis=1)
        footprint = shapely.union_all(shapely.polygons(rings))
    else:
        footprint = shapely.Polygon()
    lo, hi = verts.min(axis=0), verts.max(axis=0)
    storey = containing_storey(element)
    return ElementShape(
        global_id=str(element.GlobalId),
        ifc_class=element.is_a(),
        predefined_type=predefined_type(element),
        storey_id=str(storey.GlobalId) if storey is not None else None,
        footprint=footprint,
        zmin=float(lo[2]),
        zmax=float(hi[2]),
        bounds=(*(float(v) for v in lo), *(float(v) for v in hi)),  # type: ignore[arg-type]
    )


def union_area(shapes: Iterable[ElementShape]) -> float:
    geoms = [s.footprint for s in shapes if not shapely.is_empty(s.footprint)]
    if not geoms:
        return 0.0
    area = float(shapely.union_all(geoms).area)
    return area if math.isfinite(area) else 0.0
