"""A large, realistic IFC4 model, written fast (input for the IFC ingest benchmark).

Like a Revit export of an office campus near Shenzhen: buildings of up to 20 storeys, each with
walls (openings filled by windows and doors), a slab, columns, spaces and desks; every element
has its own GlobalId, tag, placement, body, styled items, six property sets and a quantity set.
Millimetres; IfcMapConversion (scale 0.001, grid north 12°) to EPSG:4547. One storey is built
with ifcopenshell, written to STEP and compiled into a template (text and tokens: references,
GlobalIds, tags, labels, elevation) that every copy fills with its own values: 100 MB in seconds.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ifcopenshell
import numpy as np
from pyproj import Transformer

ORIGIN_LONLAT = (114.05, 22.54)
EPSG = 4547
GRID_NORTH_DEG = 12.0
STOREY_HEIGHT = 3600.0  # all lengths in mm
PLATE = (36000.0, 18000.0)  # floor plate: bays of BAY along x, a corridor between CORRIDOR
BAY = 6000.0
CORRIDOR = (7500.0, 10500.0)
BUILDING_SPACING = (60000.0, 40000.0)
TAG_BASE = 300_000  # tags look like Revit element ids
Entity = ifcopenshell.entity_instance
Values = dict[str, object]
Sizes = Mapping[str, object]

_IFC64 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$", "u1")
_ELEV = 123456.789  # stands for the storey elevation in the template
_SLOT = 26  # stands for the building placement in the template
_TOKEN = re.compile(r"#(\d+)\b|'([0-9A-Za-z_$]{22})'|@@(N\d+|S|L)@@|(123456\.789)")
_REF, _GUID, _TAG, _LABEL, _LEVEL, _ELEVATION, _BUILDING = range(7)
_NUMBER = re.compile(r"-?\d+(\.\d*)?(e-?\d+)?")
_BOOL: dict[str, object] = {"True": True, "False": False}
_MEASURES = {"Area": "Area", "Volume": "Volume", "Transmittance": "ThermalTransmittance"}

# Owner history, units, contexts, project, georeference, site; #26 is the building slot.
_SHARED_STEP = """ISO-10303-21;HEADER;
FILE_DESCRIPTION(('ViewDefinition [ReferenceView_V1.2]'),'2;1');
FILE_NAME('campus.ifc','2024-06-01T09:00:00',('Designer'),('twin bench'),'twin bench big_ifc',
'twin bench big_ifc 1.0','');FILE_SCHEMA(('IFC4'));ENDSEC;DATA;
#1=IFCORGANIZATION($,'twin bench',$,$,$);#2=IFCPERSON($,'Designer',$,$,$,$,$,$);
#3=IFCPERSONANDORGANIZATION(#2,#1,$);#4=IFCAPPLICATION(#1,'1.0','big_ifc','twin-bench');
#5=IFCOWNERHISTORY(#3,#4,$,.NOCHANGE.,$,$,$,1717232400);
#6=IFCSIUNIT(*,.LENGTHUNIT.,.MILLI.,.METRE.);#7=IFCSIUNIT(*,.AREAUNIT.,$,.SQUARE_METRE.);
#8=IFCSIUNIT(*,.VOLUMEUNIT.,$,.CUBIC_METRE.);#9=IFCSIUNIT(*,.PLANEANGLEUNIT.,$,.RADIAN.);
#10=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);#11=IFCUNITASSIGNMENT((#6,#7,#8,#9));
#12=IFCCARTESIANPOINT((0.,0.,0.));#13=IFCAXIS2PLACEMENT3D(#12,$,$);#14=IFCDIRECTION((0.,1.));
#15=IFCGEOMETRICREPRESENTATIONCONTEXT($,'Model',3,1.E-05,#13,#14);
#16=IFCGEOMETRICREPRESENTATIONSUBCONTEXT('Body','Model',*,*,*,*,#15,$,.MODEL_VIEW.,$);
#17=IFCGEOMETRICREPRESENTATIONSUBCONTEXT('Axis','Model',*,*,*,*,#15,$,.GRAPH_VIEW.,$);
#18=IFCPROJECT('{g0}',#5,'Shenzhen campus',$,$,'Campus','Design',(#15),#11);
#19=IFCPROJECTEDCRS('EPSG:4547','CGCS2000 / 3-degree Gauss-Kruger CM 114E','CGCS2000',
'Yellow Sea 1985','Gauss-Kruger','CM 114E',#10);
#20=IFCMAPCONVERSION(#15,#19,{e!r},{n!r},{h!r},{xa!r},{xo!r},0.001);
#21=IFCLOCALPLACEMENT($,#13);
#22=IFCSITE('{g1}',#5,'Default Site',$,$,#21,$,$,.ELEMENT.,(22,32,24,0),(114,3,0,0),4500.,$,$);
#23=IFCRELAGGREGATES('{g2}',#5,$,$,#18,(#22));
#24=IFCCARTESIANTRANSFORMATIONOPERATOR3D($,$,#12,$,$);
#25=IFCDIRECTION((0.,0.,1.));
#26=IFCLOCALPLACEMENT(#21,#13);
ENDSEC;END-ISO-10303-21;
"""
# Surface styles (red, green, blue, transparency); all but "space" are also materials.
_STYLES = dict(concrete=(0.75, 0.75, 0.72, 0.0), brick=(0.62, 0.35, 0.25, 0.0))
_STYLES |= dict(glass=(0.55, 0.7, 0.85, 0.6), wood=(0.55, 0.4, 0.25, 0.0))
_STYLES |= dict(gypsum=(0.92, 0.92, 0.9, 0.0), space=(0.3, 0.6, 0.3, 0.8))
_LAYERS = {"ext": (("brick", 200.0), ("concrete", 100.0)), "int": (("gypsum", 100.0),)}
_TYPES = {  # class, name, predefined type, material (a style or a wall layer set)
    "wall_ext": ("IfcWallType", "Basic Wall:Exterior - Brick on Concrete 300", "STANDARD", "ext"),
    "wall_int": ("IfcWallType", "Basic Wall:Interior - Partition 100", "PARTITIONING", "int"),
    "column": ("IfcColumnType", "Concrete-Rectangular-Column:400 x 400mm", "COLUMN", "concrete"),
    "slab": ("IfcSlabType", "Floor:Concrete 200", "FLOOR", "concrete"),
    "window": ("IfcWindowType", "Fixed:1500 x 1500mm", "WINDOW", "glass"),
    "door": ("IfcDoorType", "Single-Flush:900 x 2100mm", "DOOR", "wood"),
    "desk": ("IfcFurnitureType", "Desk:1600 x 800mm", "DESK", "wood"),
}
_CATEGORY = dict(IfcWall="Walls", IfcWindow="Windows", IfcDoor="Doors", IfcSlab="Floors")
_CATEGORY |= dict(IfcColumn="Structural Columns", IfcSpace="Rooms", IfcFurniture="Furniture")

# Property and quantity sets, Revit style: "Set: Name=value; ..." (an indented line continues
# the one before). True/False become IfcBoolean, numbers measures by name, the rest labels.
# @@L@@ (level name) and @@N<k>@@ (unique tag) are replaced in every copy.
_REVIT_PSETS = """
Constraints: Base Constraint=@@L@@; Base Offset=0.0; Room Bounding=True
Identity Data: Mark=M-{tag}; Comments=For review; Workset={category} workset; Edited by=designer
Phasing: Phase Created=New Construction; Phase Demolished=None
Other: Category={category}; Family={family}; Family and Type={type_name}; Type={typ}
"""
_FILL_PSETS = """
Dimensions: Width={w}; Height={h}; Sill Height={sill}
Pset_{name}Common: Reference={ref}; IsExternal={ext}; FireRating=E 30; ThermalTransmittance=1.4
Qto_{name}BaseQuantities: Width={w}; Height={h}; Area={area}
"""
_PSETS = {
    "IfcWall": """
