"""Read 2D building footprints with heights from any vector format geopandas/pyogrio reads.

Every feature either becomes part of a ``FootprintSet`` or is listed in the
``IngestReport`` with the reason it was refused. Nothing is silently dropped,
and no height is invented.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from twin.domain import AttributeType
from twin.errors import CRSError, IngestError, InvalidInputError
from twin.readers.crs import parse_crs

log = logging.getLogger("twin.readers")

SUPPORTED_SUFFIXES = {
    ".gpkg",
    ".geojson",
    ".json",
    ".shp",
    ".fgb",
    ".parquet",
    ".geoparquet",
    ".sqlite",
    ".zip",
}


@dataclass(frozen=True)
class HeightRule:
    """Exactly one of field / floors_field / constant is set."""

    field: str | None = None
    floors_field: str | None = None
    storey_height: float = 3.0
    constant: float | None = None
    base_field: str | None = None

    def __post_init__(self) -> None:
        chosen = [x is not None for x in (self.field, self.floors_field, self.constant)]
        if sum(chosen) != 1:
            raise InvalidInputError(
                "choose exactly one of --height-field, --floors-field or --height"
            )
        if self.constant is not None and not (self.constant > 0 and math.isfinite(self.constant)):
            raise InvalidInputError("--height must be a positive number of metres")
        if not (self.storey_height > 0 and math.isfinite(self.storey_height)):
            raise InvalidInputError("--storey-height must be a positive number of metres")


@dataclass(frozen=True)
class FeatureIssue:
    index: int
    source_id: str | None
    code: str
    message: str


@dataclass(frozen=True)
class IngestReport:
    source: str
    total: int
    accepted: int
    repaired: tuple[FeatureIssue, ...] = ()
    rejected: tuple[FeatureIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "total": self.total,
            "accepted": self.accepted,
            "repaired": [vars(i) for i in self.repaired],
            "rejected": [vars(i) for i in self.rejected],
        }


@dataclass(frozen=True)
class FootprintSet:
    """Accepted footprints of one source, in the source CRS, column-wise."""

    layer: str
    crs: CRS
    source_ids: npt.NDArray[np.object_]
    geometries: npt.NDArray[np.object_]  # shapely Polygon / MultiPolygon
    base: npt.NDArray[np.float64]
    top: npt.NDArray[np.float64]
    attributes: pd.DataFrame  # JSON-ready columns, index 0..n-1
    parent_ids: npt.NDArray[np.object_] | None = None  # feature ids ("layer:source_id") or None
    schema: dict[str, AttributeType] = field(default_factory=dict)
    report: IngestReport | None = None

    def __len__(self) -> int:
        return len(self.source_ids)

    @cached_property
    def feature_ids(self) -> list[str]:
        return [f"{self.layer}:{s}" for s in self.source_ids]


def read_vector(path: Path, source_layer: str | None = None) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InvalidInputError(f"input not found: {path.name}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES and not path.is_dir():
        raise InvalidInputError(
            f"unsupported input format {suffix!r}: use GeoPackage, GeoJSON, Shapefile, "
            "FlatGeobuf or GeoParquet"
        )
    try:
        if suffix in {".parquet", ".geoparquet"}:
            return gpd.read_parquet(path)
        return gpd.read_file(
            path, engine="pyogrio", layer=source_layer, use_arrow=True, fid_as_index=True
        )
    except GEOSException as exc:  # e.g. a ring that does not close because of NaN
        raise InvalidInputError(
            f"cannot read {path.name}: a geometry is not valid WKB/GeoJSON ({exc}); "
            "look for NaN or missing coordinates"
        ) from exc
    except (ValueError, OSError, RuntimeError) as exc:
        # pyogrio/arrow errors name the problem; keep only the first line, without paths
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInputError(
            f"cannot read {path.name}: {first.replace(str(path), path.name)}"
        ) from exc


#: formats whose feature count is in their metadata (GeoJSON's is not: GDAL parses it all)
COUNTED_SUFFIXES = {".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet"}


def count_features(path: Path, source_layer: str | None = None) -> int | None:
    """How many features the source holds, if its metadata says so cheaply; else None.

    A hint for planning only (which features are accepted is known after reading);
    a source that cannot be opened gives None, and reading it says why.
    """
    suffix = path.suffix.lower()
    if suffix not in COUNTED_SUFFIXES or not path.is_file():
        return None
    try:
        if suffix in {".parquet", ".geoparquet"}:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        import pyogrio

        count = int(pyogrio.read_info(path, layer=source_layer)["features"])
    except (OSError, ValueError, RuntimeError):  # pyogrio's and arrow's errors among them
        return None
    return count if count >= 0 else None


def resolve_crs(frame: gpd.GeoDataFrame, crs_text: str | None) -> CRS:
    if crs_text is not None:
        given = parse_crs(crs_text)
        if frame.crs is not None and not given.equals(CRS.from_user_input(frame.crs)):
            log.warning(
                "--crs overrides the CRS the source declares",
                extra={"declared": CRS.from_user_input(frame.crs).name, "used": given.name},
            )
        return given
    if frame.crs is None:
        raise CRSError("the source has no CRS: give one with --crs (e.g. --crs EPSG:4547)")
    return CRS.from_user_input(frame.crs)


def _infer_type(series: pd.Series) -> AttributeType:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def _json_ready(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, AttributeType]]:
    schema: dict[str, AttributeType] = {}
    out: dict[str, pd.Series] = {}
    for name in frame.columns:
        col = frame[name]
        kind = _infer_type(col)
        if kind == "string":
            if pd.api.types.is_datetime64_any_dtype(col):
                col = col.dt.strftime("%Y-%m-%dT%H:%M:%S").where(col.notna(), None)
            elif pd.api.types.infer_dtype(col, skipna=True) in {"string", "empty"}:
                col = col.astype(object).where(col.notna(), None)
            else:
                col = col.map(_to_text, na_action="ignore").astype(object)
                col = col.where(col.notna(), None)
        elif kind == "integer":
            col = col.astype("Int64")
        elif kind == "boolean":
            col = col.astype("boolean")
        else:
            col = col.astype("float64")
        schema[str(name)] = kind
        out[str(name)] = col.reset_index(drop=True)
    # one row per feature even with no columns (a source of ids and geometry only)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame))), schema


def _to_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _heights(
    frame: gpd.GeoDataFrame, rule: HeightRule
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    n = len(frame)
    if rule.constant is not None:
        height = np.full(n, rule.constant, dtype=np.float64)
    else:
        name = rule.field if rule.field is not None else rule.floors_field
        assert name is not None
        if name not in frame.columns:
            raise InvalidInputError(f"height field {name!r} not found in the source")
        height = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
        if rule.floors_field is not None:
            height = height * rule.storey_height
    if rule.base_field is not None:
        if rule.base_field not in frame.columns:
            raise InvalidInputError(
                f"base height field {rule.base_field!r} not found in the source"
            )
        base = pd.to_numeric(frame[rule.base_field], errors="coerce").to_numpy(dtype=np.float64)
    else:
        base = np.zeros(n, dtype=np.float64)
    return base, height


def load_footprints(
    frame: gpd.GeoDataFrame,
    *,
    layer: str,
    rule: HeightRule,
    id_field: str | None = None,
    parent_field: str | None = None,
    crs_text: str | None = None,
    source: str = "input",
) -> FootprintSet:
    """Validate, repair or reject every feature of ``frame``."""
    crs = resolve_crs(frame, crs_text)
    n = len(frame)
    if id_field is not None:
        if id_field not in frame.columns:
            raise InvalidInputError(f"id field {id_field!r} not found in the source")
        ids = _id_texts(frame[id_field])
    else:
        ids = np.array([str(v) for v in frame.index], dtype=object)

    rejected: list[FeatureIssue] = []
    repaired: list[FeatureIssue] = []
    keep = np.ones(n, dtype=bool)

    def reject(i: int, code: str, message: str) -> None:
        if keep[i]:
            keep[i] = False
            rejected.append(FeatureIssue(i, ids[i], code, message))

    no_id = np.array([v is None for v in ids]) if ids.dtype == object else np.zeros(n, bool)
    for i in np.flatnonzero(no_id):
        reject(int(i), "missing_id", f"feature has no value in id field {id_field!r}")
    series = pd.Series(ids)
    duplicated = series.duplicated(keep="first").to_numpy() & ~no_id
    if duplicated.any():
        first = {v: i for i, v in reversed(list(enumerate(ids))) if v is not None}
        for i in np.flatnonzero(duplicated):
            reject(
                int(i), "duplicate_id", f"id {ids[i]!r} already used by feature #{first[ids[i]]}"
            )

    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i in np.flatnonzero(missing):
        reject(int(i), "empty_geometry", "feature has no geometry")
    types = shapely.get_type_id(geoms)
    for i in np.flatnonzero(~missing & ~np.isin(types, (3, 6))):
        reject(
            int(i),
            "not_polygonal",
            f"geometry is a {shapely.get_type_id(geoms[i])} type, not a polygon",
        )
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    for i in np.unique(owner[~np.isfinite(coords).all(axis=1)]):
        reject(int(i), "non_finite_coordinates", "geometry has NaN or infinite coordinates")
    if shapely.has_z(geoms[keep]).any():
        geoms = shapely.force_2d(geoms)

    invalid = keep & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[i])
        fixed = _polygonal_part(shapely.make_valid(geoms[i]))
        if fixed is None or shapely.area(fixed) <= 0:
            reject(
                int(i), "invalid_geometry", f"invalid geometry that cannot be repaired: {reason}"
            )
        else:
            geoms[i] = fixed
            repaired.append(
                FeatureIssue(int(i), ids[i], "repaired_geometry", f"repaired: {reason}")
            )

    base, height = _heights(frame, rule)
    for i in np.flatnonzero(keep & ~np.isfinite(height)):
        reject(int(i), "missing_height", "feature has no height")
    for i in np.flatnonzero(keep & np.isfinite(height) & (height <= 0)):
        reject(int(i), "non_positive_height", f"height {height[i]:g} m is not positive")
    for i in np.flatnonzero(keep & ~np.isfinite(base)):
        reject(int(i), "missing_base_height", "feature has no base height")

    drop = {frame.geometry.name}
    if id_field is not None:
        drop.add(id_field)
    parents = np.full(n, None, dtype=object)
    if parent_field is not None:
        if parent_field not in frame.columns:
            raise InvalidInputError(f"parent field {parent_field!r} not found in the source")
        parents = _id_texts(frame[parent_field])
        drop.add(parent_field)
    attrs = frame.drop(columns=[c for c in frame.columns if c in drop])
    attrs = attrs.rename(columns={c: f"{c}_" for c in attrs.columns if c in {"id", "class"}})
    attrs_ready, schema = _json_ready(attrs.loc[keep])
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        raise IngestError(
            f"no feature of {source} could be ingested ({len(rejected)} rejected)",
            rejected=len(rejected),
        )
    report = IngestReport(
        source=source,
        total=n,
        accepted=len(idx),
        repaired=tuple(repaired),
        rejected=tuple(sorted(rejected, key=lambda r: r.index)),
    )
    return FootprintSet(
        layer=layer,
        crs=crs,
        source_ids=ids[idx],
        geometries=geoms[idx],
        base=base[idx],
        top=base[idx] + height[idx],
        parent_ids=np.array(
            [None if p is None else f"{layer}:{p}" for p in parents[idx]], dtype=object
        ),
        attributes=attrs_ready,
        schema=schema,
        report=report,
    )


def _id_texts(column: pd.Series) -> npt.NDArray[np.object_]:
    """Ids as stripped strings; None where missing or blank."""
    if pd.api.types.is_float_dtype(column):
        as_int = column.dropna()
        if bool((as_int % 1 == 0).all()):
            column = column.astype("Int64")
    text = column.astype("string").str.strip()
    text = text.where(text.notna() & (text != ""), None)
    return np.asarray(text.astype(object).where(text.notna(), None).to_numpy(), dtype=object)


def _polygonal_part(geom: Any) -> Any:
    """The polygonal part of a make_valid result (it may be a GeometryCollection)."""
    if geom is None or shapely.is_empty(geom):
        return None
    kind = shapely.get_type_id(geom)
    if kind in (3, 6):
        return geom
    if kind == 7:
        parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
        polys = [q for p in parts for q in shapely.get_parts(p)]
        if not polys:
            return None
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return None
