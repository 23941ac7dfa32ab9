"""GeoJSON and GeoPackage health-check files: features into rows, geometry in WGS84.

Properties carry the same names as the XLSX columns (Chinese or English); a property of no
known name is left out (GIS layers carry attributes of their own). Geometries are turned to
EPSG:4326 lon/lat with pyproj from the file's CRS: a GeoJSON's legacy ``crs`` member, else
WGS84 (RFC 7946); a GeoPackage layer's own CRS, which it must have. Coordinates that are not
finite numbers (NaN) refuse the feature.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely
import shapely.geometry
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from twin.errors import CRSError, InvalidInputError
from twin.healthcheck.io_columns import Kind, field_of
from twin.healthcheck.io_read import Row

MAX_FEATURES = 100_000
WGS84 = CRS.from_epsg(4326)


def _crs(value: Any, name: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except (ProjCRSError, TypeError, ValueError):
        raise CRSError(f"{name}: the CRS {str(value)[:80]!r} is not understood") from None


def _to_wgs84(crs: CRS | None) -> Transformer | None:
    if crs is None or crs.equals(WGS84, ignore_axis_order=True):
        return None
    return Transformer.from_crs(crs, WGS84, always_xy=True)


def _geometry(
    shape: shapely.Geometry | None, to_wgs84: Transformer | None
) -> dict[str, Any] | str | None:
    """The geometry as GeoJSON in lon/lat; a message when it cannot be one."""
    if shape is None or shapely.is_empty(shape):
        return None
    shape = shapely.force_2d(shape)
    if not np.isfinite(shapely.get_coordinates(shape)).all():
        return "has coordinates that are not finite numbers"
    if to_wgs84 is not None:

        def project(xy: np.ndarray) -> np.ndarray:
            x, y = to_wgs84.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        shape = shapely.transform(shape, project)
        if not np.isfinite(shapely.get_coordinates(shape)).all():
            return "cannot be transformed to WGS84 (outside the CRS's area?)"
    return dict(shapely.geometry.mapping(cast(Any, shape)))


def _row(
    kind: Kind,
    where: str,
    props: Mapping[str, Any],
    geometry: dict[str, Any] | str | None,
) -> Row:
    fields: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for key, value in props.items():
        field = field_of(kind, str(key))
        if not field or field == "geometry":
            continue
        if field in fields:
            raise InvalidInputError(
                f"{where}: properties {headers[field]!r} and {key!r} both give {field}"
            )
        fields[field] = value
        headers[field] = str(key)
    if isinstance(geometry, str):
        return Row(where, fields, headers, error=f"{where}, column geometry: {geometry}")
    if geometry is not None and kind != "indicators":
        fields["geometry"] = geometry
    return Row(where=where, fields=fields, headers=headers)


def _nan(token: str) -> float:
    return float("nan")  # NaN / Infinity in the text: refused per feature, by name


def read_geojson_rows(path: Path, kind: Kind) -> list[Row]:
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_nan)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInputError(f"{name}: not a readable GeoJSON file (UTF-8 JSON)") from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise InvalidInputError(f"{name}: expected a GeoJSON FeatureCollection")
    features = data["features"]
    if len(features) > MAX_FEATURES:
        raise InvalidInputError(f"{name}: more than {MAX_FEATURES} features")
    crs_member = data.get("crs")
    crs = None
    if isinstance(crs_member, dict):
        crs = _crs((crs_member.get("properties") or {}).get("name"), name)
    to_wgs84 = _to_wgs84(crs)
    rows: list[Row] = []
    errors: list[str] = []
    for n, feature in enumerate(features, start=1):
        where = f"feature {n}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(f"{where}: not a GeoJSON Feature")
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            errors.append(f"{where}: properties must be an object")
            continue
        try:
            raw = feature.get("geometry")
            shape = shapely.geometry.shape(raw) if raw else None
            geometry = _geometry(shape, to_wgs84)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
            geometry = "is not a valid GeoJSON geometry"
        try:
            rows.append(_row(kind, where, props, geometry))
        except InvalidInputError as exc:
            errors.append(exc.message)
    _refuse(name, errors)
    if not rows:
        raise InvalidInputError(f"{name}: no features")
    return rows


def _refuse(name: str, errors: list[str]) -> None:
    from twin.healthcheck.io_read import MAX_ERRORS

    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise InvalidInputError(
            f"{name}: {len(errors)} {noun}, nothing imported: {'; '.join(errors[:MAX_ERRORS])}",
            errors=errors[:MAX_ERRORS],
        )


def _plain(value: Any) -> Any:
    """A pandas/numpy cell as a plain Python value (missing → None)."""
    if value is None:
        return None
    try:
        if bool(value != value):  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_gpkg_rows(path: Path, kind: Kind) -> list[Row]:
    import pyogrio

    name = path.name
    try:
        layers = pyogrio.list_layers(path)
        if len(layers) == 0:
            raise InvalidInputError(f"{name}: the GeoPackage has no layer")
        layer = str(layers[0][0])
        info = pyogrio.read_info(path, layer=layer)
        if int(info["features"]) > MAX_FEATURES:
            raise InvalidInputError(f"{name}: more than {MAX_FEATURES} features")
        frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)
    except InvalidInputError:
        raise
    except Exception:  # DataSourceError and GDAL's other refusals of a damaged file
        raise InvalidInputError(f"{name}: not a readable GeoPackage") from None
    has_geometry = "geometry" in frame.columns and info.get("geometry_type") is not None
    crs = None
    if has_geometry:
        if frame.crs is None:
            raise CRSError(f"{name}: layer {layer!r} has no CRS")
        crs = _crs(frame.crs, name)
    to_wgs84 = _to_wgs84(crs)
    columns = [c for c in frame.columns if c != "geometry"]
    rows: list[Row] = []
    errors: list[str] = []
    for fid, record in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        where = f"feature {fid}"
        values = dict(zip(frame.columns, record, strict=True))
        props = {c: _plain(values[c]) for c in columns}
        shape = values.get("geometry") if has_geometry else None
        try:
            rows.append(_row(kind, where, props, _geometry(shape, to_wgs84)))
        except InvalidInputError as exc:
            errors.append(exc.message)
    _refuse(name, errors)
    if not rows:
        raise InvalidInputError(f"{name}: the layer {layer!r} has no features")
    return rows