Dimensions: Length={n}; Area={area}; Volume={vol}; Unconnected Height={h}
Pset_WallCommon: Reference={ref}; IsExternal={ext}; LoadBearing={ext}; ExtendToStructure=False;
  FireRating={fire}; AcousticRating=Rw 45
Qto_WallBaseQuantities: Length={n}; Height={h}; Width={t}; GrossSideArea={area}; GrossVolume={vol}
""",
    "IfcWindow": _FILL_PSETS,
    "IfcDoor": _FILL_PSETS,
    "IfcColumn": """
Dimensions: Length={h}; Volume={vol}
Pset_ColumnCommon: Reference=400 x 400mm; LoadBearing=True; IsExternal=True
Qto_ColumnBaseQuantities: Length={h}; CrossSectionArea=0.16; GrossVolume={vol}
""",
    "IfcSlab": """
Dimensions: Area={area}; Thickness=200.0
Pset_SlabCommon: Reference=Concrete 200; IsExternal=False; LoadBearing=True; FireRating=REI 120
Qto_SlabBaseQuantities: Width=200.0; Perimeter={perimeter}; GrossArea={area}; GrossVolume={vol}
""",
    "IfcSpace": """
Dimensions: Area={area}; Perimeter={perimeter}
Pset_SpaceCommon: Reference={use}; GrossPlannedArea={area}; PubliclyAccessible={public}
Qto_SpaceBaseQuantities: Height={h}; GrossFloorArea={area}; NetFloorArea={net}; GrossVolume={vol}
""",
    "IfcFurniture": """
