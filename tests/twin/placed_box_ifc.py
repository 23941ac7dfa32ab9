"""A 24 m x 14 m, 5-storey block written with every unit chain a map conversion can carry.

The block is the same in every variant; only how the file states its units and its map
conversion changes: model length unit (metre / millimetre), ``Scale`` (given or omitted),
``MapUnit`` (metre or omitted), rotation, IFC4 ``IfcMapConversion`` or IFC2X3
``ePSet_MapConversion``, Eastings/Northings written in metres or in millimetres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.context
import ifcopenshell.api.geometry
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.unit
import numpy as np

LENGTH_M, WIDTH_M, STOREY_M, STOREYS = 24.0, 14.0, 3.0, 5
CRS = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E (metres)
EASTINGS, NORTHINGS, HEIGHT = 529_100.0, 3_384_500.0, 25.0


@dataclass(frozen=True)
class UnitCase:
    schema: str = "IFC4"  # IFC4: IfcMapConversion; IFC2X3: ePSet_MapConversion on IfcSite
    model_unit: str = "mm"  # "m" or "mm"
    scale: float | None = 0.001
    map_unit: str | None = None  # "METRE" or None (omitted)
    rotation_deg: float = 30.0  # the map conversion's XAxis, anticlockwise from grid east
    eastings_in_mm: bool = False  # Eastings/Northings/Height written in millimetres
    duplicate_length_unit: bool = False  # the unit assignment lists the length unit twice

    @property
    def label(self) -> str:
        scale = "omitted" if self.scale is None else f"{self.scale:g}"
        extra = "-EN_mm" if self.eastings_in_mm else ""
        extra += "-dup_unit" if self.duplicate_length_unit else ""
        return (
            f"{self.schema}-{self.model_unit}-scale_{scale}-mapunit_{self.map_unit or 'omitted'}"
            f"-rot_{self.rotation_deg:g}{extra}"
        )


def grid_of(case: UnitCase, xyz_m: np.ndarray) -> np.ndarray:
    """Where model points (metres) belong on the CGCS2000 grid: E, N (m) and height (m)."""
    t = math.radians(case.rotation_deg)
    a, b = math.cos(t), math.sin(t)
    x, y, z = xyz_m[:, 0], xyz_m[:, 1], xyz_m[:, 2]
    return np.column_stack([EASTINGS + a * x - b * y, NORTHINGS + b * x + a * y, HEIGHT + z])


def corners_m() -> np.ndarray:
    xy = [(0.0, 0.0), (LENGTH_M, 0.0), (LENGTH_M, WIDTH_M), (0.0, WIDTH_M)]
    return np.array([(x, y, z) for z in (0.0, STOREY_M * STOREYS) for x, y in xy])


def write_box(case: UnitCase, path: Path) -> Path:
    f = ifcopenshell.file(schema=case.schema)
    if case.schema == "IFC2X3":  # owner histories are mandatory there
        org = f.createIfcOrganization(None, "twin tests")
        f.createIfcPersonAndOrganization(f.createIfcPerson(), org)
        f.createIfcApplication(org, "1", "twin tests", "twin-tests")
    project = ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="box")
    prefix = "MILLI" if case.model_unit == "mm" else None
    length = ifcopenshell.api.unit.add_si_unit(f, unit_type="LENGTHUNIT", prefix=prefix)
    ifcopenshell.api.unit.assign_unit(f, units=[length])
    model = ifcopenshell.api.context.add_context(f, context_type="Model")
    body = ifcopenshell.api.context.add_context(
        f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW", parent=model
    )
    site = ifcopenshell.api.root.create_entity(f, ifc_class="IfcSite", name="site")
    ifcopenshell.api.aggregate.assign_object(f, products=[site], relating_object=project)
    building = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuilding", name="block")
    ifcopenshell.api.aggregate.assign_object(f, products=[building], relating_object=site)
    for i in range(STOREYS):
        storey = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuildingStorey", name=f"L{i}")
        ifcopenshell.api.aggregate.assign_object(f, products=[storey], relating_object=building)
        at = np.eye(4)
        at[2, 3] = i * STOREY_M
        ifcopenshell.api.geometry.edit_object_placement(f, product=storey, matrix=at)
        storey.Elevation = i * STOREY_M * (1000.0 if case.model_unit == "mm" else 1.0)
        block = ifcopenshell.api.root.create_entity(
            f, ifc_class="IfcBuildingElementProxy", name=f"block L{i}"
        )
        ifcopenshell.api.spatial.assign_container(f, products=[block], relating_structure=storey)
        ifcopenshell.api.geometry.edit_object_placement(f, product=block, matrix=at)
        rep = ifcopenshell.api.geometry.add_mesh_representation(
            f, context=body, vertices=[_box_vertices()], faces=[_BOX_FACES]
        )
        ifcopenshell.api.geometry.assign_representation(f, product=block, representation=rep)
    _georeference(f, case, model, site)
    if case.duplicate_length_unit:  # after the geometry: ifcopenshell.api reads units too
        (assignment,) = f.by_type("IfcUnitAssignment")
        again = f.createIfcSIUnit(None, "LENGTHUNIT", prefix, "METRE")
        assignment.Units = (*assignment.Units, again)
    f.write(str(path))
    return path


_BOX_FACES = [(0, 3, 2, 1), (4, 5, 6, 7), (0, 1, 5, 4), (1, 2, 6, 5), (2, 3, 7, 6), (3, 0, 4, 7)]


def _box_vertices() -> list[tuple[float, float, float]]:
    xy = [(0.0, 0.0), (LENGTH_M, 0.0), (LENGTH_M, WIDTH_M), (0.0, WIDTH_M)]
    return [(x, y, z) for z in (0.0, STOREY_M) for x, y in xy]


def _georeference(
    f: ifcopenshell.file,
    case: UnitCase,
    context: ifcopenshell.entity_instance,
    site: ifcopenshell.entity_instance,
) -> None:
    k = 1000.0 if case.eastings_in_mm else 1.0
    t = math.radians(case.rotation_deg)
    values = {
        "Eastings": EASTINGS * k,
        "Northings": NORTHINGS * k,
        "OrthogonalHeight": HEIGHT * k,
        "XAxisAbscissa": math.cos(t),
        "XAxisOrdinate": math.sin(t),
    }
    if case.schema == "IFC2X3":
        conversion = ifcopenshell.api.pset.add_pset(f, product=site, name="ePSet_MapConversion")
        props = dict(values)
        if case.scale is not None:
            props["Scale"] = case.scale
        ifcopenshell.api.pset.edit_pset(f, pset=conversion, properties=props)
        crs = ifcopenshell.api.pset.add_pset(f, product=site, name="ePSet_ProjectedCRS")
        crs_props: dict[str, object] = {"Name": CRS}
        if case.map_unit is not None:
            crs_props["MapUnit"] = case.map_unit
        ifcopenshell.api.pset.edit_pset(f, pset=crs, properties=crs_props)
        return
    map_unit = None
    if case.map_unit is not None:
        map_unit = f.createIfcSIUnit(None, "LENGTHUNIT", None, case.map_unit)
    target = f.createIfcProjectedCRS(CRS, None, None, None, None, None, map_unit)
    f.createIfcMapConversion(context, target, *values.values(), case.scale)
