"""Small buildings with known answers, written as IFC4 for the review's worked examples.

A rectangular block: one IfcSlab (FLOOR, 0.2 m thick) per storey at the given elevations,
a roof storey with a ROOF slab and 1.2 m parapet walls, optionally basements, a green
IfcSpace on the site and a map conversion to CGCS2000 / GK CM 114E.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

CRS = "EPSG:4547"
EASTINGS, NORTHINGS = 529_100.0, 3_384_500.0
SLAB_M = 0.2
PARAPET_M = 1.2


@dataclass(frozen=True)
class Block:
    length_m: float = 10.0  # along model x
    width_m: float = 10.0  # along model y
    elevations_m: tuple[float, ...] = (0.0, 3.0, 6.0)  # storeys with floor slabs
    roof_elevation_m: float = 9.0  # the roof storey (roof slab + parapets, no floor)
    basements_m: tuple[float, ...] = ()  # elevations of storeys below ground
    millimetres: bool = True
    green_m: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 of a green space
    georeferenced: bool = True
    names: dict[float, str] = field(default_factory=dict)
    schema: str = "IFC4"  # IFC2X3 (then not georeferenced), IFC4 or IFC4X3


def _box(x0: float, y0: float, x1: float, y1: float, h: float) -> list[tuple[float, float, float]]:
    return [(x, y, z) for z in (0.0, h) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]


FACES = [(0, 3, 2, 1), (4, 5, 6, 7), (0, 1, 5, 4), (1, 2, 6, 5), (2, 3, 7, 6), (3, 0, 4, 7)]


class _Writer:
    def __init__(self, block: Block) -> None:
        self.block = block
        f = ifcopenshell.file(schema=block.schema)
        self.f = f
        if block.schema == "IFC2X3":  # owner histories are mandatory there
            org = f.createIfcOrganization(None, "twin tests")
            f.createIfcPersonAndOrganization(f.createIfcPerson(), org)
            f.createIfcApplication(org, "1", "twin tests", "twin-tests")
        self.project = ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="block")
        prefix = "MILLI" if block.millimetres else None
        unit = ifcopenshell.api.unit.add_si_unit(f, unit_type="LENGTHUNIT", prefix=prefix)
        area = ifcopenshell.api.unit.add_si_unit(f, unit_type="AREAUNIT")
        ifcopenshell.api.unit.assign_unit(f, units=[unit, area])
        self.model = ifcopenshell.api.context.add_context(f, context_type="Model")
        self.body = ifcopenshell.api.context.add_context(
            f,
            context_type="Model",
            context_identifier="Body",
            target_view="MODEL_VIEW",
            parent=self.model,
        )
        self.site = ifcopenshell.api.root.create_entity(f, ifc_class="IfcSite", name="site")
        ifcopenshell.api.aggregate.assign_object(
            f, products=[self.site], relating_object=self.project
        )
        self.building = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuilding", name="B1")
        ifcopenshell.api.aggregate.assign_object(
            f, products=[self.building], relating_object=self.site
        )

    def storey(self, z: float) -> ifcopenshell.entity_instance:
        name = self.block.names.get(z, f"{z:+.2f}")
        storey = ifcopenshell.api.root.create_entity(
            self.f, ifc_class="IfcBuildingStorey", name=name
        )
        ifcopenshell.api.aggregate.assign_object(
            self.f, products=[storey], relating_object=self.building
        )
        at = np.eye(4)
        at[2, 3] = z
        ifcopenshell.api.geometry.edit_object_placement(self.f, product=storey, matrix=at)
        storey.Elevation = z * (1000.0 if self.block.millimetres else 1.0)
        return storey

    def element(
        self,
        cls: str,
        container: ifcopenshell.entity_instance,
        z: float,
        verts: list[tuple[float, float, float]],
        predefined: str | None = None,
        name: str = "",
    ) -> ifcopenshell.entity_instance:
        e = ifcopenshell.api.root.create_entity(
            self.f, ifc_class=cls, name=name or cls, predefined_type=predefined
        )
        ifcopenshell.api.spatial.assign_container(
            self.f, products=[e], relating_structure=container
        )
        at = np.eye(4)
        at[2, 3] = z
        ifcopenshell.api.geometry.edit_object_placement(self.f, product=e, matrix=at)
        rep = ifcopenshell.api.geometry.add_mesh_representation(
            self.f, context=self.body, vertices=[verts], faces=[FACES]
        )
        ifcopenshell.api.geometry.assign_representation(self.f, product=e, representation=rep)
        return e


def write_block(block: Block, path: Path) -> Path:
    w = _Writer(block)
    L, W = block.length_m, block.width_m
    for z in (*block.basements_m, *block.elevations_m):
        storey = w.storey(z)
        w.element("IfcSlab", storey, z, _box(0, 0, L, W, SLAB_M), "FLOOR", f"slab {z}")
    roof = w.storey(block.roof_elevation_m)
    z = block.roof_elevation_m
    w.element("IfcSlab", roof, z, _box(0, 0, L, W, SLAB_M), "ROOF", "roof")
    t = 0.2
    for i, (x0, y0, x1, y1) in enumerate(
        [(0, 0, L, t), (0, W - t, L, W), (0, t, t, W - t), (L - t, t, L, W - t)]
    ):
        w.element(
            "IfcWall", roof, z + SLAB_M, _box(x0, y0, x1, y1, PARAPET_M), "PARAPET", f"parapet {i}"
        )
    if block.green_m is not None:
        x0, y0, x1, y1 = block.green_m
        green = ifcopenshell.api.root.create_entity(w.f, ifc_class="IfcSpace", name="绿地 G1")
        if block.schema != "IFC2X3":
            green.PredefinedType = "EXTERNAL"
        ifcopenshell.api.aggregate.assign_object(w.f, products=[green], relating_object=w.site)
        rep = ifcopenshell.api.geometry.add_mesh_representation(
            w.f, context=w.body, vertices=[_box(x0, y0, x1, y1, 0.1)], faces=[FACES]
        )
        ifcopenshell.api.geometry.edit_object_placement(w.f, product=green, matrix=np.eye(4))
        ifcopenshell.api.geometry.assign_representation(w.f, product=green, representation=rep)
    if block.georeferenced and block.schema != "IFC2X3":
        crs = w.f.createIfcProjectedCRS(CRS, None, None, None, None, None, None)
        scale = 0.001 if block.millimetres else 1.0
        w.f.createIfcMapConversion(w.model, crs, EASTINGS, NORTHINGS, 0.0, 1.0, 0.0, scale)
    w.f.write(str(path))
    return path


def red_line_geojson(x0: float, y0: float, x1: float, y1: float) -> dict[str, object]:
    """A lon/lat GeoJSON polygon of the model rectangle (x0, y0)-(x1, y1) (metres)."""
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    coords = [list(to_lonlat.transform(EASTINGS + x, NORTHINGS + y)) for x, y in ring]
    return {
        "type": "Feature",
        "properties": {"name": "红线"},
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }


def answer_first_topic(bcf_path: Path, out: Path, *, author: str, text: str, guid: str) -> str:
    """What a BCF tool (bcf-client here) does when someone answers: one comment added to the
    first topic of ``bcf_path``, saved as ``out``; the topic's title."""
    import bcf.v3.bcfxml
    import bcf.v3.model as mdl

    edited = bcf.v3.bcfxml.BcfXml.load(bcf_path)
    assert edited is not None
    topic = next(iter(edited.topics.values()))
    comment = mdl.Comment(date="2026-12-02T10:00:00Z", author=author, comment=text, guid=guid)
    topic.comments = [*topic.comments, comment]
    edited.save(out)
    return str(topic.topic.title)