Dimensions: Width=1600.0; Depth=800.0
Pset_ManufacturerOccurrence: SerialNumber=SN-2024-06; BatchReference=2024-06
""",
}


class GuidSource:
    """Random IFC GlobalIds (UUID4 in IFC base64), vectorised and reproducible from a seed."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def take(self, n: int) -> list[str]:
        raw = self._rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
        bits = np.unpackbits(raw, axis=1)
        digits = np.empty((n, 22), dtype=np.uint8)
        digits[:, 0] = bits[:, 0] * 2 + bits[:, 1]
        digits[:, 1:] = bits[:, 2:].reshape(n, 21, 6) @ np.array([32, 16, 8, 4, 2, 1], np.uint8)
        text = _IFC64[digits].tobytes().decode("ascii")
        return [text[i * 22 : (i + 1) * 22] for i in range(n)]


def parse_psets(text: str) -> dict[str, Values]:
    sets: dict[str, Values] = {}
    for line in filter(None, re.sub(r"\n[ \t]+", " ", text).splitlines()):
        name, _, body = line.partition(": ")
        pairs = [p.partition("=")[::2] for p in body.split("; ")]
        sets[name] = {k: float(v) if _NUMBER.fullmatch(v) else _BOOL.get(v, v) for k, v in pairs}
    return sets


def _value(f: ifcopenshell.file, name: str, v: object) -> Entity:
    if isinstance(v, bool | str):
        label = {"Reference": "IfcIdentifier", "Comments": "IfcText"}.get(name, "IfcLabel")
        return f.create_entity("IfcBoolean" if isinstance(v, bool) else label, v)
    measure = next((m for k, m in _MEASURES.items() if k in name), "Length")
    return f.create_entity(f"Ifc{measure}Measure", v)


