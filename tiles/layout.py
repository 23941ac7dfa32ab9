"""Place footprints on the globe: lon/lat, a local frame, per-feature extents and tile inputs.

``place_footprints`` turns source-CRS polygons into the column-wise arrays the
partitioner and the extruder need; ``TileInputs.slice`` cuts out one tile's
features without copying the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer

from tiles.extrude import Footprints
from tiles.geodesy import EnuFrame, ellipsoid_normal, geodetic_to_ecef
from tiles.ring_arrays import feature_bounds, offsets, oriented, polygon_wkb, ring_arrays
from twin.errors import CRSError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

WGS84 = CRS.from_epsg(4326)
_MULTIPOLYGON = 6  # shapely.get_type_id


@dataclass(frozen=True)
class PlacedFootprints:
    """All features of a layer, placed in one east-north-up frame."""

    frame: EnuFrame
    lonlat_wkb: npt.NDArray[np.object_]  # WKB of the footprints in lon/lat, exteriors CCW
    bounds_deg: F64  # (n, 4) west, south, east, north
    centre: F64  # (n, 2) east/north of each feature's bbox centre in the frame
    size: F64  # (n,) max(horizontal diagonal, height) in metres
    vertex_count: I64  # (n,) unique ring vertices per feature
    coords: F64  # (V, 3) ring vertices at height 0 in the frame
    ring_offsets: I64
    polygon_ring_offsets: I64
    feature_polygon_offsets: I64
    up: F64  # (n, 3)
    base: F64
    top: F64

    def __len__(self) -> int:
        return len(self.base)

    def footprints(self, features: I64) -> Footprints:
        """The tile-local ``Footprints`` of the given (sorted) feature indices."""
        p0 = self.feature_polygon_offsets[features]
        p1 = self.feature_polygon_offsets[features + 1]
        polys = _ranges(p0, p1)
        r0 = self.polygon_ring_offsets[polys]
        r1 = self.polygon_ring_offsets[polys + 1]
        rings = _ranges(r0, r1)
        c0 = self.ring_offsets[rings]
        c1 = self.ring_offsets[rings + 1]
        coords = self.coords[_ranges(c0, c1)]
        local_feature = np.repeat(np.arange(len(features)), p1 - p0)
        return Footprints(
            coords=coords,
            ring_offsets=offsets(c1 - c0),
            polygon_ring_offsets=offsets(r1 - r0),
            polygon_feature=local_feature.astype(np.int64),
            up=self.up[features],
            base=self.base[features],
            top=self.top[features],
        )


def to_lonlat(geoms: npt.NDArray[np.object_], crs: CRS) -> npt.NDArray[np.object_]:
    to_wgs84 = _transformer(crs)

    def fn(x: F64, y: F64) -> tuple[F64, F64]:
        xy = _checked_lonlat(to_wgs84, np.column_stack([x, y]), crs)
        return xy[:, 0], xy[:, 1]

    out = shapely.transform(geoms, fn, interleaved=False)  # type: ignore[arg-type]
    return np.asarray(out, dtype=object)


def _transformer(crs: CRS) -> Transformer:
    try:
        return Transformer.from_crs(crs, WGS84, always_xy=True)
    except Exception as exc:
        raise CRSError(f"cannot transform from {crs.name} to WGS84: {exc}") from exc


def _checked_lonlat(transformer: Transformer, xy: F64, crs: CRS) -> F64:
    lon, lat = transformer.transform(xy[:, 0], xy[:, 1], errcheck=False)
    out = np.column_stack([np.asarray(lon), np.asarray(lat)])
    if not np.isfinite(out).all():
        raise CRSError(f"some coordinates fall outside the area of use of {crs.name}")
    if (np.abs(out[:, 1]) > 90).any():
        raise CRSError("transformed latitudes exceed ±90°: is the CRS right?")
    return out


def place_footprints(
    geoms: npt.NDArray[np.object_], crs: CRS, base: F64, top: F64
) -> PlacedFootprints:
    """Place source-CRS footprints: lon/lat rings (exteriors counter-clockwise), their WKB
    and extents, and the frame coordinates the partitioner and the extruder need.

    Done on one coordinate array (``tiles.ring_arrays``): the same numbers as transforming,
    orienting and encoding the geometries one by one, without a geometry per step.
    """
    source = ring_arrays(geoms)
    lonlat = oriented(source.with_xy(_checked_lonlat(_transformer(crs), source.xy, crs)))
    bounds = feature_bounds(lonlat)
    centre_lon = (bounds[:, 0] + bounds[:, 2]) / 2
    centre_lat = (bounds[:, 1] + bounds[:, 3]) / 2
    frame = EnuFrame(
        lon=float((bounds[:, 0].min() + bounds[:, 2].max()) / 2),
        lat=float((bounds[:, 1].min() + bounds[:, 3].max()) / 2),
    )
    lonlat_xy = lonlat.xy
    ecef = geodetic_to_ecef(lonlat_xy[:, 0], lonlat_xy[:, 1], 0.0)
    coords = frame.from_ecef(ecef)

    n = len(geoms)
    ring_offsets = lonlat.ring_offsets
    polygon_ring_offsets = lonlat.polygon_ring_offsets
    feature_polygon_offsets = lonlat.feature_polygon_offsets
    up = frame.vectors_from_ecef(ellipsoid_normal(centre_lon, centre_lat))

    corner_lo = frame.from_ecef(geodetic_to_ecef(bounds[:, 0], bounds[:, 1], 0.0))
    corner_hi = frame.from_ecef(geodetic_to_ecef(bounds[:, 2], bounds[:, 3], 0.0))
    centre = frame.from_ecef(geodetic_to_ecef(centre_lon, centre_lat, 0.0))[:, :2]
    diag = np.linalg.norm((corner_hi - corner_lo)[:, :2], axis=1)
    ring_vertices = np.diff(ring_offsets) - 1
    poly_feature = np.repeat(np.arange(n), np.diff(feature_polygon_offsets))
    feature_of_ring = np.repeat(poly_feature, np.diff(polygon_ring_offsets))
    vertex_count = np.bincount(feature_of_ring, weights=ring_vertices, minlength=n).astype(np.int64)
    return PlacedFootprints(
        frame=frame,
        lonlat_wkb=polygon_wkb(lonlat, shapely.get_type_id(geoms) == _MULTIPOLYGON),
        bounds_deg=bounds,
        centre=centre,
        size=np.maximum(diag, top - base),
        vertex_count=vertex_count,
        coords=coords,
        ring_offsets=ring_offsets,
        polygon_ring_offsets=polygon_ring_offsets,
        feature_polygon_offsets=feature_polygon_offsets,
        up=up,
        base=np.asarray(base, dtype=np.float64),
        top=np.asarray(top, dtype=np.float64),
    )


def estimated_bytes(vertex_count: I64) -> F64:
    """Uncompressed content bytes of an LOD1 block: 5 vertices and ~3 triangles per corner."""
    return np.asarray(vertex_count * (5 * 12 + 3 * 3 * 2) + 64, dtype=np.float64)


def _ranges(start: I64, stop: I64) -> I64:
    """Concatenation of ``arange(start[i], stop[i])`` for all i, vectorised."""
    lengths = stop - start
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    steps = np.ones(total, dtype=np.int64)
    heads = offsets(lengths)[:-1]
    nonempty = lengths > 0
    steps[heads[nonempty]] = start[nonempty] - np.concatenate([[0], (stop[nonempty] - 1)[:-1]])
    steps[0] = start[nonempty][0]
    return np.cumsum(steps)
