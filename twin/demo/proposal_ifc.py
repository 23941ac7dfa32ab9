"""The demo's proposed building as a BIM submission: a georeferenced IFC4 file.

``write_proposal_ifc`` models with ``ifcopenshell.api`` what a Chinese design
institute submits for a planning check: the slab of ``proposal_site.floor_plan``
(shops below, flats above) on the demo city's vacant parcel. Lengths are in
millimetres, areas in m², volumes in m³. The ``IfcMapConversion`` to EPSG:4547
(metres) has Scale 0.001: IFC4 defines Scale as the factor from project length
units to map units, as ``ifcopenshell.util.geolocation`` applies it, while
Eastings and Northings are in map units. ``IfcSite.RefLatitude``/``RefLongitude``
give the same origin in WGS84 and ``TrueNorth`` the geographic north in model axes.

Deterministic: GlobalIds are name-based UUIDs of stable keys (``"3F/wall/S"``)
in a namespace of the parcel and the header timestamp is fixed, so the same
site and storeys give a byte-identical file.
"""

from __future__ import annotations

import importlib
import math
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.guid
import ifcopenshell.util.element
import ifcopenshell.util.geolocation
import numpy as np
import numpy.typing as npt
import shapely

from twin.demo.proposal_site import (
    EXTERIOR_WALL_M,
    OPENING_SIZES,
    FloorPlan,
    ModelFrame,
    ProposalSite,
    Room,
    Wall,
    floor_plan,
    geographic_origin,
    model_frame,
)
from twin.errors import InvalidInputError

__all__ = ["MAP_SCALE", "write_proposal_ifc"]

Entity = Any  # an ifcopenshell.entity_instance (its attributes are dynamic)
Matrix = npt.NDArray[np.float64]

#: model millimetres to map metres (IfcMapConversion.Scale)
MAP_SCALE = 0.001
_SLAB_M = 0.15
_PARAPET_M = 1.2
_TIMESTAMP = "2026-11-21T09:00:00+08:00"

#: key: (name, IFC category, RGB, transparency)
_MATERIALS: dict[str, tuple[str, str, tuple[float, float, float], float]] = {
    "facade": ("外墙 真石漆饰面 Stone-effect render", "concrete", (0.86, 0.81, 0.72), 0.0),
    "concrete": ("钢筋混凝土 C30 Reinforced concrete", "concrete", (0.66, 0.66, 0.64), 0.0),
    "roof": ("屋面 防水卷材 Roofing membrane", "plastic", (0.36, 0.38, 0.40), 0.0),
    "aluminium": ("铝合金型材 Aluminium frame", "aluminium", (0.28, 0.30, 0.33), 0.0),
    "glass": ("Low-E 中空玻璃 Insulated glazing", "glass", (0.55, 0.74, 0.86), 0.6),
    "door": ("钢质门 Steel door", "steel", (0.42, 0.30, 0.22), 0.0),
}
#: IFC class, partitioning / operation type, panels and lining properties (mm) of each type
_OPENING_TYPES: dict[str, tuple[str, str, int, dict[str, float]]] = {
    "C1815": ("IfcWindow", "DOUBLE_PANEL_VERTICAL", 2, {"FirstMullionOffset": 900.0}),
    "C3024": (
        "IfcWindow",
        "TRIPLE_PANEL_VERTICAL",
        3,
        {"FirstMullionOffset": 1000.0, "SecondMullionOffset": 2000.0},
    ),
    "M1824": ("IfcDoor", "DOUBLE_DOOR_SINGLE_SWING", 1, {}),
}
#: Uniclass 2015 "Elements/functions" references
_UNICLASS = {
    "wall": ("EF_25_10", "Walls"),
    "opening": ("EF_25_30", "Doors and windows"),
    "floor": ("EF_30_20", "Floors"),
    "roof": ("EF_30_10", "Roofs"),
}


