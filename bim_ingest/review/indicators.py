"""Planning indicators measured from the model: floor areas, FAR, height, storeys, coverage,
green ratio. Every figure says where it came from (geometry or a quantity set).

Floor area of a storey (GB/T 50353-2013): the plan area of its floor slabs (the union of
their footprints), else of its spaces, else the quantity set
``Qto_BuildingStoreyBaseQuantities.GrossFloorArea``; counted in full for a storey height of
at least 2.20 m and at half below. The counted floor area (计容建筑面积) and the FAR sum the
storeys above ground; the gross floor area sums all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ifcopenshell
import ifcopenshell.util.element

from bim_ingest.review.element_shapes import ElementShape, looks_green, union_area
from bim_ingest.review.storeys import Ground, StoreyInfo

FLOOR_SLABS = {None, "FLOOR", "BASESLAB", "NOTDEFINED", "USERDEFINED"}
ROOF_TYPES = {"ROOF", "ROOFING"}
PARAPET_CLASSES = ("IfcWall", "IfcRailing", "IfcCovering", "IfcMember", "IfcPlate")


@dataclass(frozen=True)
class StoreyArea:
    storey: StoreyInfo
    area_m2: float
    area_source: str  # "IfcSlab footprints", "IfcSpace footprints", "Qto_...", "none"
    quantity_set_m2: float | None  # what the file's quantity set states, for comparison
    counted_m2: float  # area x the GB/T 50353 factor


@dataclass(frozen=True)
class Figure:
    value: float | None
    source: str
    element_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicators:
    storeys: tuple[StoreyArea, ...]
    gross_floor_area: Figure  # all storeys, counted
    counted_floor_area: Figure  # 计容建筑面积: storeys above ground, counted
    site_area: Figure
    far: Figure
    height: Figure  # ground to the highest roof element
    height_to_parapet: Figure  # ground to the highest point (parapets, railings included)
    storeys_above: int
    storeys_below: int
    base_area: Figure  # plan area of the building at ground level
    coverage: Figure
    green_area: Figure
    green_ratio: Figure
    ground: Ground
    roof_elements: tuple[str, ...] = ()  # what the height is measured to


FLOOR_TOLERANCE_M = 0.3  # a slab's top (a space's floor) may stand this far above its level


def storey_by_elevation(
    storeys: Sequence[StoreyInfo], shapes: Sequence[ElementShape]
) -> dict[str, str]:
    """Floor slabs and spaces -> the storey they are the floor of, by elevation.

    Authoring tools often contain every slab in the ground storey (Revit); a floor belongs
    to the highest storey of its building whose elevation is at most its level (a slab's
    top, a space's bottom) plus 0.3 m."""
    info = {s.global_id: s for s in storeys}
    by_building: dict[str | None, list[StoreyInfo]] = {}
    for s in storeys:
        by_building.setdefault(s.building_id, []).append(s)
    for group in by_building.values():
        group.sort(key=lambda s: s.elevation_m)
    out: dict[str, str] = {}
    for shape in shapes:
        floor = shape.ifc_class == "IfcSlab" and shape.predefined_type in FLOOR_SLABS
        if not (floor or shape.ifc_class == "IfcSpace") or shape.storey_id not in info:
            continue
        level = shape.zmax if floor else shape.zmin
        group = by_building[info[shape.storey_id].building_id]
        below = [s for s in group if s.elevation_m <= level + FLOOR_TOLERANCE_M]
        out[shape.global_id] = (below[-1] if below else group[0]).global_id
    return out


def storey_areas(
    model: ifcopenshell.file,
    storeys: Sequence[StoreyInfo],
    shapes: Sequence[ElementShape],
    green_ids: set[str],
) -> list[StoreyArea]:
    floors_of = storey_by_elevation(storeys, shapes)
    by_storey: dict[str, list[ElementShape]] = {}
    for shape in shapes:
        storey = floors_of.get(shape.global_id)
        if storey is not None:
            by_storey.setdefault(storey, []).append(shape)
    out = []
    for info in storeys:
        mine = by_storey.get(info.global_id, [])
        qto = _storey_qto(model, info.global_id)
        slabs = [s for s in mine if s.ifc_class == "IfcSlab"]
        spaces = [s for s in mine if s.ifc_class == "IfcSpace" and s.global_id not in green_ids]
        moved = sum(1 for s in slabs or spaces if s.storey_id != info.global_id)
        note = f" ({moved} assigned by elevation)" if moved else ""
        if slabs:
            area, source = union_area(slabs), f"IfcSlab footprints{note}"
        elif spaces:
            area, source = union_area(spaces), f"IfcSpace footprints{note}"
        elif qto is not None:
            area, source = qto, "Qto_BuildingStoreyBaseQuantities.GrossFloorArea"
        else:
            area, source = 0.0, "none (no floor slabs, spaces or quantities)"
        out.append(StoreyArea(info, area, source, qto, area * info.area_factor))
    return out


def _storey_qto(model: ifcopenshell.file, global_id: str) -> float | None:
    storey = model.by_guid(global_id)
    qto = ifcopenshell.util.element.get_pset(storey, "Qto_BuildingStoreyBaseQuantities") or {}
    value = qto.get("GrossFloorArea")
    return float(value) if isinstance(value, int | float) and value > 0 else None


def is_roof(model: ifcopenshell.file, shape: ElementShape) -> bool:
    """IfcRoof, its parts, roof slabs and roofing."""
    if shape.ifc_class == "IfcRoof" or shape.predefined_type in ROOF_TYPES:
        return True
    element: Any = model.by_guid(shape.global_id)
    whole: Any = ifcopenshell.util.element.get_aggregate(element)
    return whole is not None and whole.is_a("IfcRoof")


def is_green(model: ifcopenshell.file, shape: ElementShape) -> bool:
    element: Any = model.by_guid(shape.global_id)
    if element.is_a("IfcGeographicElement") and shape.predefined_type in {"VEGETATION", "TERRAIN"}:
        return shape.predefined_type == "VEGETATION"
    if not element.is_a("IfcSpace") and not element.is_a("IfcGeographicElement"):
        return False
    return looks_green(element)


def compute_indicators(
    model: ifcopenshell.file,
    storeys: Sequence[StoreyInfo],
    shapes: Sequence[ElementShape],
    ground: Ground,
    site_area: Figure,
) -> Indicators:
    greens = [s for s in shapes if is_green(model, s)]
    areas = storey_areas(model, storeys, shapes, {s.global_id for s in greens})
    above = [a for a in areas if not a.storey.below_ground and a.area_m2 > 0]
    below = [a for a in areas if a.storey.below_ground and a.area_m2 > 0]
    gfa = Figure(sum(a.counted_m2 for a in areas), _sources(areas))
    counted = Figure(sum(a.counted_m2 for a in above), _sources(above))
    far = _ratio(counted.value, site_area, "counted floor area / site area")

    roofs = [s for s in shapes if is_roof(model, s)]
    roof_source = "the highest roof element (IfcRoof, roof slabs, roofing)"
    if not roofs:
        roofs = [
            s
            for s in shapes
            if not s.ifc_class.startswith(("IfcRailing", "IfcGeographic"))
            and s.predefined_type != "PARAPET"
        ]
        roof_source = "the highest element (the model has no roof elements)"
    height = _height(roofs, ground, roof_source)
    roof_ids = {s.global_id for s in roofs}
    tall = [s for s in shapes if s.ifc_class.startswith(PARAPET_CLASSES) or s.global_id in roof_ids]
    parapet = _height(tall or roofs, ground, "the highest point (parapets and railings too)")

    lowest = [a.storey.global_id for a in sorted(above, key=lambda a: a.storey.elevation_m)[:1]]
    ground_storey = [s for s in shapes if s.storey_id in lowest and s.ifc_class != "IfcSpace"]
    base = Figure(
        union_area(ground_storey),
        "geometry: plan footprint of the ground storey's elements",
        tuple(s.global_id for s in ground_storey),
    )
    coverage = _ratio(base.value, site_area, "base area / site area")
    green = Figure(
        union_area(greens) if greens else None,
        "geometry: footprints of green spaces" if greens else "no green spaces are modelled",
        tuple(s.global_id for s in greens),
    )
    green_ratio = (
        _ratio(green.value, site_area, "green area / site area")
        if greens
        else Figure(None, "not applicable: no green spaces are modelled")
    )
    return Indicators(
        storeys=tuple(areas),
        gross_floor_area=gfa,
        counted_floor_area=counted,
        site_area=site_area,
        far=far,
        height=height,
        height_to_parapet=parapet,
        storeys_above=len(above),
        storeys_below=len(below),
        base_area=base,
        coverage=coverage,
        green_area=green,
        green_ratio=green_ratio,
        ground=ground,
        roof_elements=tuple(s.global_id for s in roofs),
    )


def _sources(areas: Sequence[StoreyArea]) -> str:
    names = sorted({a.area_source for a in areas if a.area_m2 > 0})
    return "; ".join(names) if names else "none"


def _ratio(value: float | None, site_area: Figure, what: str) -> Figure:
    if value is None or site_area.value is None or site_area.value <= 0:
        return Figure(None, f"{what}: not applicable (no site area)")
    return Figure(value / site_area.value, what)


def _height(shapes: Sequence[ElementShape], ground: Ground, source: str) -> Figure:
    if not shapes:
        return Figure(None, "no roof or slab geometry")
    top = max(s.zmax for s in shapes)
    highest = tuple(s.global_id for s in shapes if s.zmax >= top - 0.01)
    return Figure(round(top - ground.z_m, 4), f"{source}, above {ground.source}", highest)
