"""What an IFC model states about its georeference, read and made computable.

Three places can hold it: an ``IfcMapConversion`` (IFC4 / IFC4X3, also
``IfcMapConversionScaled`` and ``IfcRigidOperation``) to an ``IfcProjectedCRS``; the
IFC2X3 property sets ``ePSet_MapConversion`` / ``ePSet_ProjectedCRS`` on ``IfcSite`` or
``IfcProject``; and ``IfcSite.RefLatitude`` / ``RefLongitude`` / ``RefElevation`` (the
WGS84 position of the site placement's origin) with the model context's ``TrueNorth``.
Lengths come back in metres where the file's unit is known, raw otherwise (see fields).
``place_on_grid`` turns a map conversion into the exact model -> ECEF mapping (pyproj).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import ifcopenshell
import ifcopenshell.util.element
import ifcopenshell.util.placement
import ifcopenshell.util.unit
import numpy as np
import numpy.typing as npt
import pyproj

from bim_ingest.georef_units import UNIT_LABELS, resolve_unit_chain
from tiles.geodesy import geodetic_to_ecef
from twin.errors import CRSError

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MapConversionParams:
    """A map conversion as written in the file (lengths in map units, see ``map_unit_m``)."""

    holder: str  # where it was found, e.g. "IfcMapConversion", "ePSet_MapConversion on IfcSite"
    kind: Literal["entity", "pset"]
    eastings: float
    northings: float
    orthogonal_height: float
    x_axis_abscissa: float
    x_axis_ordinate: float
    scale: float | None  # None: not given
    factors: tuple[float, float, float]  # per-axis factors on top of scale (IFC4X3)
    crs_name: str | None
    map_unit_m: float | None  # None: not given (see bim_ingest.georef_units)
    map_unit_label: str | None  # an unrecognised IFC2X3 MapUnit label, for a warning


@dataclass(frozen=True)
class SiteReference:
    """``IfcSite`` RefLatitude/RefLongitude/RefElevation (degrees, metres)."""

    lat: float
    lon: float
    elevation_m: float
    elevation_given: bool
    placement_m: tuple[float, float, float]  # the site placement's origin in model metres
    raw_lat: tuple[int, ...]
    raw_lon: tuple[int, ...]


def _model_context(model: ifcopenshell.file) -> Any:
    contexts = model.by_type("IfcGeometricRepresentationContext", include_subtypes=False)
    for ctx in contexts:
        if ctx.ContextType == "Model":
            return ctx
    return contexts[0] if contexts else None


def _float(value: Any) -> float | None:
    if value is None:
        return None
    if hasattr(value, "wrappedValue"):
        value = value.wrappedValue
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _named_unit_m(unit: Any) -> float | None:
    if unit is None or getattr(unit, "UnitType", None) != "LENGTHUNIT":
        return None
    return float(ifcopenshell.util.unit.get_named_unit_scale(unit))


def read_map_conversion(model: ifcopenshell.file) -> MapConversionParams | None:
    """The model's map conversion: the entity if there is one, else the IFC2X3 psets."""
    if model.schema != "IFC2X3":
        found = _read_entity(model)
        if found is not None:
            return found
    return _read_psets(model)


def _read_entity(model: ifcopenshell.file) -> MapConversionParams | None:
    operations = []
    ctx = _model_context(model)
    if ctx is not None:
        operations = list(ctx.HasCoordinateOperation or ())
    if not operations:
        operations = list(model.by_type("IfcCoordinateOperation"))
    for op in operations:
        target = op.TargetCRS
        crs_name = str(target.Name) if target is not None and target.Name else None
        map_unit = _named_unit_m(getattr(target, "MapUnit", None))
        if op.is_a("IfcMapConversion"):
            factors = (1.0, 1.0, 1.0)
            if op.is_a("IfcMapConversionScaled"):
                factors = (float(op.FactorX), float(op.FactorY), float(op.FactorZ))
            return MapConversionParams(
                holder=op.is_a(),
                kind="entity",
                eastings=_float(op.Eastings) or 0.0,
                northings=_float(op.Northings) or 0.0,
                orthogonal_height=_float(op.OrthogonalHeight) or 0.0,
                x_axis_abscissa=_float(op.XAxisAbscissa) or 0.0,
                x_axis_ordinate=_float(op.XAxisOrdinate) or 0.0,
                scale=_float(op.Scale),
                factors=factors,
                crs_name=crs_name,
                map_unit_m=map_unit,
                map_unit_label=None,
            )
        if op.is_a("IfcRigidOperation"):
            first, second = op.FirstCoordinate, op.SecondCoordinate
            if first.is_a("IfcPlaneAngleMeasure") or second.is_a("IfcPlaneAngleMeasure"):
                continue  # to a geographic CRS: not a map conversion
            return MapConversionParams(
                holder="IfcRigidOperation",
                kind="entity",
                eastings=_float(first) or 0.0,
                northings=_float(second) or 0.0,
                orthogonal_height=_float(op.Height) or 0.0,
                x_axis_abscissa=1.0,
                x_axis_ordinate=0.0,
                scale=None,
                factors=(1.0, 1.0, 1.0),
                crs_name=crs_name,
                map_unit_m=map_unit,
                map_unit_label=None,
            )
    return None