def write_proposal_ifc(
    path: Path,
    site: ProposalSite,
    *,
    storeys: int = 18,
    storey_height: float = 3.0,
    elevation: float = 0.0,
) -> Path:
    """Write the proposed building on ``site`` to ``path`` as IFC4 and return ``path``.

    ``elevation`` (metres) is the ground floor's height at the site: the map conversion's
    OrthogonalHeight, so the building stands on the terrain.
    """
    if not math.isfinite(elevation) or abs(elevation) > 9000:
        raise InvalidInputError("elevation must be a finite height in metres")
    if isinstance(storeys, bool) or not isinstance(storeys, int) or not 2 <= storeys <= 60:
        raise InvalidInputError("storeys must be an integer between 2 and 60")
    if not isinstance(storey_height, int | float) or not 2.8 <= storey_height <= 6.0:
        raise InvalidInputError("storey_height must be between 2.8 and 6.0 metres")
    if not path.parent.is_dir():
        raise InvalidInputError("the proposal could not be written: its directory does not exist")
    model = _Model(site, model_frame(site), storeys, storey_height)
    model.elevation = float(elevation)
    model.build()
    try:
        model.file.write(str(path))
    except OSError as exc:
        raise InvalidInputError("the proposal could not be written to the given path") from exc
    return path


def _placement(x: float, y: float, z: float, direction: tuple[float, float] = (1, 0)) -> Matrix:
    """A placement matrix (metres) at ``(x, y, z)`` with its x axis along ``direction``."""
    c, s = direction
    return np.array([[c, -s, 0, x], [s, c, 0, y], [0, 0, 1, z], [0, 0, 0, 1]], dtype=np.float64)