class ModelBuilder:
    """ifcopenshell helpers on one model; GlobalIds come from the GuidSource."""

    def __init__(self, f: ifcopenshell.file, gids: GuidSource) -> None:
        self.f = f
        self.gids = gids
        self.oh, self.origin, self.z = f.by_id(5), f.by_id(13), f.by_id(25)
        self.styles: dict[str, Entity] = {}
        self.types: dict[str, Entity] = {}
        self.materials: dict[str, Entity] = {}

    def guid(self) -> str:
        return self.gids.take(1)[0]

    def pt(self, *xyz: float) -> Entity:
        return self.f.createIfcCartesianPoint([float(v) for v in xyz])

    def place(self, rel: Entity, xyz: tuple[float, ...], xdir: tuple[float, ...] = ()) -> Entity:
        ref = self.f.createIfcDirection((*xdir, 0.0)) if xdir else None
        axis = self.f.createIfcAxis2Placement3D(self.pt(*xyz), None, ref)
        return self.f.createIfcLocalPlacement(rel, axis)

    def box(self, cx: float, cy: float, dx: float, dy: float, h: float, z: float = 0.0) -> Entity:
        f = self.f
        at = f.createIfcAxis2Placement2D(self.pt(cx, cy), None)
        prof = f.createIfcRectangleProfileDef("AREA", None, at, dx, dy)
        pos = f.createIfcAxis2Placement3D(self.pt(0.0, 0.0, z), None, None)
        return f.createIfcExtrudedAreaSolid(prof, pos, self.z, h)

    def solid(self, items: list[Entity], style: str = "") -> Entity:
        for item in items if style else []:
            self.f.createIfcStyledItem(item, [self.styles[style]], None)
        return self.f.createIfcShapeRepresentation(self.f.by_id(16), "Body", "SweptSolid", items)

    def mapped(self, key: str) -> Entity:
        f, kind = self.f, "MappedRepresentation"
        item = f.createIfcMappedItem(self.types[key].RepresentationMaps[0], f.by_id(24))
        return f.createIfcShapeRepresentation(f.by_id(16), "Body", kind, [item])

    def pset(self, name: str, props: dict[str, object]) -> Entity:
        f = self.f
        if name.startswith("Qto_"):
            unit = {k: next((u for u in ("Area", "Volume") if u in k), "Length") for k in props}
            items = [
                f.create_entity(f"IfcQuantity{unit[k]}", k, None, None, props[k]) for k in props
            ]
            return f.createIfcElementQuantity(self.guid(), self.oh, name, None, "Revit", items)
        values = [f.createIfcPropertySingleValue(k, None, _value(f, k, props[k])) for k in props]
        return f.createIfcPropertySet(self.guid(), self.oh, name, None, values)

    def rel(self, cls: str, *args: object) -> Entity:
        return self.f.create_entity(cls, self.guid(), self.oh, None, None, *args)


def build_shared(gids: GuidSource, geo: dict[str, float]) -> ModelBuilder:
    """The model with what all storeys share: header, styles, materials, types."""
    g = gids.take(3)
    f = ifcopenshell.file.from_string(_SHARED_STEP.format(g0=g[0], g1=g[1], g2=g[2], **geo))
    b = ModelBuilder(f, gids)
    for k, (r, g_, bl, t) in _STYLES.items():
        shading = f.createIfcSurfaceStyleShading(f.createIfcColourRgb(None, r, g_, bl), t)
        b.styles[k] = f.createIfcSurfaceStyle(k, "BOTH", [shading])
        if k != "space":
            b.materials[k] = f.createIfcMaterial(k.title(), None, k)
    for k, layers in _LAYERS.items():
        ml = [f.createIfcMaterialLayer(b.materials[m], t, None, m) for m, t in layers]
        ls = f.createIfcMaterialLayerSet(ml, f"Wall {k}", None)
        offset = -sum(t for _, t in layers) / 2
        b.materials[k] = f.createIfcMaterialLayerSetUsage(ls, "AXIS2", "POSITIVE", offset, None)
    legs = [b.box(x, 400.0, 50.0, 760.0, 720.0) for x in (25.0, 1575.0)]
    shapes = {
        "window": ([b.box(750.0, 0.0, 1500.0, 80.0, 1500.0)], "glass"),
        "door": ([b.box(450.0, 0.0, 900.0, 50.0, 2100.0)], "wood"),
        "desk": ([b.box(800.0, 400.0, 1600.0, 800.0, 30.0, 720.0), *legs], "wood"),
    }
    for key, (cls, name, predefined, _) in _TYPES.items():
        pset = b.pset("Identity Data", {"Type Name": name, "Reference": name.split(":")[1]})
        attrs = {"HasPropertySets": [pset], "PredefinedType": predefined}
        attrs |= {"AssemblyPlace": "FACTORY"} if key == "desk" else {}
        if key in shapes:
            rmap = f.createIfcRepresentationMap(b.origin, b.solid(*shapes[key]))
            attrs["RepresentationMaps"] = [rmap]
        b.types[key] = f.create_entity(cls, b.guid(), b.oh, name, **attrs)
    b.rel("IfcRelDeclares", f.by_id(18), list(b.types.values()))
    return b


