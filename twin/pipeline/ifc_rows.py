"""Catalog rows of a BIM submission: one per element with geometry, plus its containers.

Elements with geometry get the convex hull of their vertices as footprint and
the content key of their tile. Their ancestors (site, building, storeys, and
assemblies such as a stair whose geometry lives in its flights) become rows
too, with no content and the hull of everything below them, so the hierarchy
``site -> building -> storey -> space/element`` can be walked from the catalog.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from bim_ingest.semantics import ElementInfo
from tiles.geodesy import EnuFrame, ecef_to_geodetic
from twin.domain import FeatureRows

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PlacedElements:
    """Elements with geometry, in tile order of nothing in particular: row ``i`` everywhere."""

    global_ids: Sequence[str]
    infos: Sequence[ElementInfo | None]  # None: the model did not describe it (class only)
    classes: Sequence[str]
    hulls_lonlat: npt.NDArray[np.object_]  # 2D footprints in lon/lat
    zmin: F64  # ellipsoidal heights
    zmax: F64
    content_keys: Sequence[str]


def frame_to_lonlat(frame: EnuFrame, geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """2D geometries in frame metres (east, north at frame height) -> lon/lat degrees."""

    def convert(xy: F64) -> F64:
        enu = np.column_stack([xy, np.zeros(len(xy))])
        ecef = frame.origin_ecef + enu @ frame.rotation
        lon, lat, _ = ecef_to_geodetic(ecef)
        return np.column_stack([lon, lat])

    out: npt.NDArray[np.object_] = shapely.transform(geoms, convert)
    return out


def element_rows(
    placed: PlacedElements,
    elements: Mapping[str, ElementInfo],
    origin_lonlat: tuple[float, float],
    origin_height: float,
) -> FeatureRows:
    """Rows for the placed elements and every ancestor of theirs, plus empty spatial elements."""
    index = {gid: i for i, gid in enumerate(placed.global_ids)}
    below: dict[str, list[int]] = {}
    for i, gid in enumerate(placed.global_ids):
        info = placed.infos[i]
        parent = info.parent_id if info else None
        seen = {gid}
        while parent is not None and parent in elements and parent not in seen:
            seen.add(parent)
            below.setdefault(parent, []).append(i)
            parent = elements[parent].parent_id
    containers = [
        gid for gid, info in elements.items() if gid not in index and (gid in below or info.spatial)
    ]
    ids: list[str] = list(placed.global_ids) + containers
    classes = list(placed.classes)
    parents: list[str | None] = []
    attrs: list[str] = []
    for i, info in enumerate(placed.infos):
        parents.append(_parent(info, elements, index, below))
        attrs.append(_json(info.attributes if info else {"class": placed.classes[i]}))
    hulls = list(placed.hulls_lonlat)
    zmin = list(placed.zmin)
    zmax = list(placed.zmax)
    keys = list(placed.content_keys)
    origin = shapely.Point(origin_lonlat)
    for gid in containers:
        info = elements[gid]
        members = below.get(gid, [])
        classes.append(info.ifc_class)
        parents.append(_parent(info, elements, index, below))
        attrs.append(_json(info.attributes))
        if members:
            hull = shapely.convex_hull(
                shapely.geometrycollections(list(placed.hulls_lonlat[members]))
            )
            hulls.append(hull)
            zmin.append(float(placed.zmin[members].min()))
            zmax.append(float(placed.zmax[members].max()))
        else:  # an empty storey or site: a point at the model origin
            hulls.append(origin)
            zmin.append(origin_height)
            zmax.append(origin_height)
        keys.append("")
    geoms = np.array(hulls, dtype=object)
    return FeatureRows(
        ids=ids,
        classes=classes,
        parent_ids=parents,
        attributes_json=attrs,
        footprints_wkb=shapely.to_wkb(geoms).tolist(),
        bboxes=shapely.bounds(geoms),
        zmin=np.asarray(zmin, dtype=np.float64),
        zmax=np.asarray(zmax, dtype=np.float64),
        content_keys=keys,
    )


def _parent(
    info: ElementInfo | None,
    elements: Mapping[str, ElementInfo],
    index: Mapping[str, int],
    below: Mapping[str, list[int]],
) -> str | None:
    """The parent if it is a row of the layer (placed, an ancestor of one, or spatial)."""
    if info is None or info.parent_id is None:
        return None
    p = info.parent_id
    if p in index or p in below or (p in elements and elements[p].spatial):
        return p
    return None


def _json(attributes: Mapping[str, Any]) -> str:
    return json.dumps(dict(attributes), ensure_ascii=False, allow_nan=False, default=str)
