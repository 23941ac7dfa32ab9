"""CityGML 2.0 reading: the PLATEAU Yokosuka sample and small hand-written models."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from twin.errors import InvalidInputError
from twin.readers.citygml import read_citygml

BLDG = "{http://www.opengis.net/citygml/building/2.0}"
GML = "{http://www.opengis.net/gml}"


def _plateau(shared_data: Path) -> Path:
    return shared_data / "buildings" / "plateau-yokosuka" / "52397519_bldg_6697_op.gml"


def test_plateau_buildings_and_parts_come_with_their_hierarchy_and_attributes(
    shared_data: Path,
) -> None:
    path = _plateau(shared_data)
    tree = ET.parse(path)
    buildings = [e.get(f"{GML}id") for e in tree.iter(f"{BLDG}Building")]
    parts = {
        p.get(f"{GML}id"): b.get(f"{GML}id")
        for b in tree.iter(f"{BLDG}Building")
        for p in b.iter(f"{BLDG}BuildingPart")
    }
    heights = {
        e.get(f"{GML}id"): float(h.text or "")
        for e in [*tree.iter(f"{BLDG}Building"), *tree.iter(f"{BLDG}BuildingPart")]
        for h in e.findall(f"{BLDG}measuredHeight")
    }
    model = read_citygml(path)
    assert (model.format, model.version, model.crs) == ("CityGML", "2.0", "EPSG:6697")
    assert {o.id for o in model.objects if o.cls == "Building"} == set(buildings)
    assert {o.id: o.parent_id for o in model.objects if o.cls == "BuildingPart"} == parts
    assert len(parts) == 2
    got = {
        o.id: o.attributes["measuredHeight"]
        for o in model.objects
        if "measuredHeight" in o.attributes
    }
    assert got == heights
    storeys = [
        o.attributes["storeysAboveGround"]
        for o in model.objects
        if "storeysAboveGround" in o.attributes
    ]
    assert storeys and all(isinstance(s, int) for s in storeys)


def test_plateau_lat_lon_poslists_become_lon_lat(shared_data: Path) -> None:
    model = read_citygml(_plateau(shared_data))
    pts = np.concatenate([r for o in model.objects for s in o.surfaces for r in s.rings])
    assert pts[:, 0].min() > 139.7 and pts[:, 0].max() < 139.75  # longitude first
    assert pts[:, 1].min() > 35.25 and pts[:, 1].max() < 35.27
    assert pts[:, 2].min() > 2.0 and pts[:, 2].max() < 22.0


def test_lod2_keeps_every_boundary_surface_polygon_with_its_type(shared_data: Path) -> None:
    path = _plateau(shared_data)
    tree = ET.parse(path)
    expected: dict[str, dict[str, int]] = {}
    for e in [*tree.iter(f"{BLDG}Building"), *tree.iter(f"{BLDG}BuildingPart")]:
        counts = {"RoofSurface": 0, "WallSurface": 0, "GroundSurface": 0}
        for bounded in e.findall(f"{BLDG}boundedBy"):
            for surface in bounded:
                name = surface.tag.split("}")[1]
                if name in counts:
                    counts[name] += len(list(surface.iter(f"{GML}Polygon")))
        expected[e.get(f"{GML}id") or ""] = counts
    lod2 = {o.id: o for o in read_citygml(path, lod=2).objects}
    for oid, counts in expected.items():
        got = lod2[oid].surface_counts()
        assert got == {
            "roof_surfaces": counts["RoofSurface"],
            "wall_surfaces": counts["WallSurface"],
            "ground_surfaces": counts["GroundSurface"],
        }
        if counts["RoofSurface"]:
            assert lod2[oid].lod == "2"
    assert sum(c["RoofSurface"] for c in expected.values()) > 0
    lod1 = {o.id: o for o in read_citygml(path, lod=1).objects}
    assert all(o.lod in {"1", None} for o in lod1.values())
    assert all(not o.surface_counts()["roof_surfaces"] for o in lod1.values())


def _model(body: str) -> str:
    return (
        '<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" '
        'xmlns:bldg="http://www.opengis.net/citygml/building/2.0" '
        'xmlns:gen="http://www.opengis.net/citygml/generics/2.0" '
        'xmlns:gml="http://www.opengis.net/gml">' + body + "</core:CityModel>"
    )


def test_interior_rings_projected_coordinates_and_generic_attributes_are_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hole.gml"
    path.write_text(
        _model(
            '<core:cityObjectMember><bldg:Building gml:id="b1">'
            '<gen:stringAttribute name="owner"><gen:value>city</gen:value></gen:stringAttribute>'
            "<bldg:function>1010</bldg:function><bldg:storeysAboveGround>3</bldg:storeysAboveGround>"
            '<bldg:lod1MultiSurface><gml:MultiSurface srsName="EPSG:28992"><gml:surfaceMember>'
            "<gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>"
            "85000 447000 1 85010 447000 1 85010 447010 1 85000 447010 1 85000 447000 1"
            "</gml:posList></gml:LinearRing></gml:exterior><gml:interior><gml:LinearRing>"
            "<gml:posList>85002 447002 1 85004 447002 1 85004 447004 1 85002 447002 1</gml:posList>"
            "</gml:LinearRing></gml:interior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>"
            "</bldg:lod1MultiSurface></bldg:Building></core:cityObjectMember>"
        ),
        encoding="utf-8",
    )
    (obj,) = read_citygml(path).objects
    assert obj.attributes == {"owner": "city", "function": "1010", "storeysAboveGround": 3}
    (surface,) = obj.surfaces
    assert [len(r) for r in surface.rings] == [4, 3]  # closing points dropped
    assert surface.rings[0][0].tolist() == [85000.0, 447000.0, 1.0]  # easting first: no swap


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml"/>',
            "not a CityGML CityModel",
        ),
        (_model("<core:cityObjectMember>"), "not well-formed XML"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]>' + _model(""), "DTD or entities"),
    ],
)
def test_xml_that_is_not_a_city_model_is_refused_clearly(
    content: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "in.gml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        read_citygml(path)
