"""Polygons as one coordinate array with ring, polygon and feature offsets.

``place_footprints`` keeps every footprint of a layer this way. These helpers orient the
rings and write the 2D WKB of the features directly from the arrays, vectorised, giving
exactly what ``shapely.orient_polygons`` and ``shapely.to_wkb`` give on the geometries —
without making a geometry object per polygon twice more on the way.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_BYTE_ORDER = 1 if sys.byteorder == "little" else 0  # WKB in the machine's order, as GEOS
_POLYGON, _MULTIPOLYGON = 3, 6


@dataclass(frozen=True)
class RingArrays:
    """The rings of n features: coordinates (V, 2) and the offsets into them."""

    xy: F64
    ring_offsets: I64  # (rings + 1,) into xy
    polygon_ring_offsets: I64  # (polygons + 1,) into the rings
    feature_polygon_offsets: I64  # (n + 1,) into the polygons

    def with_xy(self, xy: F64) -> RingArrays:
        return RingArrays(xy, self.ring_offsets, self.polygon_ring_offsets,
                          self.feature_polygon_offsets)  # fmt: skip


def ring_arrays(geoms: npt.NDArray[np.object_]) -> RingArrays:
    """The rings of Polygon / MultiPolygon ``geoms``: exterior first, then the holes."""
    polys, poly_feature = shapely.get_parts(geoms, return_index=True)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    xy, coord_ring = shapely.get_coordinates(rings, return_index=True)
    return RingArrays(
        xy=xy,
        ring_offsets=offsets(np.bincount(coord_ring, minlength=len(rings))),
        polygon_ring_offsets=offsets(np.bincount(ring_poly, minlength=len(polys))),
        feature_polygon_offsets=offsets(np.bincount(poly_feature, minlength=len(geoms))),
    )


def offsets(counts: npt.ArrayLike) -> I64:
    c = np.asarray(counts, dtype=np.int64)
    return np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(c)])


def oriented(rings: RingArrays) -> RingArrays:
    """Exteriors counter-clockwise, holes clockwise: ``shapely.orient_polygons`` on arrays.

    The orientation of a ring is the sign of its area; where rounding could make that
    sign wrong (no real footprint comes close), GEOS decides, on the same coordinates.
    """
    xy, ro = rings.xy, rings.ring_offsets
    n_rings = len(ro) - 1
    if n_rings == 0:
        return rings
    counts = np.diff(ro)
    coord_ring = np.repeat(np.arange(n_rings), counts)
    first = ro[:-1][coord_ring]
    d = xy - xy[first]  # relative to each ring's first vertex: no cancellation
    cross = d[:-1, 0] * d[1:, 1] - d[1:, 0] * d[:-1, 1]
    same = coord_ring[:-1] == coord_ring[1:]
    area2 = np.bincount(coord_ring[:-1][same], weights=cross[same], minlength=n_rings)
    extent = np.zeros(n_rings)
    filled = counts > 0
    extent[filled] = np.maximum.reduceat(np.abs(d).max(axis=1), ro[:-1][filled])
    ccw = area2 > 0
    unsure = np.abs(area2) <= 1e-12 * counts * extent * extent
    for r in np.flatnonzero(unsure):
        ring = xy[ro[r] : ro[r + 1]]
        # GEOS calls a ring of fewer than 4 points clockwise (and cannot build it)
        ccw[r] = len(ring) >= 4 and bool(shapely.is_ccw(shapely.linearrings(ring)))
    exterior = np.zeros(n_rings, dtype=bool)
    pro = rings.polygon_ring_offsets
    exterior[pro[:-1][np.diff(pro) > 0]] = True
    flip = (ccw != exterior)[coord_ring]
    if not flip.any():
        return rings
    i = np.arange(len(xy))
    last = ro[1:][coord_ring] - 1
    return rings.with_xy(xy[np.where(flip, first + last - i, i)])


def feature_bounds(rings: RingArrays) -> F64:
    """(n, 4) min x, min y, max x, max y of each feature (every feature has a coordinate)."""
    starts = rings.ring_offsets[rings.polygon_ring_offsets[rings.feature_polygon_offsets[:-1]]]
    lo = np.minimum.reduceat(rings.xy, starts, axis=0)
    hi = np.maximum.reduceat(rings.xy, starts, axis=0)
    return np.column_stack([lo, hi])


def polygon_wkb(rings: RingArrays, multi: npt.NDArray[np.bool_]) -> npt.NDArray[np.object_]:
    """The 2D WKB of each feature, as ``shapely.to_wkb`` writes it: a Polygon, or a
    MultiPolygon where ``multi``."""
    ro, pro, fpo = rings.ring_offsets, rings.polygon_ring_offsets, rings.feature_polygon_offsets
    multi = np.asarray(multi, dtype=bool)
    npts = np.diff(ro)
    ring_at = offsets(4 + 16 * npts)  # a ring: point count, then x, y doubles
    poly_size = 9 + ring_at[pro[1:]] - ring_at[pro[:-1]]  # order, type, ring count, rings
    poly_at = offsets(poly_size)
    feature_size = 9 * multi + poly_at[fpo[1:]] - poly_at[fpo[:-1]]
    feature_at = offsets(feature_size)

    poly_feature = np.repeat(np.arange(len(multi)), np.diff(fpo))
    poly_start = feature_at[:-1][poly_feature] + 9 * multi[poly_feature]
    poly_start += poly_at[:-1] - poly_at[fpo[:-1]][poly_feature]
    ring_poly = np.repeat(np.arange(len(pro) - 1), np.diff(pro))
    ring_start = poly_start[ring_poly] + 9 + ring_at[:-1] - ring_at[pro[:-1]][ring_poly]

    out = np.empty(int(feature_at[-1]), dtype=np.uint8)
    heads = feature_at[:-1][multi]
    _header(out, heads, _MULTIPOLYGON, np.diff(fpo)[multi])
    _header(out, poly_start, _POLYGON, np.diff(pro))
    _put(out, ring_start, npts.astype(np.uint32).view(np.uint8).reshape(-1, 4))
    coord_ring = np.repeat(np.arange(len(npts)), npts)
    coord_start = ring_start[coord_ring] + 4 + 16 * (np.arange(len(rings.xy)) - ro[:-1][coord_ring])
    xy = np.ascontiguousarray(rings.xy, dtype=np.float64)
    _put(out, coord_start, xy.view(np.uint8).reshape(-1, 16))

    data = out.tobytes()
    bounds = feature_at.tolist()
    wkb = np.empty(len(multi), dtype=object)
    wkb[:] = [data[a:b] for a, b in itertools.pairwise(bounds)]
    return wkb


def _header(out: npt.NDArray[np.uint8], at: I64, kind: int, count: I64) -> None:
    """Byte order, geometry type and the count of parts or rings, at each of ``at``."""
    head = np.empty((len(at), 9), dtype=np.uint8)
    head[:, 0] = _BYTE_ORDER
    head[:, 1:5] = np.array([kind], dtype=np.uint32).view(np.uint8)
    head[:, 5:9] = count.astype(np.uint32).view(np.uint8).reshape(-1, 4)
    _put(out, at, head)


def _put(out: npt.NDArray[np.uint8], at: I64, rows: npt.NDArray[np.uint8]) -> None:
    """Write row i of ``rows`` at byte ``at[i]`` of ``out``."""
    out[at[:, None] + np.arange(rows.shape[1])] = rows
