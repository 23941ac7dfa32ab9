"""Storeys of each building: elevation, floor-to-floor height, above or below ground.

Floor-to-floor heights come from the storey elevations (the next storey's elevation minus
this one's, within one building); the top storey's height is the top of its elements. A
storey is below ground when it lies under the site's ground (its elevation plus its height
at most the ground level, within a centimetre). GB/T 50353-2013 counts a storey whose height
is at least 2.20 m in full, a lower one at half its area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ifcopenshell
import ifcopenshell.util.element
import ifcopenshell.util.placement

from bim_ingest.review.element_shapes import ElementShape

FULL_HEIGHT_M = 2.20  # GB/T 50353-2013: >= 2.20 m counts in full, < 2.20 m at half
EPS_M = 0.005  # heights are compared after rounding to the half centimetre


@dataclass(frozen=True)
class StoreyInfo:
    global_id: str
    name: str
    building_id: str | None
    elevation_m: float
    height_m: float | None  # floor to floor (None: unknown)
    height_source: str
    below_ground: bool

    @property
    def area_factor(self) -> float:
        """1 for a full-height storey, 0.5 for one under 2.20 m (GB/T 50353-2013)."""
        if self.height_m is None:
            return 1.0
        return 1.0 if round(self.height_m, 3) >= FULL_HEIGHT_M - 1e-9 else 0.5


@dataclass(frozen=True)
class Ground:
    z_m: float
    source: str


def storey_elevation_m(storey: Any, unit_m: float) -> float:
    if storey.Elevation is not None:
        return float(storey.Elevation) * unit_m
    if storey.ObjectPlacement is not None:
        matrix = ifcopenshell.util.placement.get_local_placement(storey.ObjectPlacement)
        return float(matrix[2, 3]) * unit_m
    return 0.0


def buildings_with_storeys(model: ifcopenshell.file) -> list[tuple[Any, list[Any]]]:
    """Each IfcBuilding with its storeys; storeys outside any building form one group."""
    out: list[tuple[Any, list[Any]]] = []
    seen: set[int] = set()
    for building in model.by_type("IfcBuilding"):
        parts: Any = ifcopenshell.util.element.get_decomposition(building)
        storeys = [s for s in parts if s.is_a("IfcBuildingStorey")]
        seen.update(s.id() for s in storeys)
        out.append((building, storeys))
    orphans = [s for s in model.by_type("IfcBuildingStorey") if s.id() not in seen]
    if orphans:
        out.append((None, orphans))
    return out


def ground_level(model: ifcopenshell.file, unit_m: float, elevations: Iterable[float]) -> Ground:
    """The site's ground in model metres: IfcBuilding.ElevationOfTerrain relative to its
    ElevationOfRefHeight (the project's +-0.00) when both are given, else the model's 0
    (the +-0.00 level) if a storey stands there, else the lowest storey's elevation."""
    for building in model.by_type("IfcBuilding"):
        terrain = getattr(building, "ElevationOfTerrain", None)
        ref = getattr(building, "ElevationOfRefHeight", None)
        if terrain is not None and ref is not None:
            return Ground(
                (float(terrain) - float(ref)) * unit_m,
                "IfcBuilding.ElevationOfTerrain - ElevationOfRefHeight",
            )
    levels = sorted(elevations)
    if not levels:
        return Ground(0.0, "the model's 0 (no storeys)")
    if any(abs(v) <= EPS_M for v in levels) or levels[0] < 0.0:
        return Ground(0.0, "the model's +-0.00 level")
    return Ground(levels[0], "the lowest storey's elevation")


def read_storeys(
    model: ifcopenshell.file,
    unit_m: float,
    shapes: Iterable[ElementShape],
    ground: Ground | None = None,
) -> tuple[list[StoreyInfo], Ground]:
    """Every storey, lowest first within each building, and the ground level used."""
    tops: dict[str, float] = {}
    for shape in shapes:
        if shape.storey_id is not None:
            tops[shape.storey_id] = max(tops.get(shape.storey_id, -1e18), shape.zmax)
    groups = buildings_with_storeys(model)
    elevations = {s.id(): storey_elevation_m(s, unit_m) for _, storeys in groups for s in storeys}
    ground = ground or ground_level(model, unit_m, elevations.values())
    out: list[StoreyInfo] = []
    for building, storeys in groups:
        ordered = sorted(storeys, key=lambda s: (elevations[s.id()], s.id()))
        for i, storey in enumerate(ordered):
            z = elevations[storey.id()]
            height, source = _height(ordered, i, elevations, tops)
            top = z + height if height is not None else z
            out.append(
                StoreyInfo(
                    global_id=str(storey.GlobalId),
                    name=str(storey.Name or storey.LongName or storey.GlobalId),
                    building_id=str(building.GlobalId) if building is not None else None,
                    elevation_m=z,
                    height_m=height,
                    height_source=source,
                    below_ground=top <= ground.z_m + EPS_M and z < ground.z_m - EPS_M,
                )
            )
    return out, ground


def _height(
    ordered: list[Any], i: int, elevations: Mapping[int, float], tops: Mapping[str, float]
) -> tuple[float | None, str]:
    z = elevations[ordered[i].id()]
    for above in ordered[i + 1 :]:
        dz = elevations[above.id()] - z
        if dz > EPS_M:
            return round(dz, 4), "storey elevations (floor to floor)"
    top = tops.get(str(ordered[i].GlobalId))
    if top is not None and top - z > EPS_M:
        return round(top - z, 4), "the top of its elements (top storey)"
    return None, "unknown"
