from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.classification
import ifcopenshell.api.feature
import ifcopenshell.api.material
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.type
import ifcopenshell.api.unit
import ifcopenshell.guid
import ifcopenshell.util.element
import ifcopenshell.util.unit
import pytest

from bim_ingest.properties import value_type
from bim_ingest.semantics import ElementInfo, Semantics, read_semantics, tile_properties
from tests.conftest import SHARED_DATA

#: the IFC files of ../shared/data/ifc (named, not globbed: a missing folder must fail, not skip)
SAMPLES = [
    "AC20-FZK-Haus.ifc",
    "Duplex_A_20110907_georeferenced.ifc",
    "IfcOpenHouse_IFC4.ifc",
    "Office_A_20110811.ifc",
    "SimpleWall.ifc",
    "bouwkunde_georeferenced.ifc",
    "example_project_location.ifc",
]
TILE_KEYS = {"predefined_type", "tag", "is_external", "load_bearing", "fire_rating", "material"}


@cache
def _open(name: str) -> tuple[Any, Semantics]:
    model = ifcopenshell.open(str(SHARED_DATA / "ifc" / name))
    return model, read_semantics(model)


@pytest.fixture(scope="module", autouse=True)
def _release_models() -> Iterator[None]:
    yield
    _open.cache_clear()


@pytest.fixture
def sample(shared_data: Path, request: pytest.FixtureRequest) -> tuple[Any, Semantics]:
    return _open(str(request.param))


def _features(model: Any) -> list[Any]:
    spatial = model.by_type("IfcSpatialStructureElement")
    elements = [
        e
        for e in model.by_type("IfcElement")
        if not e.is_a("IfcFeatureElementSubtraction") and not e.is_a("IfcVirtualElement")
    ]
    return [*spatial, *elements]


def _ancestors(sem: Semantics, gid: str) -> list[ElementInfo]:
    out = []
    parent = sem.elements[gid].parent_id
    while parent is not None:
        out.append(sem.elements[parent])
        parent = sem.elements[parent].parent_id
    return out


# --- real samples ------------------------------------------------------------------------------


def test_the_samples_cover_both_schemas(shared_data: Path) -> None:
    assert {"AC20-FZK-Haus.ifc", "Duplex_A_20110907_georeferenced.ifc"} <= set(SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, indirect=True)