class _Model:
    """Builds the IFC model in memory; ``build`` runs once."""

    def __init__(self, site: ProposalSite, frame: ModelFrame, storeys: int, storey_height: float):
        self.site, self.frame, self.geo = site, frame, geographic_origin(frame)
        self.storeys, self.height = storeys, storey_height
        self.elevation = 0.0
        self.file: ifcopenshell.file = self.api("project.create_file", version="IFC4")
        self.keys: dict[int, str] = {}  # entity id -> stable key of its GlobalId
        self.materials: dict[str, Entity] = {}
        self.by_material: dict[str, list[Entity]] = defaultdict(list)
        self.by_class: dict[str, list[Entity]] = defaultdict(list)
        self.psets: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
        self.types: dict[str, Entity] = {}

    def api(self, call_name: str, /, **kwargs: Any) -> Any:
        """Call ``ifcopenshell.api.<module>.<function>`` on this file."""
        module, function = call_name.split(".")
        call = getattr(importlib.import_module(f"ifcopenshell.api.{module}"), function)
        if module == "project":
            return call(**kwargs)
        return call(self.file, **kwargs)

    # -- project, units, contexts, georeferencing ------------------------------------------

    def build(self) -> None:
        project_name = f"深圳福田 {self.site.parcel_id} 地块 住宅项目"
        self.project = self.root("IfcProject", "project", project_name)
        self.project.LongName = f"{project_name} 方案设计报建模型"
        self.project.Phase = "方案设计"
        kinds = [("LENGTHUNIT", "MILLI"), ("AREAUNIT", None), ("VOLUMEUNIT", None)]
        kinds.append(("PLANEANGLEUNIT", None))
        units = [self.api("unit.add_si_unit", unit_type=t, prefix=p) for t, p in kinds]
        self.api("unit.assign_unit", units=units)
        self.body = self.context("Model", "Body", "MODEL_VIEW")
        self.georeference()
        self.add_materials()
        site = self.spatial("IfcSite", "site", self.site.parcel_id, self.project, 0.0)
        site.LongName = "规划用地红线范围"
        as_dms = ifcopenshell.util.geolocation.dd2dms
        site.RefLatitude = as_dms(self.geo.latitude, use_us=True)
        site.RefLongitude = as_dms(self.geo.longitude, use_us=True)
        site.RefElevation = 0.0
        self.red_line(site)
        building = self.spatial("IfcBuilding", "building", "1栋", site, 0.0)
        building.LongName = "1栋 住宅楼（底层商业）"
        building.BuildingAddress = self.file.createIfcPostalAddress(
            Purpose="SITE", AddressLines=("福田区",), Town="深圳市", Region="广东省", Country="中国"
        )
        gross = round(self.frame.length * self.frame.depth * self.storeys, 2)
        self.pset(building, "Pset_BuildingCommon", NumberOfStoreys=self.storeys)
        self.pset(building, "Pset_BuildingCommon", OccupancyType="住宅", GrossPlannedArea=gross)
        self.pset(
            building,
            "Qto_BuildingBaseQuantities",
            Height=round(self.storeys * self.height * 1000, 1),
            FootprintArea=round(self.frame.length * self.frame.depth, 2),
            GrossFloorArea=gross,
        )
        levels = [
            self.spatial("IfcBuildingStorey", f"{k + 1}F", f"{k + 1}F", building, k * self.height)
            for k in range(self.storeys)
        ]
        roof = self.spatial("IfcBuildingStorey", "RF", "RF", building, self.storeys * self.height)
        roof.LongName = "屋面"
        for k, level in enumerate(levels):
            self.storey(level, k)
        self.roof(roof)
        self.finish()

    def context(self, kind: str, identifier: str, view: str) -> Entity:
        """A subcontext (``Body``, ``FootPrint``) of a new main context of ``kind``."""
        main = self.api("context.add_context", context_type=kind)
        return self.api(
            "context.add_context",
            context_type=kind,
            context_identifier=identifier,
            target_view=view,
            parent=main,
        )

    def georeference(self) -> None:
        f = self.frame
        t = math.radians(f.rotation_deg)
        self.api("georeference.add_georeferencing", name="EPSG:4547")
        metre = self.api("unit.add_si_unit", unit_type="LENGTHUNIT")
        self.api(
            "georeference.edit_georeferencing",
            projected_crs={
                "Name": "EPSG:4547",
                "Description": "CGCS2000 / 3-degree Gauss-Kruger CM 114E",
                "GeodeticDatum": "CGCS2000",
                "MapProjection": "Gauss-Kruger",
                "MapZone": "CM 114E",
                "MapUnit": metre,
            },
            coordinate_operation={
                "Eastings": f.easting,
                "Northings": f.northing,
                "OrthogonalHeight": self.elevation,
                "XAxisAbscissa": math.cos(t),
                "XAxisOrdinate": -math.sin(t),
                "Scale": MAP_SCALE,
            },
        )
        self.api("georeference.edit_true_north", true_north=self.geo.north)

    def red_line(self, site: Entity) -> None:
        """The parcel boundary as the site's 2D footprint, in model millimetres."""
        xy = shapely.get_coordinates(self.site.parcel.exterior)
        x, y = self.frame.to_model(xy[:, 0], xy[:, 1])
        mm = np.round(np.column_stack([x, y]) / MAP_SCALE, 1)
        points = [(float(a), float(b)) for a, b in mm]
        footprint = self.context("Plan", "FootPrint", "PLAN_VIEW")
        curve = self.file.createIfcIndexedPolyCurve(self.file.createIfcCartesianPointList2D(points))
        shape = self.api("geometry.add_footprint_representation", context=footprint, curves=[curve])
        self.api("geometry.assign_representation", product=site, representation=shape)

    # -- materials, styles, types, classification ------------------------------------------

    def add_materials(self) -> None:
        for key, (name, category, rgb, transparency) in _MATERIALS.items():
            material = self.api("material.add_material", name=name, category=category)
            style = self.api("style.add_style", name=name)
            self.api(
                "style.add_surface_style",
                style=style,
                ifc_class="IfcSurfaceStyleRendering",
                attributes={
                    "SurfaceColour": {"Name": None, "Red": rgb[0], "Green": rgb[1], "Blue": rgb[2]},
                    "Transparency": transparency,
                    "ReflectanceMethod": "GLASS" if transparency else "NOTDEFINED",
                },
            )
            self.api(
                "style.assign_material_style", material=material, style=style, context=self.body
            )
            self.materials[key] = material
        for key in _OPENING_TYPES:
            self.types[key] = self.opening_type(key)

    def opening_type(self, key: str) -> Entity:
        ifc_class, operation, panels, lining = _OPENING_TYPES[key]
        width, height, _ = OPENING_SIZES[key]
        window = ifc_class == "IfcWindow"
        kind = self.root(f"{ifc_class}Type", f"type/{key}", key)
        kind.PredefinedType = "WINDOW" if window else "DOOR"
        setattr(kind, "PartitioningType" if window else "OperationType", operation)
        draw = f"geometry.add_{'window' if window else 'door'}_representation"
        shape: dict[str, Any] = {"overall_width": width * 1000, "overall_height": height * 1000}
        shape["partition_type" if window else "operation_type"] = operation
        if window:
            shape |= {"lining_properties": lining, "panel_properties": [{}] * panels}
        # shape aspects must point at the type's representation map, which needs a representation
        first = self.api(draw, context=self.body, **shape)
        self.api("geometry.assign_representation", product=kind, representation=first)
        mapping = kind.RepresentationMaps[0]
        final = self.api(draw, context=self.body, part_of_product=mapping, **shape)
        mapping.MappedRepresentation = final
        self.api("geometry.remove_representation", representation=first)
        frame, glass = self.materials["aluminium" if window else "door"], self.materials["glass"]
        parts = {"Lining": frame, "Framing": frame, "Glazing": glass}
        aspects = "material.set_shape_aspect_constituents"
        self.api(aspects, element=kind, context=self.body, materials=parts)
        constituents: Entity = ifcopenshell.util.element.get_material(kind)
        constituents.Name = f"{key} {'铝合金窗' if window else '钢质门'}"
        return kind

    # -- spatial structure ------------------------------------------------------------------

    def root(self, ifc_class: str, key: str, name: str, predefined: str | None = None) -> Entity:
        entity: Entity = self.api(
            "root.create_entity", ifc_class=ifc_class, name=name, predefined_type=predefined
        )
        self.keys[entity.id()] = key
        return entity

    def spatial(self, ifc_class: str, key: str, name: str, parent: Entity, z: float) -> Entity:
        entity = self.root(ifc_class, key, name)
        self.api("aggregate.assign_object", products=[entity], relating_object=parent)
        self.api("geometry.edit_object_placement", product=entity, matrix=_placement(0, 0, z))
        if ifc_class == "IfcBuildingStorey":
            entity.Elevation = z * 1000
        return entity

    # -- elements ---------------------------------------------------------------------------

    def element(
        self, ifc_class: str, key: str, name: str, level: Entity, predefined: str | None = None
    ) -> Entity:
        entity = self.root(ifc_class, key, name, predefined)
        # one at a time: the api re-places a batch of elements in the order of a set
        self.api("spatial.assign_container", products=[entity], relating_structure=level)
        self.by_class[key.split("/")[1]].append(entity)
        return entity

    def place(self, entity: Entity, representation: Entity, matrix: Matrix) -> None:
        self.api("geometry.assign_representation", product=entity, representation=representation)
        self.api("geometry.edit_object_placement", product=entity, matrix=matrix)

    def storey(self, level: Entity, k: int) -> None:
        z, name = k * self.height, level.Name
        plan = floor_plan(self.frame.length, self.frame.depth, ground=k == 0)
        slab = self.element("IfcSlab", f"{name}/floor/0", f"{name} 楼板", level, "FLOOR")
        self.slab(slab, z - _SLAB_M, "concrete", external=k == 0)
        walls = {w.key: self.wall(level, w, z, self.height - _SLAB_M) for w in plan.walls}
        self.openings(level, plan, walls, z)
        for room in plan.rooms:
            self.space(level, room, z)

    def roof(self, level: Entity) -> None:
        z = self.storeys * self.height
        slab = self.element("IfcSlab", "RF/roof/0", "屋面板", level, "ROOF")
        self.slab(slab, z - _SLAB_M, "roof", external=True)
        for wall in floor_plan(self.frame.length, self.frame.depth, ground=False).walls:
            if wall.external:
                self.wall(level, wall, z, _PARAPET_M, parapet=True)

    def slab(self, slab: Entity, z: float, material: str, *, external: bool) -> None:
        f = self.frame
        outline = [(0.0, 0.0), (f.length, 0.0), (f.length, f.depth), (0.0, f.depth), (0.0, 0.0)]
        shape = self.api(
            "geometry.add_slab_representation", context=self.body, depth=_SLAB_M, polyline=outline
        )
        self.place(slab, shape, _placement(0, 0, z))
        self.by_material[material].append(slab)
        self.pset(
            slab, "Pset_SlabCommon", IsExternal=external, LoadBearing=True, FireRating="1.50h"
        )

    def wall(
        self, level: Entity, w: Wall, z: float, height: float, parapet: bool = False
    ) -> Entity:
        predefined = "PARAPET" if parapet else ("SOLIDWALL" if w.external else "SHEAR")
        label = ("女儿墙" if parapet else "外墙" if w.external else "剪力墙") + f"-{w.key}"
        wall = self.element("IfcWall", f"{level.Name}/wall/{w.key}", label, level, predefined)
        size = {"length": w.length, "height": height, "thickness": w.thickness}
        shape = self.api("geometry.add_wall_representation", context=self.body, **size)
        self.place(wall, shape, _placement(*w.start, z, w.direction))
        self.by_material["facade" if w.external else "concrete"].append(wall)
        common = {"IsExternal": w.external, "LoadBearing": not parapet, "FireRating": "2.00h"}
        self.pset(wall, "Pset_WallCommon", **common)
        return wall

    def openings(self, level: Entity, plan: FloorPlan, walls: dict[str, Entity], z: float) -> None:
        by_key = {w.key: w for w in plan.walls}
        for o in plan.openings:
            w = by_key[o.wall]
            width, height, sill = OPENING_SIZES[o.kind]
            x = w.start[0] + w.direction[0] * o.along
            y = w.start[1] + w.direction[1] * o.along
            matrix = _placement(x, y, z + sill, w.direction)
            key = f"{level.Name}/opening/{o.key}"
            void = self.root("IfcOpeningElement", f"{key}/void", o.key, "OPENING")
            size = {"length": width, "height": height, "thickness": EXTERIOR_WALL_M + 0.1}
            box = self.api(
                "geometry.add_wall_representation", context=self.body, offset=-0.05, **size
            )
            self.api("feature.add_feature", feature=void, element=walls[o.wall])
            self.place(void, box, matrix)
            ifc_class = _OPENING_TYPES[o.kind][0]
            window = ifc_class == "IfcWindow"
            filling = self.element(ifc_class, key, f"{o.kind}-{o.key}", level)
            filling.OverallWidth, filling.OverallHeight = width * 1000, height * 1000
            self.api(
                "type.assign_type", related_objects=[filling], relating_type=self.types[o.kind]
            )
            self.api("feature.add_filling", opening=void, element=filling)
            self.api("geometry.edit_object_placement", product=filling, matrix=matrix)
            extra = {"ThermalTransmittance": 2.4} if window else {"HandicapAccessible": True}
            common = "Pset_WindowCommon" if window else "Pset_DoorCommon"
            self.pset(filling, common, Reference=o.kind, IsExternal=True, **extra)

    def space(self, level: Entity, room: Room, z: float) -> None:
        name = level.Name
        space = self.root("IfcSpace", f"{name}/space/{room.key}", f"{name}-{room.key}", "INTERNAL")
        space.LongName = room.long_name
        self.api("aggregate.assign_object", products=[space], relating_object=level)
        x0, y0, x1, y1 = room.net
        outline = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        profile = self.api("profile.add_arbitrary_profile", profile=outline)
        height = self.height - _SLAB_M
        shape = self.api(
            "geometry.add_profile_representation",
            context=self.body,
            profile=profile,
            depth=height,
            cardinal_point=None,
        )
        self.place(space, shape, _placement(0, 0, z))
        public = room.use == "商业" or room.key == "L"
        common = {"Reference": room.key, "IsExternal": False, "PubliclyAccessible": public}
        self.pset(space, "Pset_SpaceCommon", **common)
        self.pset(space, "Pset_SpaceOccupancyRequirements", OccupancyType=room.use)
        gx0, gy0, gx1, gy1 = room.gross
        area = round((x1 - x0) * (y1 - y0), 3)
        quantities = {
            "Height": round(height * 1000, 1),
            "NetFloorArea": area,
            "GrossFloorArea": round((gx1 - gx0) * (gy1 - gy0), 3),
            "NetVolume": round(area * height, 3),
        }
        self.pset(space, "Qto_SpaceBaseQuantities", **quantities)

    # -- shared relationships, GlobalIds, header --------------------------------------------

    def pset(self, product: Entity, name: str, **properties: Any) -> None:
        """Collect properties of a set; identical sets are written once and shared."""
        self.psets[(product.id(), name)].update(properties)

    def finish(self) -> None:
        shared: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Entity]] = defaultdict(list)
        for (product, name), props in self.psets.items():
            values = tuple(sorted(props.items(), key=lambda item: item[0]))
            shared[(name, values)].append(self.file.by_id(product))
        for (name, values), products in shared.items():
            props = dict(values)
            is_qto = name.startswith("Qto_")
            pset = self.api(
                "pset.add_qto" if is_qto else "pset.add_pset", product=products[0], name=name
            )
            if is_qto:
                self.api("pset.edit_qto", qto=pset, properties=props)
            else:
                self.api("pset.edit_pset", pset=pset, properties=props)
            if len(products) > 1:
                self.api("pset.assign_pset", products=products[1:], pset=pset)
        for key, products in self.by_material.items():
            self.api("material.assign_material", products=products, material=self.materials[key])
        self.classify()
        self.stable_ids()
        self.sort_relationships()
        header = self.file.header.file_name
        header.name, header.time_stamp = f"{self.site.parcel_id}.ifc", _TIMESTAMP
        header.author, header.organization, header.authorization = ("twin demo",), ("twin",), ""

    def classify(self) -> None:
        system = self.api("classification.add_classification", classification="Uniclass")
        system.Source, system.Edition = "NBS", "2015"
        for key, products in self.by_class.items():
            code, name = _UNICLASS[key]
            self.api(
                "classification.add_reference",
                products=products,
                identification=code,
                name=name,
                classification=system,
            )

    def stable_ids(self) -> None:
        """Name-based GlobalIds: the same key in the same parcel always gets the same id."""
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:twin:demo:proposal:{self.site.parcel_id}")
        counts: dict[str, int] = defaultdict(int)
        entity: Entity
        for entity in sorted(self.file.by_type("IfcRoot"), key=lambda e: e.id()):
            key = self.keys.get(entity.id())
            if key is None:
                counts[entity.is_a()] += 1
                key = f"{entity.is_a()}#{counts[entity.is_a()]}"
            entity.GlobalId = ifcopenshell.guid.compress(uuid.uuid5(namespace, key).hex)

    def sort_relationships(self) -> None:
        """Order the members of every relationship by entity id (the api fills them from sets)."""
        for units in self.file.by_type("IfcUnitAssignment"):
            units.Units = sorted(units.Units, key=lambda e: e.id())
        for rel in self.file.by_type("IfcRelationship"):
            for i, value in enumerate(rel):
                if (
                    isinstance(value, tuple)
                    and value
                    and isinstance(value[0], ifcopenshell.entity_instance)
                ):
                    rel[i] = sorted(value, key=lambda e: e.id())