def _read_psets(model: ifcopenshell.file) -> MapConversionParams | None:
    for cls in ("IfcSite", "IfcProject"):
        for holder in model.by_type(cls):
            conv = ifcopenshell.util.element.get_pset(holder, "ePSet_MapConversion")
            if not conv:
                continue
            crs = ifcopenshell.util.element.get_pset(holder, "ePSet_ProjectedCRS") or {}
            if not crs:
                for other in model.by_type("IfcSite") + model.by_type("IfcProject"):
                    crs = ifcopenshell.util.element.get_pset(other, "ePSet_ProjectedCRS") or {}
                    if crs:
                        break
            label = crs.get("MapUnit")
            unit_m = None
            if isinstance(label, str) and label.strip():
                unit_m = UNIT_LABELS.get(label.strip().upper().replace(".", ""))
            name = crs.get("Name")
            return MapConversionParams(
                holder=f"ePSet_MapConversion on {cls}",
                kind="pset",
                eastings=_float(conv.get("Eastings")) or 0.0,
                northings=_float(conv.get("Northings")) or 0.0,
                orthogonal_height=_float(conv.get("OrthogonalHeight")) or 0.0,
                x_axis_abscissa=_float(conv.get("XAxisAbscissa")) or 0.0,
                x_axis_ordinate=_float(conv.get("XAxisOrdinate")) or 0.0,
                scale=_float(conv.get("Scale")),
                factors=(1.0, 1.0, 1.0),
                crs_name=str(name) if name else None,
                map_unit_m=unit_m,
                map_unit_label=str(label) if label and unit_m is None else None,
            )
    return None


def compound_angle_deg(value: Any) -> float | None:
    """IfcCompoundPlaneAngleMeasure (degrees, minutes, seconds[, millionths]) -> degrees.

    All components should share one sign; a sign on any of them is taken for the whole.
    """
    if value is None:
        return None
    parts = [int(v) for v in value]
    if not 3 <= len(parts) <= 4:
        return None
    sign = -1.0 if any(v < 0 for v in parts) else 1.0
    scales = (1.0, 60.0, 3600.0, 3.6e9)
    return sign * sum(abs(v) / s for v, s in zip(parts, scales, strict=False))


def read_site_reference(model: ifcopenshell.file, unit_m: float) -> SiteReference | None:
    """The first IfcSite with both RefLatitude and RefLongitude, or None."""
    for site in model.by_type("IfcSite"):
        lat = compound_angle_deg(site.RefLatitude)
        lon = compound_angle_deg(site.RefLongitude)
        if lat is None or lon is None:
            continue
        elevation = _float(site.RefElevation)
        placement = (0.0, 0.0, 0.0)
        if site.ObjectPlacement is not None:
            matrix = ifcopenshell.util.placement.get_local_placement(site.ObjectPlacement)
            placement = tuple(float(v) * unit_m for v in matrix[:3, 3])  # type: ignore[assignment]
        return SiteReference(
            lat=lat,
            lon=lon,
            elevation_m=(elevation or 0.0) * unit_m,
            elevation_given=elevation is not None,
            placement_m=placement,
            raw_lat=tuple(int(v) for v in site.RefLatitude),
            raw_lon=tuple(int(v) for v in site.RefLongitude),
        )
    return None


def true_north(model: ifcopenshell.file) -> tuple[float, float] | None:
    """The model context's TrueNorth (x, y) in model axes, or None."""
    ctx = _model_context(model)
    direction = getattr(ctx, "TrueNorth", None) if ctx is not None else None
    if direction is None:
        return None
    ratios = [float(v) for v in direction.DirectionRatios[:2]]
    if len(ratios) < 2 or math.hypot(*ratios) == 0.0:
        return None
    return ratios[0], ratios[1]


def world_offset_m(model: ifcopenshell.file, unit_m: float) -> tuple[float, ...] | None:
    """The model context's WorldCoordinateSystem as 12 numbers if it is not the identity."""
    ctx = _model_context(model)
    wcs = getattr(ctx, "WorldCoordinateSystem", None) if ctx is not None else None
    if wcs is None:
        return None
    matrix = ifcopenshell.util.placement.get_axis2placement(wcs)
    ident = all(
        math.isclose(float(matrix[i, j]), 1.0 if i == j else 0.0, abs_tol=1e-9)
        for i in range(3)
        for j in range(3)
    ) and all(abs(float(matrix[i, 3])) * unit_m < 1e-6 for i in range(3))
    if ident:
        return None
    return tuple(float(v) for v in matrix[:3, :4].reshape(-1))


# --- a map conversion made computable ------------------------------------------------------


@dataclass(frozen=True)
class GridPlacement:
    """The exact mapping a map conversion defines: model metres (n, 3) -> ECEF (n, 3)."""

    to_ecef: Callable[[F64], F64]
    origin: tuple[float, float, float]  # lon, lat, ellipsoidal height of the model origin
    crs: str  # the CRS named, as an authority code where PROJ knows one
    warnings: tuple[str, ...]
    details: Mapping[str, Any]


