"""The unit chain of a map conversion, worked out once: model unit -> metres -> map units.

Three lengths meet in an ``IfcMapConversion`` (or IFC2X3 ``ePSet_MapConversion``):

1. the **model length unit** (the project's ``LENGTHUNIT``): what the geometry engine reads
   coordinates in. ifcopenshell's kernel takes the *last* length unit of the project's unit
   assignment, so that is the one used here too (ifcopenshell's ``calculate_unit_scale``
   multiplies them all, and a file listing millimetres twice then reads as micrometres);
2. the **map unit** of Eastings, Northings and OrthogonalHeight: ``MapUnit`` when given;
   when omitted the IFC schema says the project length unit, while most exporters write
   the CRS's own unit (metres) there. Both are tried; the reading that puts the origin
   inside the CRS's area of use wins, then the one the ``Scale`` implies (model unit /
   Scale), then the CRS's unit. A declared unit contradicted by the area of use while the
   model's length unit fits is Revit's quirk (millimetre eastings under a METRE map unit):
   read in the model's unit, with a warning;
3. the **Scale**: map units per model unit, the unit conversion included (the schema's
   reading: a millimetre model to a metre map has Scale 0.001), or a factor on top of it
   (Revit writes 1 there). Whichever reading leaves grid metres per model metre nearer 1
   is taken; a Scale that is implausible either way (1 model metre > 2 m or < 0.5 m, e.g.
   0.001 in a metre model) is a unit conversion the model's own unit already gives: it is
   ignored, with a warning, so a building is never 1000x too big or too small.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ifcopenshell
import ifcopenshell.util.unit

_UNIT_NAMES = {
    1.0: "metre",
    0.1: "decimetre",
    0.01: "centimetre",
    0.001: "millimetre",
    0.3048: "foot",
    1200.0 / 3937.0: "US survey foot",
    0.0254: "inch",
    1000.0: "kilometre",
}
# Labels an IFC2X3 ePSet_ProjectedCRS.MapUnit may carry, in metres.
UNIT_LABELS = {
    "METRE": 1.0,
    "METER": 1.0,
    "M": 1.0,
    "MILLIMETRE": 0.001,
    "MILLIMETER": 0.001,
    "MM": 0.001,
    "CENTIMETRE": 0.01,
    "CENTIMETER": 0.01,
    "FOOT": 0.3048,
    "FEET": 0.3048,
    "FT": 0.3048,
    "US SURVEY FOOT": 1200.0 / 3937.0,
    "US_SURVEY_FOOT": 1200.0 / 3937.0,
}
PLAUSIBLE_GRID_SCALE = (0.5, 2.0)  # grid metres per model metre; real ones are ~0.9996
SCALE_HINT_TOLERANCE = 0.05  # model unit / Scale within 5% of a map unit candidate


def unit_name(metres: float) -> str:
    for value, name in _UNIT_NAMES.items():
        if math.isclose(metres, value, rel_tol=1e-9):
            return name
    return f"{metres:g} m"


@dataclass(frozen=True)
class ModelUnit:
    """Metres per model length unit, as the geometry engine reads it."""

    metres: float
    warnings: tuple[str, ...]


def model_length_unit(model: ifcopenshell.file) -> ModelUnit:
    """The project's length unit (the last one declared, as ifcopenshell's kernel takes)."""
    projects = model.by_type("IfcProject")
    units = projects[0].UnitsInContext if projects else None
    declared: list[float] = []
    for unit in (units.Units or ()) if units is not None else ():
        if getattr(unit, "UnitType", None) != "LENGTHUNIT":
            continue
        try:
            declared.append(float(ifcopenshell.util.unit.get_named_unit_scale(unit)))
        except (AttributeError, TypeError, ValueError):
            continue
    good = [v for v in declared if math.isfinite(v) and v > 0]
    if not good:
        return ModelUnit(1.0, ())
    metres = good[-1]
    warnings: tuple[str, ...] = ()
    if any(not math.isclose(v, metres, rel_tol=1e-9) for v in good) or len(good) < len(declared):
        names = ", ".join(unit_name(v) for v in declared)
        warnings = (
            f"the project declares {len(declared)} length units ({names}); the last, "
            f"{unit_name(metres)}, was used, as the geometry engine does",
        )
    return ModelUnit(metres, warnings)


@dataclass(frozen=True)
class UnitChain:
    """How a map conversion's numbers become metres."""

    map_unit_m: float  # metres per unit of Eastings / Northings / OrthogonalHeight
    map_unit_from: str  # "MapUnit", "the CRS's unit", "the project length unit", ...
    grid_scale: float  # grid metres per model metre (Scale with the units taken out)
    scale_reading: str
    unit_fix: dict[str, Any] | None  # a declared MapUnit overruled by the area of use
    warnings: tuple[str, ...]