def test_every_feature_of_a_sample_has_a_record_keyed_by_its_global_id(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    features = _features(model)
    assert set(sem.elements) == {f.GlobalId for f in features}
    assert Counter(i.ifc_class for i in sem.elements.values()) == Counter(
        f.is_a() for f in features
    )
    for excluded in model.by_type("IfcOpeningElement") + model.by_type("IfcVirtualElement"):
        assert excluded.GlobalId not in sem.elements
    assert all(gid == info.global_id for gid, info in sem.elements.items())


@pytest.mark.parametrize("name", SAMPLES)
def test_the_schema_version_is_the_one_the_file_header_declares(
    shared_data: Path, name: str
) -> None:
    text = (shared_data / "ifc" / name).read_text(errors="replace")
    declared = re.search(r"FILE_SCHEMA\s*\(\s*\(\s*'([A-Z0-9_]+)'", text)
    assert declared is not None
    assert _open(name)[1].schema_version == declared.group(1).split("_")[0]


@pytest.mark.parametrize("sample", SAMPLES, indirect=True)
def test_parents_are_the_aggregate_else_the_spatial_container(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    for gid, info in sem.elements.items():
        product = model.by_guid(gid)
        parent: Any = ifcopenshell.util.element.get_aggregate(
            product
        ) or ifcopenshell.util.element.get_container(product, should_get_direct=True)
        if parent is None or parent.is_a("IfcProject"):
            assert info.parent_id is None, gid
        else:
            assert info.parent_id == parent.GlobalId, gid
        if info.ifc_class == "IfcSite":
            assert info.parent_id is None


@pytest.mark.parametrize("sample", SAMPLES, indirect=True)
def test_every_attribute_is_json_safe_and_of_its_declared_type(
    sample: tuple[Any, Semantics],
) -> None:
    _, sem = sample
    for info in sem.elements.values():
        json.dumps(dict(info.attributes), allow_nan=False)
        for key, value in info.attributes.items():
            kind = value_type(value)
            assert kind is None or kind == sem.attribute_schema[key], (key, value)
    assert sem.attribute_schema["GlobalId"] == "string"
    if any(i.ifc_class == "IfcBuildingStorey" for i in sem.elements.values()):
        assert sem.attribute_schema["elevation"] == "number"


@pytest.mark.parametrize(
    "sample", ["AC20-FZK-Haus.ifc", "Duplex_A_20110907_georeferenced.ifc"], indirect=True
)
def test_the_tree_walks_from_the_site_through_building_and_storeys_to_every_element(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    roots = [gid for gid, info in sem.elements.items() if info.parent_id is None]
    assert [sem.elements[r].ifc_class for r in roots] == ["IfcSite"]
    (building,) = sem.children(roots[0])
    assert sem.elements[building].ifc_class == "IfcBuilding"
    storeys = [
        g for g in sem.children(building) if sem.elements[g].ifc_class == "IfcBuildingStorey"
    ]
    assert sorted(storeys) == sorted(s.GlobalId for s in model.by_type("IfcBuildingStorey"))

    reached, todo = [], list(roots)
    while todo:
        gid = todo.pop()
        reached.append(gid)
        todo.extend(sem.children(gid))
    assert sorted(reached) == sorted(sem.elements)  # nothing is orphaned

    for storey in storeys:
        for gid in sem.children(storey):
            info = sem.elements[gid]
            assert info.storey_id == storey
            assert info.storey == sem.elements[storey].name
            assert info.building == sem.elements[building].name
            assert info.site == sem.elements[roots[0]].name


@pytest.mark.parametrize(
    "sample",
    ["AC20-FZK-Haus.ifc", "Duplex_A_20110907_georeferenced.ifc", "Office_A_20110811.ifc"],
    indirect=True,
)
def test_each_element_knows_the_storey_it_is_in_even_through_an_aggregate(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    scale = ifcopenshell.util.unit.calculate_unit_scale(model)
    for gid, info in sem.elements.items():
        if info.spatial:
            continue
        storey = ifcopenshell.util.element.get_container(
            model.by_guid(gid), ifc_class="IfcBuildingStorey"
        )
        assert storey is not None
        assert info.storey_id == storey.GlobalId
        assert info.storey_elevation == pytest.approx(storey.Elevation * scale, abs=1e-6)
        assert storey.GlobalId in {a.global_id for a in _ancestors(sem, gid)}


@pytest.mark.parametrize(
    "sample", ["Duplex_A_20110907_georeferenced.ifc", "Office_A_20110811.ifc"], indirect=True
)
def test_a_stair_flight_hangs_under_its_stair(sample: tuple[Any, Semantics]) -> None:
    model, sem = sample
    flights = model.by_type("IfcStairFlight")
    aggregated = [f for f in flights if ifcopenshell.util.element.get_aggregate(f) is not None]
    assert aggregated
    for flight in aggregated:
        stair: Any = ifcopenshell.util.element.get_aggregate(flight)
        info = sem.elements[flight.GlobalId]
        assert info.parent_id == stair.GlobalId
        assert flight.GlobalId in sem.children(stair.GlobalId)
        assert info.storey_id == sem.elements[stair.GlobalId].storey_id is not None


@pytest.mark.parametrize(
    "sample", ["AC20-FZK-Haus.ifc", "Duplex_A_20110907_georeferenced.ifc"], indirect=True
)
def test_spaces_are_children_of_their_storeys(sample: tuple[Any, Semantics]) -> None:
    model, sem = sample
    spaces = model.by_type("IfcSpace")
    assert spaces
    for space in spaces:
        info = sem.elements[space.GlobalId]
        storey = sem.elements[info.parent_id] if info.parent_id else None
        assert storey is not None and storey.ifc_class == "IfcBuildingStorey"
        assert space.GlobalId in sem.children(storey.global_id)
        assert info.spatial and info.storey_id == storey.global_id


@pytest.mark.parametrize("sample", ["Duplex_A_20110907_georeferenced.ifc"], indirect=True)
def test_the_spatial_tree_comes_first_then_elements_by_step_id(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    infos = list(sem.elements.values())
    n_spatial = sum(i.spatial for i in infos)
    assert all(i.spatial for i in infos[:n_spatial])
    seen: set[str] = set()
    for info in infos[:n_spatial]:  # every spatial parent comes before its children
        assert info.parent_id is None or info.parent_id in seen
        seen.add(info.global_id)
    step_ids = [model.by_guid(i.global_id).id() for i in infos[n_spatial:]]
    assert step_ids == sorted(step_ids)


@pytest.mark.parametrize("sample", ["Duplex_A_20110907_georeferenced.ifc"], indirect=True)
def test_layered_walls_list_their_materials_and_name_the_thickest(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    layered = 0
    for wall in model.by_type("IfcWall"):
        layer_set: Any = ifcopenshell.util.element.get_material(wall, should_skip_usage=True)
        if layer_set is None or not layer_set.is_a("IfcMaterialLayerSet"):
            continue
        layers = [la for la in layer_set.MaterialLayers if la.Material is not None]
        names = list(dict.fromkeys(la.Material.Name for la in layers))
        thickest = max(layers, key=lambda la: la.LayerThickness).Material.Name
        info = sem.elements[wall.GlobalId]
        assert info.attributes["materials"] == "; ".join(names)
        assert info.attributes["material"] == thickest == tile_properties(info)["material"]
        layered += len(names) > 1
    assert layered


@pytest.mark.parametrize("sample", ["example_project_location.ifc"], indirect=True)
def test_classification_references_read_system_identification_and_name(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    texts: dict[int, set[str]] = {}
    for rel in model.by_type("IfcRelAssociatesClassification"):
        ref = rel.RelatingClassification  # all in one system here
        for obj in rel.RelatedObjects:
            texts.setdefault(obj.id(), set()).add(
                f"{ref.ReferencedSource.Name}: {ref.Identification} {ref.Name}"
            )
    checked = 0
    for gid, info in sem.elements.items():
        product = model.by_guid(gid)
        element_type = ifcopenshell.util.element.get_type(product)
        own = texts.get(product.id()) or texts.get(element_type.id() if element_type else -1)
        if own:
            assert info.attributes["classification"] == "; ".join(sorted(own))
            checked += 1
        else:
            assert info.attributes["classification"] is None
    assert checked


@pytest.mark.parametrize("sample", ["Duplex_A_20110907_georeferenced.ifc"], indirect=True)
def test_tile_properties_carry_the_common_wall_properties(
    sample: tuple[Any, Semantics],
) -> None:
    model, sem = sample
    for wall in model.by_type("IfcWall"):
        info = sem.elements[wall.GlobalId]
        tile = tile_properties(info)
        common = ifcopenshell.util.element.get_pset(wall, "Pset_WallCommon") or {}
        assert set(tile) == TILE_KEYS
        assert tile["is_external"] is common.get("IsExternal")
        assert tile["load_bearing"] is common.get("LoadBearing")
        assert tile["tag"] == wall.Tag
        assert tile["predefined_type"] == info.predefined_type
        json.dumps(tile, allow_nan=False)


# --- a tiny model built with ifcopenshell.api ----------------------------------------------------

API = ifcopenshell.api


def _entity(f: ifcopenshell.file, ifc_class: str, name: str, **attrs: Any) -> Any:
    entity = API.root.create_entity(f, ifc_class=ifc_class, name=name)
    for key, value in attrs.items():
        setattr(entity, key, value)
    return entity


def _tiny() -> Any:
    """An IFC4 house in millimetres; ``t.<name>`` are its entities, ``t.model`` the file."""
    t = SimpleNamespace(model=ifcopenshell.file(schema="IFC4"))
    f = t.model
    project = _entity(f, "IfcProject", "P")
    API.unit.assign_unit(f)  # millimetres
    t.site = _entity(f, "IfcSite", "Site")
    t.building = _entity(f, "IfcBuilding", "House")
    t.ground = _entity(f, "IfcBuildingStorey", "Ground", Elevation=0.0)
    t.upper = _entity(f, "IfcBuildingStorey", "Upper", Elevation=3000.0, LongName="Upper floor")
    t.space = _entity(f, "IfcSpace", "Kitchen", LongName="Big kitchen")
    API.aggregate.assign_object(f, products=[t.site], relating_object=project)
    API.aggregate.assign_object(f, products=[t.building], relating_object=t.site)
    API.aggregate.assign_object(f, products=[t.ground, t.upper], relating_object=t.building)
    API.aggregate.assign_object(f, products=[t.space], relating_object=t.ground)

    wall_type = API.root.create_entity(f, ifc_class="IfcWallType", predefined_type="SOLIDWALL")
    t.wall = _entity(
        f, "IfcWall", "W1", Tag="T-1", Description="outer", PredefinedType="NOTDEFINED"
    )
    t.slab = _entity(f, "IfcSlab", "S1", PredefinedType="FLOOR")
    API.type.assign_type(
        f, related_objects=[t.wall], relating_type=wall_type, should_map_representations=False
    )
    common = {"IsExternal": True, "LoadBearing": True, "FireRating": "F30"}
    API.pset.edit_pset(
        f, pset=API.pset.add_pset(f, wall_type, "Pset_WallCommon"), properties=common
    )
    wall_pset = API.pset.add_pset(f, product=t.wall, name="Pset_WallCommon")
    API.pset.edit_pset(f, pset=wall_pset, properties={"FireRating": "F90"})
    unknown = f.create_entity("IfcLogical", "UNKNOWN")  # by hand: edit_pset fails on IfcLogical
    acoustic = f.create_entity("IfcPropertySingleValue", "Acoustic", None, unknown)
    wall_pset.HasProperties = (*wall_pset.HasProperties, acoustic)
    for product, mark, count in ((t.wall, "A", 2), (t.slab, 7, 2.5)):
        pset = API.pset.add_pset(f, product=product, name="Custom")
        API.pset.edit_pset(f, pset=pset, properties={"Mark": mark, "Count": count})
    qto = API.pset.add_qto(f, product=t.wall, name="Qto_WallBaseQuantities")
    API.pset.edit_qto(f, qto=qto, properties={"Length": 5.0})

    layers = API.material.add_material_set(f, name="Cavity", set_type="IfcMaterialLayerSet")
    brick = API.material.add_material(f, name="Brick")
    insulation = API.material.add_material(f, name="Insulation")
    for material, thickness in ((brick, 100.0), (insulation, 150.0), (brick, 100.0)):
        layer = API.material.add_layer(f, layer_set=layers, material=material)
        API.material.edit_layer(f, layer=layer, attributes={"LayerThickness": thickness})
    API.material.assign_material(f, [t.wall], type="IfcMaterialLayerSet", material=layers)
    uniclass = API.classification.add_classification(f, classification="Uniclass")
    for code, name in (("EF_25_10", "Walls"), ("Ss_25", "Wall systems")):
        API.classification.add_reference(
            f, products=[t.wall], identification=code, name=name, classification=uniclass
        )

    t.stair = _entity(f, "IfcStair", "Stair")
    t.flight = _entity(f, "IfcStairFlight", "Flight")
    t.chair = _entity(f, "IfcFurniture", "Chair")
    t.door = _entity(f, "IfcDoor", "Door")
    t.opening = _entity(f, "IfcOpeningElement", "Hole")
    t.virtual = _entity(f, "IfcVirtualElement", "Boundary")
    API.aggregate.assign_object(f, products=[t.flight], relating_object=t.stair)
    API.spatial.assign_container(f, [t.wall, t.slab, t.virtual], relating_structure=t.ground)
    API.spatial.assign_container(f, products=[t.stair], relating_structure=t.upper)
    API.spatial.assign_container(f, products=[t.chair], relating_structure=t.space)
    f.create_entity(  # by hand (the api would move it): contained as well as aggregated
        "IfcRelContainedInSpatialStructure",
        GlobalId=ifcopenshell.guid.new(),
        RelatedElements=[t.flight],
        RelatingStructure=t.upper,
    )
    API.feature.add_feature(f, feature=t.opening, element=t.wall)
    API.feature.add_filling(f, opening=t.opening, element=t.door)  # and no container
    return t


@pytest.fixture(scope="module")
def tiny() -> tuple[Any, Semantics]:
    t = _tiny()
    return t, read_semantics(t.model)


def test_the_tiny_model_has_exactly_its_features_in_tree_order(tiny: tuple[Any, Semantics]) -> None:
    t, sem = tiny
    spatial = [t.site, t.building, t.ground, t.space, t.upper]  # depth first
    elements = [t.wall, t.slab, t.stair, t.flight, t.chair, t.door]  # by STEP id
    assert list(sem.elements) == [e.GlobalId for e in spatial + elements]
    assert t.opening.GlobalId not in sem.elements and t.virtual.GlobalId not in sem.elements
    assert sem.schema_version == "IFC4"


def test_the_tiny_model_links_parents_and_children(tiny: tuple[Any, Semantics]) -> None:
    t, sem = tiny

    def parent(e: Any) -> str | None:
        return sem.elements[e.GlobalId].parent_id

    assert parent(t.site) is None
    assert parent(t.building) == t.site.GlobalId
    assert parent(t.space) == t.ground.GlobalId
    assert parent(t.flight) == t.stair.GlobalId  # the aggregate wins over the container
    assert parent(t.chair) == t.space.GlobalId
    assert parent(t.door) == t.wall.GlobalId  # no container: the wall whose opening it fills
    assert sem.children(t.building.GlobalId) == [t.ground.GlobalId, t.upper.GlobalId]
    assert sem.children(t.ground.GlobalId) == [t.space.GlobalId, t.wall.GlobalId, t.slab.GlobalId]
    assert sem.children(t.door.GlobalId) == []


def test_the_tiny_model_places_elements_on_storeys_in_metres(tiny: tuple[Any, Semantics]) -> None:
    t, sem = tiny
    flight, chair, door = (sem.elements[e.GlobalId] for e in (t.flight, t.chair, t.door))
    assert (flight.storey_id, flight.storey) == (t.upper.GlobalId, "Upper")
    assert flight.storey_elevation == 3.0
    assert (chair.storey, chair.building, chair.site) == ("Ground", "House", "Site")
    assert door.storey == "Ground"
    upper = sem.elements[t.upper.GlobalId]
    assert upper.spatial and upper.storey_id == t.upper.GlobalId
    assert upper.attributes["elevation"] == 3.0 and upper.attributes["long_name"] == "Upper floor"
    site = sem.elements[t.site.GlobalId]
    assert (site.storey_id, site.building, site.site) == (None, None, "Site")


def test_the_tiny_wall_has_exactly_these_attributes(tiny: tuple[Any, Semantics]) -> None:
    t, sem = tiny
    wall = sem.elements[t.wall.GlobalId]
    assert (wall.ifc_class, wall.name, wall.tag) == ("IfcWall", "W1", "T-1")
    assert wall.predefined_type == "SOLIDWALL" and not wall.spatial  # from the type
    assert dict(wall.attributes) == {
        "GlobalId": t.wall.GlobalId,
        "class": "IfcWall",
        "predefined_type": "SOLIDWALL",
        "name": "W1",
        "tag": "T-1",
        "description": "outer",
        "object_type": None,
        "storey": "Ground",
        "storey_id": t.ground.GlobalId,
        "building": "House",
        "site": "Site",
        "materials": "Brick; Insulation",
        "material": "Insulation",
        "classification": "Uniclass: EF_25_10 Walls; Uniclass: Ss_25 Wall systems",
        "Pset_WallCommon.IsExternal": True,
        "Pset_WallCommon.LoadBearing": True,
        "Pset_WallCommon.FireRating": "F90",
        "Pset_WallCommon.Acoustic": None,
        "Custom.Mark": "A",
        "Custom.Count": 2.0,
        "Qto_WallBaseQuantities.Length": 5.0,
    }
    assert tile_properties(wall) == {
        "predefined_type": "SOLIDWALL",
        "tag": "T-1",
        "is_external": True,
        "load_bearing": True,
        "fire_rating": "F90",
        "material": "Insulation",
    }


def test_the_tiny_model_unifies_mixed_keys(tiny: tuple[Any, Semantics]) -> None:
    t, sem = tiny
    slab = sem.elements[t.slab.GlobalId]
    assert slab.attributes["Custom.Mark"] == "7"  # a label on the wall, an integer here
    assert slab.attributes["Custom.Count"] == 2.5
    assert sem.attribute_schema["Custom.Mark"] == "string"
    assert sem.attribute_schema["Custom.Count"] == "number"
    assert sem.attribute_schema["Pset_WallCommon.IsExternal"] == "boolean"
    assert sem.attribute_schema["Pset_WallCommon.Acoustic"] == "boolean"  # only UNKNOWN seen
    assert sem.attribute_schema["elevation"] == "number"
    assert tile_properties(slab) == dict.fromkeys(TILE_KEYS) | {"predefined_type": "FLOOR"}


def test_a_duplicated_global_id_keeps_the_first_object_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    t = _tiny()
    t.slab.GlobalId = t.wall.GlobalId
    with caplog.at_level(logging.WARNING, logger="twin.bim_ingest"):
        sem = read_semantics(t.model)
    assert sem.elements[t.wall.GlobalId].name == "W1"
    assert "S1" not in {i.name for i in sem.elements.values()}
    assert any("GlobalId" in r.getMessage() for r in caplog.records)


def test_an_ifc4x3_facility_and_its_parts_are_spatial_records() -> None:
    f = ifcopenshell.file(schema="IFC4X3")
    project = _entity(f, "IfcProject", "P")
    site, road = _entity(f, "IfcSite", "Site"), _entity(f, "IfcRoad", "Road")
    part, pavement = _entity(f, "IfcRoadPart", "Lane"), _entity(f, "IfcPavement", "Asphalt")
    API.aggregate.assign_object(f, products=[site], relating_object=project)
    API.aggregate.assign_object(f, products=[road], relating_object=site)
    API.aggregate.assign_object(f, products=[part], relating_object=road)
    API.spatial.assign_container(f, products=[pavement], relating_structure=part)

    sem = read_semantics(f)
    assert sem.schema_version == "IFC4X3"
    assert list(sem.elements) == [e.GlobalId for e in (site, road, part, pavement)]
    spatial = [sem.elements[e.GlobalId].spatial for e in (site, road, part, pavement)]
    assert spatial == [True, True, True, False]
    assert sem.children(part.GlobalId) == [pavement.GlobalId]
    assert sem.elements[pavement.GlobalId].site == "Site"
    assert sem.elements[pavement.GlobalId].storey_id is None