def resolve_crs(name: str, from_override: bool) -> pyproj.CRS | str:
    """The horizontal projected CRS, or why not (an override that fails is an error)."""
    what = f"--crs {name!r}" if from_override else f"its CRS {name!r}"
    try:
        crs = pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        reason = f"{what} is not a coordinate reference system known to PROJ"
    else:
        horizontal = crs.sub_crs_list[0] if crs.is_compound else crs
        if horizontal.is_projected:
            return horizontal
        reason = f"{what} is not a projected CRS"
    if from_override:
        raise CRSError(reason)
    return reason


def place_on_grid(
    conv: MapConversionParams, override_crs: str | None, unit_m: float
) -> GridPlacement | str:
    """The map conversion's exact mapping, or why it cannot be used.

    Model coordinates arrive in metres (``unit_m`` per model unit is how the file's
    numbers were converted); ``bim_ingest.georef_units.resolve_unit_chain`` decides the
    map unit of Eastings/Northings/OrthogonalHeight and how ``Scale`` is read.
    """
    name = override_crs or conv.crs_name
    if not name:
        return "it names no CRS"
    horizontal = resolve_crs(name, override_crs is not None)
    if isinstance(horizontal, str):
        return horizontal
    warnings: list[str] = []
    crs_unit = float(horizontal.axis_info[0].unit_conversion_factor)
    if conv.map_unit_label is not None:
        warnings.append(
            f"the map unit {conv.map_unit_label!r} is not understood; the CRS's unit was used"
        )
    transformer = pyproj.Transformer.from_crs(horizontal, "EPSG:4326", always_xy=True)
    raw = (conv.eastings, conv.northings, conv.orthogonal_height)

    def lonlat_of_origin(length_unit: float) -> tuple[float, float]:
        scale = length_unit / crs_unit
        lon, lat = transformer.transform(raw[0] * scale, raw[1] * scale)
        return float(lon), float(lat)

    chain = resolve_unit_chain(
        model_unit_m=unit_m,
        declared_map_unit_m=conv.map_unit_m,
        crs_unit_m=crs_unit,
        scale=conv.scale,
        origin_inside=lambda u: inside_area_of_use(horizontal, *lonlat_of_origin(u)),
        where=f"({raw[0]:.2f}, {raw[1]:.2f}) lie outside the area of use of {name}",
    )
    warnings.extend(chain.warnings)
    lon0, lat0 = lonlat_of_origin(chain.map_unit_m)
    if not (math.isfinite(lon0) and math.isfinite(lat0)):
        return f"its Eastings/Northings do not transform to a position with {name}"
    norm = math.hypot(conv.x_axis_abscissa, conv.x_axis_ordinate)
    a, b = (conv.x_axis_abscissa / norm, conv.x_axis_ordinate / norm) if norm else (1.0, 0.0)
    length_unit, grid_scale = chain.map_unit_m, chain.grid_scale
    operation = transformer.get_last_used_operation()
    e0, n0, h0 = (v * length_unit for v in raw)
    kx, ky, kz = (grid_scale * f for f in conv.factors)

    def to_ecef(pts: F64) -> F64:
        x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
        e = e0 + a * kx * x - b * ky * y
        n = n0 + b * kx * x + a * ky * y
        lon, lat = transformer.transform(e / crs_unit, n / crs_unit)
        return geodetic_to_ecef(np.asarray(lon), np.asarray(lat), h0 + kz * z)

    details = {
        "holder": conv.holder,
        "crs_declared": conv.crs_name,
        "crs_from": "override" if override_crs else "file",
        "crs_horizontal": crs_label(horizontal, horizontal.name),
        "transformation": operation.description,
        "transformation_accuracy_m": operation.accuracy,
        "eastings": raw[0],
        "northings": raw[1],
        "orthogonal_height": raw[2],
        "map_unit_m": chain.map_unit_m,
        "map_unit_from": chain.map_unit_from,
        "map_unit_declared": conv.map_unit_m is not None,
        "unit_fix": chain.unit_fix,
        "x_axis_abscissa": conv.x_axis_abscissa,
        "x_axis_ordinate": conv.x_axis_ordinate,
        "grid_rotation_deg": math.degrees(math.atan2(-b, a)),
        "scale": conv.scale,
        "scale_reading": chain.scale_reading,
        "grid_scale": grid_scale,
        "factors": list(conv.factors),
        "origin_grid_m": [e0, n0, h0],
    }
    label = crs_label(pyproj.CRS.from_user_input(name), name)
    return GridPlacement(to_ecef, (lon0, lat0, h0), label, tuple(warnings), details)


def inside_area_of_use(crs: pyproj.CRS, lon: float, lat: float) -> bool:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return False
    area = crs.area_of_use
    if area is None:
        return True
    west, south, east, north = area.bounds
    in_lon = west <= lon <= east if west <= east else (lon >= west or lon <= east)
    return in_lon and south <= lat <= north


def crs_label(crs: pyproj.CRS, fallback: str) -> str:
    auth = crs.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else fallback