def resolve_unit_chain(
    *,
    model_unit_m: float,
    declared_map_unit_m: float | None,
    crs_unit_m: float,
    scale: float | None,
    origin_inside: Callable[[float], bool],
    where: str,
) -> UnitChain:
    """The unit chain of one map conversion.

    ``origin_inside(metres_per_map_unit)`` says whether the Eastings/Northings read in that
    unit lie inside the CRS's area of use; ``where`` describes them for warnings.
    """
    warnings: list[str] = []
    usable_scale = scale if scale is not None and math.isfinite(scale) and scale > 0 else None
    unit_fix: dict[str, Any] | None = None
    if declared_map_unit_m is not None:
        map_unit, source = declared_map_unit_m, "MapUnit"
        overruled = _differs(model_unit_m, map_unit) and not origin_inside(map_unit)
        if overruled and origin_inside(model_unit_m):
            unit_fix = _unit_fix(map_unit, model_unit_m, where, warnings)
            map_unit, source = model_unit_m, "the model's length unit (MapUnit overruled)"
    else:
        map_unit, source = _omitted_map_unit(model_unit_m, crs_unit_m, usable_scale, origin_inside)
    if unit_fix is None and not origin_inside(map_unit):
        warnings.append(f"the map conversion's Eastings/Northings {where}")
    grid, reading, scale_warning = _grid_scale(model_unit_m / map_unit, usable_scale, model_unit_m)
    if scale_warning:
        warnings.append(scale_warning)
    elif abs(grid - 1.0) > 0.01:
        warnings.append(f"the map conversion's scale makes 1 model metre {grid:g} m")
    return UnitChain(map_unit, source, grid, reading, unit_fix, tuple(warnings))


def _unit_fix(declared_m: float, read_m: float, where: str, warnings: list[str]) -> dict[str, Any]:
    declared, read = unit_name(declared_m), unit_name(read_m)
    warnings.append(
        f"the map conversion's Eastings/Northings {where} when read in {declared}s, "
        f"but inside it in the model's length unit; they were read as {read}s"
    )
    return {"declared": declared, "read_in": read, "divisor": declared_m / read_m}


def _differs(a: float, b: float) -> bool:
    return not math.isclose(a, b, rel_tol=1e-9)


def _omitted_map_unit(
    model_unit_m: float,
    crs_unit_m: float,
    scale: float | None,
    origin_inside: Callable[[float], bool],
) -> tuple[float, str]:
    candidates = [(crs_unit_m, "the CRS's unit (MapUnit omitted)")]
    if _differs(model_unit_m, crs_unit_m):
        candidates.append((model_unit_m, "the project length unit (MapUnit omitted)"))
    if scale is not None:
        implied = model_unit_m / scale  # the map unit if Scale is the unit conversion
        candidates.sort(key=lambda c: abs(math.log(implied / c[0])) > SCALE_HINT_TOLERANCE)
    inside = [c for c in candidates if origin_inside(c[0])]
    return (inside or candidates)[0]


def _grid_scale(
    ratio: float, scale: float | None, model_unit_m: float
) -> tuple[float, str, str | None]:
    """Grid metres per model metre; ``ratio`` is map units per model unit by units alone."""
    if scale is None:
        return 1.0, "omitted: the unit conversion alone", None
    readings = [
        (scale / ratio, "map units per model unit (the unit conversion included)"),
        (scale, "a factor on top of the unit conversion"),
    ]
    grid, reading = min(readings, key=lambda r: abs(math.log(r[0])))
    low, high = PLAUSIBLE_GRID_SCALE
    if low <= grid <= high:
        return grid, reading, None
    warning = (
        f"the map conversion's Scale {scale:g} would make 1 model metre {grid:g} m whichever "
        f"way it is read; it was ignored as a unit conversion that the model's length unit "
        f"({unit_name(model_unit_m)}) already gives"
    )
    return 1.0, "ignored: implausible either way", warning
