"""The benchmark's large-IFC generator, at small size."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.guid
import ifcopenshell.util.element as element_util
import pytest
from pyproj import Transformer

from bench.big_ifc import ORIGIN_LONLAT, STOREY_HEIGHT, GuidSource, write_big_ifc

TARGET = 2_000_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    path = tmp_path_factory.mktemp("big_ifc") / "campus.ifc"
    info = write_big_ifc(path, TARGET, seed=7, storeys_per_building=4)
    return info, ifcopenshell.open(str(path))


def _body_products(model: Any) -> set[int]:
    return {
        p.id()
        for p in model.by_type("IfcProduct")
        if p.Representation
        and any(r.RepresentationIdentifier == "Body" for r in p.Representation.Representations)
    }


def test_the_file_has_about_the_requested_size_and_the_products_it_reports(
    generated: tuple[dict[str, Any], Any],
) -> None:
    info, model = generated
    assert abs(info["bytes"] - TARGET) / TARGET < 0.1
    assert Path(info["path"]).stat().st_size == info["bytes"]
    found = Counter(p.is_a() for p in model.by_type("IfcProduct"))
    assert dict(found) == info["products"]
    assert info["elements_with_body"] == len(_body_products(model))
    assert info["storeys"] > 4 and info["buildings"] == -(-info["storeys"] // 4)


def test_every_element_with_a_body_is_triangulated(generated: tuple[dict[str, Any], Any]) -> None:
    _, model = generated
    geom: Any = ifcopenshell.geom
    settings = geom.settings()
    settings.set("use-world-coords", True)
    it = geom.iterator(settings, model, 2)
    triangulated: dict[int, int] = {}
    assert it.initialize()
    while True:
        shape = it.get()
        triangulated[shape.id] = len(shape.geometry.faces) // 3
        if not it.next():
            break
    assert set(triangulated) == _body_products(model)
    assert min(triangulated.values()) >= 12  # a box at least, openings cut into walls


def test_globalids_are_unique_valid_uuid4_and_tags_are_unique(
    generated: tuple[dict[str, Any], Any],
) -> None:
    _, model = generated
    ids = [e.GlobalId for e in model.by_type("IfcRoot")]
    assert len(ids) == len(set(ids)) > 5_000
    assert all(uuid.UUID(ifcopenshell.guid.expand(g)).version == 4 for g in ids)
    tags = [e.Tag for e in model.by_type("IfcElement") if not e.is_a("IfcOpeningElement")]
    assert len(tags) == len(set(tags)) and all(t.isdigit() for t in tags)


def test_guid_source_writes_what_ifcopenshell_compresses() -> None:
    for g in GuidSource(3).take(200):
        assert ifcopenshell.guid.compress(uuid.UUID(ifcopenshell.guid.expand(g)).hex) == g


def test_the_map_conversion_puts_the_millimetre_model_near_shenzhen(
    generated: tuple[dict[str, Any], Any],
) -> None:
    _, model = generated
    (conversion,) = model.by_type("IfcMapConversion")
    assert conversion.TargetCRS.Name == "EPSG:4547" and conversion.Scale == pytest.approx(0.001)
    assert conversion.SourceCRS.is_a("IfcGeometricRepresentationContext")
    length = next(u for u in model.by_type("IfcSIUnit") if u.UnitType == "LENGTHUNIT" and u.Prefix)
    assert length.Prefix == "MILLI"
    to_lonlat = Transformer.from_crs(4547, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(conversion.Eastings, conversion.Northings)
    assert lon == pytest.approx(ORIGIN_LONLAT[0], abs=1e-6)
    assert lat == pytest.approx(ORIGIN_LONLAT[1], abs=1e-6)


def test_storeys_stack_in_their_buildings_and_hold_their_own_elements(
    generated: tuple[dict[str, Any], Any],
) -> None:
    _, model = generated
    for building in model.by_type("IfcBuilding"):
        storeys = building.IsDecomposedBy[0].RelatedObjects
        assert 1 <= len(storeys) <= 4
        for level, storey in enumerate(storeys):
            assert storey.Elevation == pytest.approx(level * STOREY_HEIGHT)
            at = storey.ObjectPlacement
            assert at.PlacementRelTo == building.ObjectPlacement
            assert at.RelativePlacement.Location.Coordinates[2] == pytest.approx(storey.Elevation)
            parts: Any = element_util.get_decomposition(storey)
            walls = [e for e in parts if e.is_a("IfcWall")]
            assert len(walls) == 16
            assert all(w.ObjectPlacement.PlacementRelTo == at for w in walls)


def test_elements_carry_revit_style_property_sets_and_quantities(
    generated: tuple[dict[str, Any], Any],
) -> None:
    _, model = generated
    wall = model.by_type("IfcWall")[-1]
    psets = element_util.get_psets(wall, psets_only=True, should_inherit=False)
    assert {
        "Constraints",
        "Dimensions",
        "Identity Data",
        "Phasing",
        "Other",
        "Pset_WallCommon",
    } <= set(psets)
    storey: Any = element_util.get_container(wall)
    assert psets["Constraints"]["Base Constraint"] == storey.Name
    assert psets["Identity Data"]["Mark"] == f"M-{wall.Tag}"
    qto = element_util.get_psets(wall, qtos_only=True)["Qto_WallBaseQuantities"]
    assert qto["Length"] == pytest.approx(psets["Dimensions"]["Length"])
    space = model.by_type("IfcSpace")[-1]
    assert space.Name.startswith(f"B{len(model.by_type('IfcBuilding'))}-")
    window = model.by_type("IfcWindow")[0]
    window_type: Any = element_util.get_type(window)
    assert window_type.is_a("IfcWindowType")
    assert (
        window.FillsVoids[0]
        .RelatingOpeningElement.VoidsElements[0]
        .RelatingBuildingElement.is_a("IfcWall")
    )


def test_the_same_seed_writes_the_same_file_and_another_seed_new_globalids(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{n}.ifc" for n in "abc")
    write_big_ifc(a, 300_000, seed=1)
    write_big_ifc(b, 300_000, seed=1)
    write_big_ifc(c, 300_000, seed=2)
    assert a.read_bytes() == b.read_bytes()
    ids_a = {e.GlobalId for e in ifcopenshell.open(str(a)).by_type("IfcRoot")}
    ids_c = {e.GlobalId for e in ifcopenshell.open(str(c)).by_type("IfcRoot")}
    assert len(ids_a) == len(ids_c) and not ids_a & ids_c
