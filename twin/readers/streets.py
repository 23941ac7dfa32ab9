"""Read a streetscape layer: typed point objects (trees, lamps, ...) and road surfaces.

Any vector file :func:`twin.readers.footprints.read_vector` reads. Each feature has a
type (``--type-field``, default ``type``):

* a point whose type is a street-object type (:data:`tiles.street_models.SYNONYMS`,
  English or Chinese) becomes an object with a height (``height``), a size
  (``crown_diameter`` or ``size``) and an orientation (``orientation``, degrees
  clockwise from north); missing or invalid values take the type's defaults;
* a polygon or a line (buffered by ``width``, default 7 m) becomes a flat surface;
  its kind is road / sidewalk / crossing when the type says so, else the type text.

Features that fit neither (unknown point types, a polygon typed as a tree, empty
geometry) are listed in the report with their reason, never silently dropped.
Geometry is kept in lon/lat (objects) and in a local azimuthal-equidistant metric
frame at the layer's centre (surfaces), so buffering and densifying are in metres
whatever the source CRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from tiles.street_models import DEFAULTS, canonical_type
from twin.domain import AttributeType
from twin.errors import CRSError, IngestError, InvalidInputError
from twin.readers.footprints import FeatureIssue, read_vector, resolve_crs

F64 = npt.NDArray[np.float64]
OBJ = npt.NDArray[np.object_]

DEFAULT_WIDTH_M = 7.0
SURFACE_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["road", "street", "carriageway", "道路", "车行道", "路面"], "road"),
    **dict.fromkeys(["sidewalk", "footway", "pavement", "人行道"], "sidewalk"),
    **dict.fromkeys(["crossing", "crosswalk", "zebra", "人行横道", "斑马线"], "crossing"),
}
#: source columns read into the object's own fields (not repeated among the extras)
HEIGHT_FIELDS = ("height",)
SIZE_FIELDS = ("crown_diameter", "size")
ORIENTATION_FIELDS = ("orientation",)


@dataclass(frozen=True)
class StreetReport:
    source: str
    total: int
    objects: int
    surfaces: int
    counts: dict[str, int]
    rejected: tuple[FeatureIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "rejected"}
        out["rejected"] = [vars(i) for i in self.rejected]
        return out


@dataclass(frozen=True)
class StreetSet:
    """Accepted street objects and surfaces of one source, column-wise."""

    layer: str
    crs: CRS
    centre: tuple[float, float]  # lon, lat of the local metric frame
    object_ids: OBJ  # source ids (str)
    object_types: OBJ  # canonical types
    lon: F64
    lat: F64
    height: F64
    size: F64
    orientation: F64  # degrees clockwise from north, 0-360
    object_attributes: pd.DataFrame  # JSON-ready extras, index 0..n-1
    surface_ids: OBJ
    surface_types: OBJ
    surfaces_local: OBJ  # shapely polygons, metres in the local frame
    surface_attributes: pd.DataFrame
    schema: dict[str, AttributeType] = field(default_factory=dict)  # extras' types
    report: StreetReport | None = None

    def local_crs(self) -> CRS:
        return local_metric_crs(*self.centre)


def local_metric_crs(lon: float, lat: float) -> CRS:
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")


def read_streets(
    path: Path,
    *,
    layer: str,
    crs: str | None = None,
    type_field: str = "type",
    source_layer: str | None = None,
) -> StreetSet:
    frame = read_vector(path, source_layer)
    if type_field not in frame.columns:
        cols = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "none"
        raise InvalidInputError(
            f"{path.name} has no type field {type_field!r} (columns: {cols}); "
            "name it with --type-field"
        )
    src_crs = resolve_crs(frame, crs)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    to_ll = Transformer.from_crs(src_crs, "EPSG:4326", always_xy=True)
    ll = shapely.transform(geoms, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
    bounds = shapely.total_bounds(ll)
    if not (np.all(np.isfinite(bounds)) and abs(bounds[1]) <= 90 and abs(bounds[3]) <= 90):
        raise CRSError(
            f"the coordinates of {path.name} do not fit {src_crs.name}: give the right --crs"
        )
    ids = np.array([str(i) for i in frame.index], dtype=object)
    raw_types = frame[type_field].tolist()
    issues: list[FeatureIssue] = []
    obj_idx: list[int] = []
    obj_types: list[str] = []
    surf_idx: list[int] = []
    surf_types: list[str] = []
    for i, (g, raw) in enumerate(zip(ll, raw_types, strict=True)):
        kind = canonical_type(raw)
        text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw)
        if g is None or g.is_empty:
            issues.append(FeatureIssue(i, ids[i], "no_geometry", "the feature has no geometry"))
            continue
        gtype = g.geom_type
        if gtype == "MultiPoint" and len(g.geoms) == 1:
            g, gtype = g.geoms[0], "Point"
            ll[i] = g
        if gtype == "Point":
            if kind is None:
                issues.append(
                    FeatureIssue(i, ids[i], "unknown_type", f"unknown street-object type {text!r}")
                )
                continue
            obj_idx.append(i)
            obj_types.append(kind)
        elif gtype in {"Polygon", "MultiPolygon", "LineString", "MultiLineString"}:
            if kind is not None:
                msg = f"a {kind} must be a point, not a {gtype}"
                issues.append(FeatureIssue(i, ids[i], "wrong_geometry", msg))
                continue
            surf_idx.append(i)
            surf_types.append(SURFACE_SYNONYMS.get(text.strip().lower(), text.strip() or "road"))
        else:
            msg = f"{gtype} is neither a point object nor a surface"
            issues.append(FeatureIssue(i, ids[i], "wrong_geometry", msg))
    if not obj_idx and not surf_idx:
        first = f" (first: {issues[0].message})" if issues else ""
        raise IngestError(f"{path.name}: no street objects or surfaces to publish{first}")
    oi, si = np.array(obj_idx, dtype=np.int64), np.array(surf_idx, dtype=np.int64)
    own = {type_field, frame.geometry.name, *HEIGHT_FIELDS, *SIZE_FIELDS, *ORIENTATION_FIELDS}
    used = [c for c in frame.columns if c in own]
    extras, schema = _extras(frame.drop(columns=used))
    pts = ll[oi] if len(oi) else np.empty(0, dtype=object)
    lon = shapely.get_x(pts).astype(np.float64) if len(oi) else np.empty(0)
    lat = shapely.get_y(pts).astype(np.float64) if len(oi) else np.empty(0)
    everything = shapely.union_all(shapely.envelope(ll[np.concatenate([oi, si])]))
    c = shapely.centroid(shapely.envelope(everything))
    centre = (float(c.x), float(c.y))
    surfaces = _surfaces(ll[si], frame, si, centre, issues, ids)
    types = np.array(obj_types, dtype=object)
    keep = np.array([s is not None for s in surfaces], dtype=bool)
    counts = {k: int(np.sum(types == k)) for k in DEFAULTS if np.any(types == k)}
    report = StreetReport(
        source=path.name,
        total=len(frame),
        objects=len(oi),
        surfaces=int(keep.sum()),
        counts=counts,
        rejected=tuple(sorted(issues, key=lambda x: x.index)),
    )
    return StreetSet(
        layer=layer,
        crs=src_crs,
        centre=centre,
        object_ids=ids[oi],
        object_types=types,
        lon=lon,
        lat=lat,
        height=_measure(frame, oi, HEIGHT_FIELDS, types, 0),
        size=_measure(frame, oi, SIZE_FIELDS, types, 1),
        orientation=_orientation(frame, oi),
        object_attributes=extras.iloc[oi].reset_index(drop=True),
        surface_ids=ids[si][keep],
        surface_types=np.array(surf_types, dtype=object)[keep],
        surfaces_local=np.array(surfaces, dtype=object)[keep],
        surface_attributes=extras.iloc[si[keep]].reset_index(drop=True),
        schema=schema,
        report=report,
    )


def _numbers(frame: pd.DataFrame, rows: npt.NDArray[np.int64], names: tuple[str, ...]) -> F64:
    out = np.full(len(rows), np.nan)
    for name in reversed(names):  # the first name that has a value wins
        if name in frame.columns:
            vals = pd.to_numeric(frame[name].iloc[rows], errors="coerce").to_numpy(np.float64)
            out = np.where(np.isfinite(vals), vals, out)
    return out


def _measure(
    frame: pd.DataFrame,
    rows: npt.NDArray[np.int64],
    names: tuple[str, ...],
    types: OBJ,
    which: int,
) -> F64:
    vals = _numbers(frame, rows, names)
    default = np.array([DEFAULTS[t][which] for t in types], dtype=np.float64)
    good = np.isfinite(vals) & (vals > 0) & (vals < 200)
    return np.where(good, vals, default)


def _orientation(frame: pd.DataFrame, rows: npt.NDArray[np.int64]) -> F64:
    vals = _numbers(frame, rows, ORIENTATION_FIELDS)
    return np.where(np.isfinite(vals), np.mod(vals, 360.0), 0.0)


def _surfaces(
    geoms: OBJ,
    frame: pd.DataFrame,
    rows: npt.NDArray[np.int64],
    centre: tuple[float, float],
    issues: list[FeatureIssue],
    ids: OBJ,
) -> list[Any]:
    if not len(rows):
        return []
    fwd = Transformer.from_crs("EPSG:4326", local_metric_crs(*centre), always_xy=True)
    local = shapely.transform(geoms, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
    width = _numbers(frame, rows, ("width",))
    width = np.where(np.isfinite(width) & (width > 0), width, DEFAULT_WIDTH_M)
    out: list[Any] = []
    for g, w, r in zip(local, width, rows, strict=True):
        if g.geom_type in {"LineString", "MultiLineString"}:
            g = shapely.buffer(g, w / 2, cap_style="flat", join_style="round", quad_segs=4)
        g = shapely.make_valid(g) if not g.is_valid else g
        polys = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon" and p.area > 0]
        if not polys:
            msg = "the surface has no area after repair"
            issues.append(FeatureIssue(int(r), ids[r], "no_area", msg))
            out.append(None)
            continue
        out.append(polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys))
    return out


def _extras(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, AttributeType]]:
    """JSON-ready extra columns (python scalars, None for missing) and their types."""
    out: dict[str, list[Any]] = {}
    schema: dict[str, AttributeType] = {}
    for name in frame.columns:
        col = frame[name]
        kind: AttributeType
        vals: list[Any]
        if pd.api.types.is_bool_dtype(col):
            kind = "boolean"
            vals = [None if pd.isna(v) else bool(v) for v in col]
        elif pd.api.types.is_integer_dtype(col):
            kind = "integer"
            vals = [None if pd.isna(v) else int(v) for v in col]
        elif pd.api.types.is_float_dtype(col):
            kind = "number"
            vals = [float(v) if math.isfinite(v) else None for v in col.astype(float)]
        else:
            kind = "string"
            vals = [
                None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in col
            ]
        out[str(name)] = vals
        schema[str(name)] = kind
    return pd.DataFrame(out, index=range(len(frame)), dtype=object), schema