class StoreyBuilder:
    """One storey (placed in the building slot #26 at the sentinel elevation) and its elements."""

    def __init__(self, b: ModelBuilder) -> None:
        self.b = b
        self.at = b.place(b.f.by_id(_SLOT), (0.0, 0.0, _ELEV))
        args = ("@@L@@", None, "Level:8mm Head", self.at, None, "@@L@@", "ELEMENT", _ELEV)
        self.storey = b.f.createIfcBuildingStorey(b.guid(), b.oh, *args)
        self.counts: dict[str, int] = {}
        self.made: list[tuple[str, Entity]] = []  # (type key or "" for a space, product)

    def element(
        self, cls: str, kind: str, at: Entity, reps: list[Entity], values: Sizes, **attrs: object
    ) -> Entity:
        """A product of type ``kind`` ("" for a space); its sets are filled from ``values``."""
        b, tag = self.b, f"@@N{sum(self.counts.values())}@@"
        type_name = b.types[kind].Name if kind else "Room"
        if cls != "IfcSpace":  # spaces have no tag; their name is the room number
            attrs.update(Tag=tag, Name=f"{type_name}:{tag}")
        shape = b.f.createIfcProductDefinitionShape(None, None, reps)
        attrs.update(ObjectType=type_name, ObjectPlacement=at, Representation=shape)
        e = b.f.create_entity(cls, b.guid(), b.oh, **attrs)
        family, _, typ = type_name.partition(":")
        names = {"tag": tag, "category": _CATEGORY[cls], "type_name": type_name}
        text = _REVIT_PSETS.format(family=family, typ=typ, **names) + _PSETS[cls].format(**values)
        for name, props in parse_psets(text).items():
            b.rel("IfcRelDefinesByProperties", [e], b.pset(name, props))
        self.counts[cls] = self.counts.get(cls, 0) + 1
        self.made.append((kind, e))
        return e

    def wall(self, x0: float, y0: float, x1: float, y1: float, t: float, ext: bool) -> Entity:
        b, n, h = self.b, math.hypot(x1 - x0, y1 - y0), STOREY_HEIGHT
        at = b.place(self.at, (x0, y0, 0.0), ((x1 - x0) / n, (y1 - y0) / n))
        line = b.f.createIfcPolyline([b.pt(0.0, 0.0), b.pt(n, 0.0)])
        axis = b.f.createIfcShapeRepresentation(b.f.by_id(17), "Axis", "Curve2D", [line])
        body = b.solid([b.box(n / 2, 0.0, n, t, h)], "brick" if ext else "gypsum")
        kind = "wall_ext" if ext else "wall_int"
        values: Values = dict(n=n, h=h, t=t, area=n * h / 1e6, vol=n * h * t / 1e9, ext=ext)
        values |= {"ref": b.types[kind].Name.split(":")[1], "fire": "REI 90" if ext else "EI 30"}
        predefined = "STANDARD" if ext else "PARTITIONING"
        return self.element("IfcWall", kind, at, [axis, body], values, PredefinedType=predefined)

    def fill(self, wall: Entity, t: float, s: float, kind: str, ext: bool) -> None:
        """An opening in ``wall`` (``t`` thick) at ``s`` along it, filled by a window or door."""
        b, f = self.b, self.b.f
        w, h, sill = (1500.0, 1500.0, 900.0) if kind == "window" else (900.0, 2100.0, 0.0)
        at = b.place(wall.ObjectPlacement, (s, 0.0, sill))
        body = b.solid([b.box(w / 2, 0.0, w, t + 100.0, h)])
        shape = f.createIfcProductDefinitionShape(None, None, [body])
        hole = f.createIfcOpeningElement(b.guid(), b.oh, "Opening", None, None, at, shape)
        b.rel("IfcRelVoidsElement", wall, hole)
        self.counts["IfcOpeningElement"] = self.counts.get("IfcOpeningElement", 0) + 1
        cls = "IfcWindow" if kind == "window" else "IfcDoor"
        values = dict(w=w, h=h, sill=sill, area=w * h / 1e6, ext=ext, name=cls[3:])
        values["ref"] = b.types[kind].Name.split(":")[1]
        at = f.createIfcLocalPlacement(at, b.origin)
        e = self.element(cls, kind, at, [b.mapped(kind)], values, OverallHeight=h, OverallWidth=w)
        b.rel("IfcRelFillsElement", hole, e)

    def space(self, k: int, x: float, y: float, dx: float, dy: float, use: str) -> None:
        b, h, area = self.b, STOREY_HEIGHT - 600.0, dx * dy / 1e6
        values = dict(area=area, net=area * 0.95, vol=area * h / 1000, h=h, use=use)
        values |= {"perimeter": 2 * (dx + dy), "public": use == "Corridor"}
        body = b.solid([b.box(dx / 2, dy / 2, dx, dy, h)], "space")
        attrs = {"Name": f"@@S@@-{k + 1:02d}", "LongName": use, "CompositionType": "ELEMENT"}
        at = b.place(self.at, (x, y, 0.0))
        self.element("IfcSpace", "", at, [body], values, PredefinedType="INTERNAL", **attrs)
        for j in range(2 if use == "Office" else 0):
            at = b.place(self.at, (x + 800.0 + 2400.0 * j, y + 1500.0, 0.0))
            self.element("IfcFurniture", "desk", at, [b.mapped("desk")], {}, PredefinedType="DESK")

    def build(self) -> dict[str, int]:
        """Build every element and relation; return the number of products by class."""
        b, (w, d), (c0, c1), h = self.b, PLATE, CORRIDOR, STOREY_HEIGHT
        xs = [BAY * i for i in range(1, int(w // BAY))]
        outer = [(0, 0, w, 0), (w, 0, w, d), (w, d, 0, d), (0, d, 0, 0)]
        inner = [(0, c0, w, c0), (0, c1, w, c1), *[(x, 0, x, c0) for x in xs]]
        for i, (x0, y0, x1, y1) in enumerate(outer + inner + [(x, c1, x, d) for x in xs]):
            t = 300.0 if i < len(outer) else 100.0
            wall = self.wall(x0, y0, x1, y1, t, i < len(outer))
            for k in range(len(xs) + 1):
                if i in (0, 2):
                    self.fill(wall, t, BAY * (k + 0.5) - 750.0, "window", True)
                elif i in (4, 5):
                    self.fill(wall, t, BAY * k + 4500.0, "door", False)
        for x in [0.0, *xs, w]:
            for y in (0.0, d):
                body = b.solid([b.box(0.0, 0.0, 400.0, 400.0, h)], "concrete")
                at, size = b.place(self.at, (x, y, 0.0)), {"h": h, "vol": 0.16 * h / 1000}
                self.element("IfcColumn", "column", at, [body], size, PredefinedType="COLUMN")
        outline = [b.pt(*p) for p in ((0, 0), (w, 0), (w, d), (0, d), (0, 0))]
        profile = b.f.createIfcArbitraryClosedProfileDef(
            "AREA", None, b.f.createIfcPolyline(outline)
        )
        body = b.solid([b.f.createIfcExtrudedAreaSolid(profile, b.origin, b.z, 200.0)], "concrete")
        size = {"area": w * d / 1e6, "vol": w * d / 1e6 * 0.2, "perimeter": 2 * (w + d)}
        at = b.place(self.at, (0.0, 0.0, -200.0))
        self.element("IfcSlab", "slab", at, [body], size, PredefinedType="FLOOR")
        sides = ((0.0, c0), (c1, d))
        rooms = [(x, y0, BAY, y1 - y0, "Office") for x in [0.0, *xs] for y0, y1 in sides]
        for k, (x, y, dx, dy, use) in enumerate([*rooms, (0.0, c0, w, c1 - c0, "Corridor")]):
            self.space(k, x, y, dx, dy, use)
        b.rel("IfcRelContainedInSpatialStructure", [e for k, e in self.made if k], self.storey)
        b.rel("IfcRelAggregates", self.storey, [e for k, e in self.made if not k])
        for key in _TYPES:
            b.rel("IfcRelDefinesByType", [e for k, e in self.made if k == key], b.types[key])
        for mat in b.materials:
            elems = [e for k, e in self.made if k and _TYPES[k][3] == mat]
            if elems:
                b.rel("IfcRelAssociatesMaterial", elems, b.materials[mat])
        return dict(self.counts)


@dataclass(frozen=True)
class StoreyTemplate:
    """One storey as STEP text: ``literals[i]`` comes before token ``i``."""

    literals: list[str]
    kinds: np.ndarray  # per token: _REF, _GUID, _TAG, _LABEL, _LEVEL, _ELEVATION or _BUILDING
    values: np.ndarray  # entity id (_REF) or tag number (_TAG)
    first_id: int
    span: int  # ids first_id .. first_id + span - 1
    n_tags: int
    n_guids: int
    storey_id: int  # the storey entity's id in the template


def compile_template(
    lines: dict[int, str], first_id: int, storey_id: int, guids: set[str]
) -> StoreyTemplate:
    """Tokenise the STEP lines of one storey (ids from ``first_id`` on)."""
    text = "".join(lines[i] for i in sorted(lines) if i >= first_id)
    tokens: list[tuple[str, int, int]] = []  # literal text before the token, kind, value
    pos = 0
    for m in _TOKEN.finditer(text):
        ref, guid, sentinel, _elev = m.groups()
        start, end, value = m.start(), m.end(), 0
        if ref is not None:
            if int(ref) < first_id and int(ref) != _SLOT:
                continue  # a shared entity: stays literal
            start, kind, value = m.start(1), _BUILDING if int(ref) == _SLOT else _REF, int(ref)
        elif guid is not None:
            if guid not in guids:
                continue
            start, end, kind = m.start(2), m.end(2), _GUID
        elif sentinel is not None:
            kind = _TAG if sentinel[0] == "N" else _LABEL if sentinel == "S" else _LEVEL
            value = int(sentinel[1:]) if kind == _TAG else 0
        else:
            kind = _ELEVATION
        tokens.append((text[pos:start], kind, value))
        pos = end
    literals = [t[0] for t in tokens] + [text[pos:]]
    k, v = np.array([t[1] for t in tokens], np.int8), np.array([t[2] for t in tokens], np.int64)
    n_tags = int(v[k == _TAG].max()) + 1
    span = max(lines) - first_id + 1
    n_guids = int((k == _GUID).sum())
    return StoreyTemplate(literals, k, v, first_id, span, n_tags, n_guids, storey_id)


def render_storey(
    t: StoreyTemplate, copy: int, offset: int, guids: list[str], building: int, level: int
) -> str:
    """The STEP text of copy ``copy``: storey ``level`` of ``building``."""
    vals = np.empty(len(t.kinds), dtype=object)
    refs, tags = t.kinds == _REF, t.kinds == _TAG
    vals[refs] = (t.values[refs] + offset).astype(str)
    vals[t.kinds == _GUID] = guids
    vals[tags] = (t.values[tags] + TAG_BASE + copy * t.n_tags).astype(str)
    vals[t.kinds == _LABEL] = f"B{building + 1}-L{level + 1}"
    vals[t.kinds == _LEVEL] = f"Level {level + 1}"
    vals[t.kinds == _ELEVATION] = f"{level * STOREY_HEIGHT:.1f}"
    vals[t.kinds == _BUILDING] = str(t.first_id + 5 * building + 2)  # see building_lines
    pieces = np.empty(2 * len(vals) + 1, dtype=object)
    pieces[0::2] = t.literals
    pieces[1::2] = vals
    return "".join(pieces.tolist())


def building_lines(first: int, b: int, guids: list[str], storeys: list[int]) -> str:
    """Building ``b`` (ids ``first..first+4``) on a grid, aggregating ``storeys``."""
    x, y = (b % 4) * BUILDING_SPACING[0], (b // 4) * BUILDING_SPACING[1]
    members = ",".join(f"#{s}" for s in storeys)
    return (
        f"#{first}=IFCCARTESIANPOINT(({x:.1f},{y:.1f},0.));\n"
        f"#{first + 1}=IFCAXIS2PLACEMENT3D(#{first},$,$);\n"
        f"#{first + 2}=IFCLOCALPLACEMENT(#21,#{first + 1});\n"
        f"#{first + 3}=IFCBUILDING('{guids[0]}',#5,'Building {b + 1}',$,$,#{first + 2},$,"
        f"'Office block {b + 1}',.ELEMENT.,$,$,$);\n"
        f"#{first + 4}=IFCRELAGGREGATES('{guids[1]}',#5,$,$,#{first + 3},({members}));\n"
    )


def write_big_ifc(
    path: Path | str, target_bytes: int = 100_000_000, seed: int = 1, storeys_per_building: int = 20
) -> dict[str, object]:
    """Write an IFC4 model of about ``target_bytes`` to ``path``; return what is in it."""
    t0 = time.perf_counter()
    path, gids, a = Path(path), GuidSource(seed), math.radians(GRID_NORTH_DEG)
    east, north = Transformer.from_crs(4326, EPSG, always_xy=True).transform(*ORIGIN_LONLAT)
    geo = {"e": east, "n": north, "h": 4.5, "xa": math.cos(a), "xo": -math.sin(a)}
    b = build_shared(gids, geo)
    first_id = max(e.id() for e in b.f) + 1
    storey = StoreyBuilder(b)
    per_storey = storey.build()
    head, _, rest = b.f.to_string().partition("DATA;\n")  # type: ignore[no-untyped-call]
    body = rest.rpartition("ENDSEC;")[0].splitlines()
    lines = {int(ln[1 : ln.index("=")]): ln + "\n" for ln in body if ln}
    guids = {e.GlobalId for e in b.f if e.id() >= first_id and hasattr(e, "GlobalId")}
    tpl = compile_template(lines, first_id, storey.storey.id(), guids)
    shared = "".join(lines[i] for i in sorted(lines) if i < first_id and i != _SLOT)

    def copy_bytes(n: int) -> int:  # a middle copy, with its share of the building lines
        fake = ["x" * 22] * tpl.n_guids
        return 250 + len(render_storey(tpl, n // 2, 5 * n + n // 2 * tpl.span, fake, 0, 0))

    n = 1
    for _ in range(3):
        n = max(1, round((target_bytes - len(head) - len(shared)) / copy_bytes(n)))
    n_buildings = math.ceil(n / storeys_per_building)

    def offset(copy: int) -> int:  # the buildings take the first 5 * n_buildings ids
        return 5 * n_buildings + copy * tpl.span

    with path.open("w", encoding="ascii", newline="\n") as out:
        out.write(head + "DATA;\n" + shared)
        for i in range(n_buildings):
            copies = range(i * storeys_per_building, min(n, (i + 1) * storeys_per_building))
            members = [tpl.storey_id + offset(c) for c in copies]
            out.write(building_lines(first_id + 5 * i, i, gids.take(2), members))
        for c in range(n):
            i, level = divmod(c, storeys_per_building)
            out.write(render_storey(tpl, c, offset(c), gids.take(tpl.n_guids), i, level))
        buildings = ",".join(f"#{first_id + 5 * i + 3}" for i in range(n_buildings))
        site_rel = f"IFCRELAGGREGATES('{gids.take(1)[0]}',#5,$,$,#22,({buildings}))"
        out.write(f"#{first_id + offset(n)}={site_rel};\nENDSEC;\nEND-ISO-10303-21;\n")
    counts = {k: v * n for k, v in per_storey.items()}
    spatial = {"IfcBuildingStorey": n, "IfcBuilding": n_buildings, "IfcSite": 1}
    info = {"path": str(path), "bytes": path.stat().st_size, "seed": seed, "storeys": n}
    info |= {"products": counts | spatial, "elements_with_body": sum(counts.values())}
    info["georeference"] = {"epsg": EPSG, "eastings": east, "northings": north, "scale": 0.001}
    return info | {"buildings": n_buildings, "seconds": round(time.perf_counter() - t0, 3)}
