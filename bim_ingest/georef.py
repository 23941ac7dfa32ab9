"""Where an IFC model sits on Earth: one affine from model metres to a local ENU frame.

ifcopenshell's geometry iterator (``use-world-coords``) yields triangles in the model's
engineering coordinates, in metres, and does not apply ``IfcMapConversion``; this module
supplies the placement. Sources, first usable wins (``override.origin`` beats them all):

1. ``IfcMapConversion`` + ``IfcProjectedCRS`` (IFC4/IFC4X3), ``source="map_conversion"``;
2. IFC2X3 ``ePSet_MapConversion`` + ``ePSet_ProjectedCRS``, ``source="map_conversion_pset"``;
3. ``IfcSite`` RefLatitude/RefLongitude/RefElevation with ``TrueNorth``, ``"site_reference"``;
4. ``--origin`` / ``--rotation`` (``"cli_origin"``), else the city's default origin.

A building is small, so the exact mapping (through the map projection with pyproj) is
replaced by its affine tangent at the model origin: grid convergence and the projection's
scale factor are kept, and the curvature left out stays below a centimetre 300 m away.

Rotation convention (``GeoOverride.rotation_deg``, ``details["rotation_deg"]``): the
azimuth of the model's +Y axis, degrees clockwise from true north; 90 puts model +Y east
and model +X south. A context ``TrueNorth`` of (tx, ty) (true north seen in model axes)
gives ``-atan2(tx, ty)``. For a map conversion ``details["rotation_deg"]`` is read off the
affine, so it includes the grid convergence; ``details["enu_scale"]`` is its scale.
Heights: OrthogonalHeight and RefElevation are used as ellipsoidal heights (no geoid).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import ifcopenshell
import numpy as np
import numpy.typing as npt
import pyproj

from bim_ingest.georef_sources import (
    GridPlacement,
    SiteReference,
    place_on_grid,
    read_map_conversion,
    read_site_reference,
    true_north,
    world_offset_m,
)
from bim_ingest.georef_units import model_length_unit
from tiles.geodesy import EnuFrame, ecef_to_geodetic
from twin.errors import ConfigError, CRSError, InvalidInputError

F64 = npt.NDArray[np.float64]
GeorefSource = Literal[
    "map_conversion", "map_conversion_pset", "site_reference", "cli_origin", "default_origin"
]
ToEcef = Callable[[F64], F64]

HEIGHTS_NOTE = (
    "OrthogonalHeight and RefElevation are taken as ellipsoidal (WGS84) heights; "
    "no geoid model is applied"
)
ORIGIN_HINT = "pass --origin LON,LAT,H [--rotation DEG] to place it"
CONTRADICTION_M = 5000.0  # map conversion vs site reference: farther apart is worth a warning
DEFAULT_SITE_RADIUS_M = 2000.0
# Default project locations of authoring tools (seen in the sample data).
AUTHORING_DEFAULTS = (
    ("Boston, USA (Revit's default project location)", 42.3584, -71.0598),
    ("Chicago, USA (an older Revit default project location)", 41.8744, -87.6394),
)
_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class GeoOverride:
    """Placement given on the command line."""

    origin: tuple[float, float, float] | None = None  # lon, lat, ellipsoidal h of model origin
    rotation_deg: float | None = None  # azimuth of model +Y, clockwise from north; default 0
    crs: str | None = None  # CRS of the map conversion (supplies/replaces IfcProjectedCRS)


@dataclass(frozen=True)
class Georeference:
    """Model metres -> ENU metres of ``frame`` (one affine), and how it was decided."""

    source: GeorefSource
    crs: str
    frame: EnuFrame
    matrix: tuple[float, ...]  # row-major 4x4: model metres -> frame ENU metres
    warnings: tuple[str, ...]
    details: Mapping[str, Any] = field(hash=False)

    def __post_init__(self) -> None:
        # a private copy (a plain dict, so that the record pickles for worker processes)
        object.__setattr__(self, "details", dict(self.details))

    def _m(self) -> F64:
        return np.asarray(self.matrix, dtype=np.float64).reshape(4, 4)

    def to_enu(self, xyz: F64) -> F64:
        m = self._m()
        pts = np.asarray(xyz, dtype=np.float64).reshape(-1, 3)
        out: F64 = pts @ m[:3, :3].T + m[:3, 3]
        return out

    def to_lonlat(self, xyz: F64) -> F64:
        ecef = self.frame.origin_ecef + self.to_enu(xyz) @ self.frame.rotation
        lon, lat, h = ecef_to_geodetic(ecef)
        return np.column_stack([lon, lat, h])

    def to_dict(self) -> dict[str, Any]:
        out = {
            "source": self.source,
            "crs": self.crs,
            "frame": {"lon": self.frame.lon, "lat": self.frame.lat, "height": self.frame.height},
            "matrix": list(self.matrix),
            "warnings": list(self.warnings),
            "details": dict(self.details),
        }
        parsed: dict[str, Any] = json.loads(json.dumps(out, allow_nan=False))
        return parsed


def georeference(
    model: ifcopenshell.file,
    *,
    override: GeoOverride | None = None,
    fallback_origin: tuple[float, float, float] | None = None,
) -> Georeference:
    """Place ``model``; warnings for implausible georeferences, errors only when impossible."""
    override = override or GeoOverride()
    _check_origin(override.origin, InvalidInputError, "--origin")
    _check_origin(fallback_origin, ConfigError, "the default origin")
    rotation = override.rotation_deg
    if rotation is not None and not math.isfinite(rotation):
        raise InvalidInputError("--rotation must be a finite number of degrees")
    unit = model_length_unit(model)
    unit_m = unit.metres
    conversion = read_map_conversion(model)
    site = read_site_reference(model, unit_m)
    warnings: list[str] = list(unit.warnings)
    details: dict[str, Any] = {"model_length_unit_m": unit_m, "heights": HEIGHTS_NOTE}
    if (wcs := world_offset_m(model, unit_m)) is not None:
        details["world_coordinate_system"] = list(wcs)
        warnings.append("the model's world coordinate system is not the identity; it was ignored")

    if override.origin is not None:
        in_file = conversion.holder if conversion else "IfcSite reference" if site else None
        details["file_georeference"] = in_file
        turn = (rotation or 0.0, "override" if rotation is not None else "none")
        return _local("cli_origin", override.origin, turn, warnings, details)

    failure: str | None = None
    if conversion is not None:
        placed = place_on_grid(conversion, override.crs, unit_m)
        if isinstance(placed, GridPlacement):
            if rotation is not None:
                warnings.append(
                    "--rotation was ignored: the model's map conversion gives its orientation "
                    "(pass --origin as well to place the model by hand)"
                )
            source: GeorefSource = (
                "map_conversion" if conversion.kind == "entity" else "map_conversion_pset"
            )
            return _on_grid(source, placed, site, warnings, details)
        failure = placed
        warnings.append(f"the model's map conversion was not used: {failure}")
    elif override.crs is not None:
        warnings.append("--crs was ignored: the model has no map conversion")

    if site is not None:
        return _from_site(model, site, rotation, warnings, details)
    if failure is not None:
        raise CRSError(
            f"the IFC model's map conversion cannot be used: {failure}; pass --crs EPSG:CODE, "
            f"or {ORIGIN_HINT}"
        )
    problem = (
        "the IFC model is not georeferenced (no IfcMapConversion, no ePSet_MapConversion "
        "and no IfcSite RefLatitude/RefLongitude)"
    )
    if fallback_origin is None:
        raise InvalidInputError(f"{problem}: {ORIGIN_HINT}")
    lon, lat, _ = fallback_origin
    warnings.append(
        f"{problem}; it was placed at the city's default origin ({lat:.6f}, {lon:.6f}): "
        f"{ORIGIN_HINT}"
    )
    turn = (rotation or 0.0, "override" if rotation is not None else "none")
    return _local("default_origin", fallback_origin, turn, warnings, details)


def _check_origin(
    origin: tuple[float, float, float] | None,
    error: type[InvalidInputError | ConfigError],
    what: str,
) -> None:
    if origin is None:
        return
    lon, lat, h = (float(v) for v in origin)
    if not (
        all(math.isfinite(v) for v in (lon, lat, h)) and -180 <= lon <= 180 and -90 <= lat <= 90
    ):
        raise error(f"{what} must be LON,LAT,H with -180 <= LON <= 180 and -90 <= LAT <= 90")


def _on_grid(
    source: GeorefSource,
    placed: GridPlacement,
    site: SiteReference | None,
    warnings: list[str],
    details: dict[str, Any],
) -> Georeference:
    warnings.extend(placed.warnings)
    details.update(placed.details)
    frame, matrix = _fit(placed.to_ecef, EnuFrame(*placed.origin))
    if site is not None:
        details["site"] = _site_record(site)
        dist = float(_GEOD.inv(site.lon, site.lat, frame.lon, frame.lat)[2])
        details["site_distance_m"] = dist
        if dist > CONTRADICTION_M:
            default = _authoring_default(site)
            note = f"; it is {default}, not a surveyed position" if default else ""
            warnings.append(
                f"the IfcSite reference ({site.lat:.5f}, {site.lon:.5f}) is {dist / 1000:,.1f} km "
                f"from where the map conversion places the model{note}; the map conversion was used"
            )
    return _result(source, placed.crs, frame, matrix, warnings, details)


# --- site reference and given origins ----------------------------------------------------


def _authoring_default(site: SiteReference) -> str | None:
    for name, lat, lon in AUTHORING_DEFAULTS:
        if float(_GEOD.inv(site.lon, site.lat, lon, lat)[2]) < DEFAULT_SITE_RADIUS_M:
            return f"near {name}"
    return None


def _site_record(site: SiteReference) -> dict[str, Any]:
    return {
        "lat": site.lat,
        "lon": site.lon,
        "elevation_m": site.elevation_m,
        "elevation_given": site.elevation_given,
        "ref_latitude": list(site.raw_lat),
        "ref_longitude": list(site.raw_lon),
        "placement_m": list(site.placement_m),
    }


def _from_site(
    model: ifcopenshell.file,
    site: SiteReference,
    rotation: float | None,
    warnings: list[str],
    details: dict[str, Any],
) -> Georeference:
    details["site"] = _site_record(site)
    north = true_north(model)
    details["true_north"] = list(north) if north else None
    if rotation is not None:
        turn = (rotation, "override")
    elif north is not None:
        turn = (-math.degrees(math.atan2(north[0], north[1])), "TrueNorth")
    else:
        turn = (0.0, "none")
    if site.lat == 0.0 and site.lon == 0.0:
        warnings.append(
            "the IfcSite reference is exactly 0, 0 (an unset value, off the coast of Africa): "
            f"the model is probably misplaced; {ORIGIN_HINT}"
        )
    elif default := _authoring_default(site):
        warnings.append(
            f"the IfcSite reference ({site.lat:.5f}, {site.lon:.5f}) is {default}, not a "
            f"surveyed position: the model is probably misplaced; {ORIGIN_HINT}"
        )
    at = (site.lon, site.lat, site.elevation_m)
    return _local("site_reference", at, turn, warnings, details, site.placement_m)


def _local(
    source: GeorefSource,
    at: tuple[float, float, float],
    turn: tuple[float, str],
    warnings: list[str],
    details: dict[str, Any],
    ref_point: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> Georeference:
    """Model point ``ref_point`` at ``at`` (lon, lat, h); model +Y at azimuth ``turn[0]``."""
    ref_frame = EnuFrame(*(float(v) for v in at))
    t = math.radians(turn[0])
    rot = np.array([[math.cos(t), math.sin(t), 0.0], [-math.sin(t), math.cos(t), 0.0], [0, 0, 1]])
    ref = np.asarray(ref_point, dtype=np.float64)

    def to_ecef(pts: F64) -> F64:
        out: F64 = ref_frame.origin_ecef + ((pts - ref) @ rot.T) @ ref_frame.rotation
        return out

    frame, matrix = _fit(to_ecef, None if ref.any() else ref_frame)
    details.update(rotation_deg=turn[0], rotation_from=turn[1])
    return _result(source, "EPSG:4326", frame, matrix, warnings, details)


# --- the affine ---------------------------------------------------------------------------


def _fit(to_ecef: ToEcef, frame: EnuFrame | None, step: float = 10.0) -> tuple[EnuFrame, F64]:
    """ENU frame at the model origin and the tangent affine (central differences)."""
    origin = to_ecef(np.zeros((1, 3)))
    if frame is None:
        lon, lat, h = ecef_to_geodetic(origin)
        frame = EnuFrame(float(lon[0]), float(lat[0]), float(h[0]))
    probes = np.vstack([np.eye(3) * step, -np.eye(3) * step])
    enu = frame.from_ecef(to_ecef(probes))
    m = np.eye(4)
    m[:3, :3] = ((enu[:3] - enu[3:]) / (2.0 * step)).T
    m[:3, 3] = frame.from_ecef(origin)[0]
    return frame, m


def _result(
    source: GeorefSource,
    crs: str,
    frame: EnuFrame,
    m: F64,
    warnings: list[str],
    details: dict[str, Any],
) -> Georeference:
    details["origin"] = {"lon": frame.lon, "lat": frame.lat, "height": frame.height}
    details.setdefault("rotation_deg", math.degrees(math.atan2(m[0, 1], m[1, 1])))
    details["enu_scale"] = math.hypot(m[0, 1], m[1, 1])
    return Georeference(
        source=source,
        crs=crs,
        frame=frame,
        matrix=tuple(float(v) for v in m.reshape(-1)),
        warnings=tuple(warnings),
        details=details,
    )
