"""The demo's proposed building: a vacant parcel of the demo city and an IFC4 submission on it."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.classification
import ifcopenshell.util.element
import ifcopenshell.util.geolocation
import ifcopenshell.util.unit
import numpy as np
import pytest
import shapely
from pyproj import Proj, Transformer

from twin.demo.proposal_ifc import write_proposal_ifc
from twin.demo.proposal_site import SETBACK_M, ProposalSite, proposal_site
from twin.demo_city import demo_city_open_space, generate_demo_city
from twin.errors import InvalidInputError

STOREYS = 18
STOREY_HEIGHT = 3.0
#: the geometry engine the IFC pipeline (bim_ingest) triangulates with
#: ifcopenshell's helpers, untyped here: IFC entities have dynamic attributes
element_util: Any = ifcopenshell.util.element
GEOMETRY_LIBRARY: Any = "hybrid-cgal-simple-opencascade"


@dataclass(frozen=True)
class Written:
    path: Path
    seconds: float


@dataclass(frozen=True)
class Mesh:
    ifc_class: str
    verts: np.ndarray  # (n, 3) metres, model axes
    faces: np.ndarray  # (m, 3)
    transparencies: tuple[float, ...]


@pytest.fixture(scope="module")
def site() -> ProposalSite:
    return proposal_site()


@pytest.fixture(scope="module")
def written(site: ProposalSite, tmp_path_factory: pytest.TempPathFactory) -> Written:
    path = tmp_path_factory.mktemp("proposal") / "proposal.ifc"
    start = time.perf_counter()
    assert write_proposal_ifc(path, site, storeys=STOREYS, storey_height=STOREY_HEIGHT) == path
    return Written(path, time.perf_counter() - start)


@pytest.fixture(scope="module")
def model(written: Written) -> Any:
    """The written file, reopened (typed Any: IFC entities have dynamic attributes)."""
    return ifcopenshell.open(str(written.path))


@pytest.fixture(scope="module")
def meshes(model: Any) -> dict[str, Mesh]:
    """Every element the geometry iterator triangulates, by GlobalId."""
    geom: Any = ifcopenshell.geom
    settings = geom.settings()
    settings.set("use-world-coords", True)
    settings.set("apply-default-materials", False)
    it = geom.iterator(settings, model, 1, geometry_library=GEOMETRY_LIBRARY)
    out: dict[str, Mesh] = {}
    assert it.initialize()
    while True:
        shape = it.get()
        geometry = shape.geometry
        out[shape.guid] = Mesh(
            model.by_guid(shape.guid).is_a(),
            np.asarray(geometry.verts, dtype=np.float64).reshape(-1, 3),
            np.asarray(geometry.faces, dtype=np.int64).reshape(-1, 3),
            tuple(m.transparency for m in geometry.materials),
        )
        if not it.next():
            return out


# -- the site -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [20261121, 7, 204])
def test_the_parcel_is_vacant_and_inside_the_built_city(seed: int) -> None:
    site = proposal_site(1500, seed)
    city = generate_demo_city(1500, seed)
    geoms = city.geometry.values
    assert not shapely.intersects(geoms, site.parcel).any()
    # not at the fringe: the city stands around it on every side
    centre = shapely.get_coordinates(site.parcel.centroid)[0]
    near = shapely.get_coordinates(
        shapely.centroid(geoms[shapely.dwithin(geoms, site.parcel, 150)])
    )
    assert (near[:, 0] > centre[0]).any() and (near[:, 0] < centre[0]).any()
    assert (near[:, 1] > centre[1]).any() and (near[:, 1] < centre[1]).any()
    assert not shapely.intersects(demo_city_open_space(1500, seed), site.parcel)


def test_the_parcel_does_not_depend_on_the_size_of_the_city(site: ProposalSite) -> None:
    small = proposal_site(50)
    assert small.parcel_id == site.parcel_id
    assert shapely.equals(small.parcel, site.parcel)
    assert not shapely.intersects(generate_demo_city().geometry.values, site.parcel).any()


def test_the_footprint_stands_inside_the_parcel_behind_the_setback(site: ProposalSite) -> None:
    assert site.parcel.contains(site.footprint)
    assert site.parcel.exterior.distance(site.footprint) >= SETBACK_M - 0.002
    assert 500 < site.footprint.area < site.parcel.area / 4


def test_the_footprint_follows_the_street_grid(site: ProposalSite) -> None:
    xy = shapely.get_coordinates(site.footprint.exterior)
    sides = np.diff(xy, axis=0)
    angles = np.degrees(np.arctan2(sides[:, 1], sides[:, 0]))
    # each side runs along the grid's east axis (rotation_deg clockwise from east) or across it
    off = np.mod(angles + site.rotation_deg, 90.0)
    assert np.all(np.minimum(off, 90.0 - off) < 0.01)
    assert site.rotation_deg == pytest.approx(12.0)


@pytest.mark.parametrize("bad", [(0, 1), (10, -1), (2.5, 1), (True, 1)])
def test_impossible_site_arguments_are_refused(bad: tuple[object, object]) -> None:
    with pytest.raises(InvalidInputError):
        proposal_site(*bad)  # type: ignore[arg-type]


# -- the IFC file ---------------------------------------------------------------------------


def test_an_18_storey_building_is_written_in_seconds(written: Written, model: Any) -> None:
    assert written.seconds < 15.0
    assert 500 < len(model.by_type("IfcProduct")) < 3000


def test_the_file_is_ifc4_in_millimetres_with_square_and_cubic_metres(
    model: Any,
) -> None:
    assert model.schema == "IFC4"
    assert ifcopenshell.util.unit.calculate_unit_scale(model) == pytest.approx(0.001)
    units = {u.UnitType: u for u in model.by_type("IfcProject")[0].UnitsInContext.Units}
    assert (units["AREAUNIT"].Prefix, units["AREAUNIT"].Name) == (None, "SQUARE_METRE")
    assert (units["VOLUMEUNIT"].Prefix, units["VOLUMEUNIT"].Name) == (None, "CUBIC_METRE")
    project = model.by_type("IfcProject")[0]
    assert "地块" in project.Name and "住宅" in project.Name


def test_it_has_a_storey_per_floor_and_a_roof_level(model: Any) -> None:
    building = model.by_type("IfcBuilding")[0]
    storeys = [o for rel in building.IsDecomposedBy for o in rel.RelatedObjects]
    by_name = {s.Name: s for s in storeys}
    assert set(by_name) == {f"{k}F" for k in range(1, STOREYS + 1)} | {"RF"}
    for k in range(1, STOREYS + 1):
        assert by_name[f"{k}F"].Elevation == pytest.approx((k - 1) * STOREY_HEIGHT * 1000)
    assert by_name["RF"].Elevation == pytest.approx(STOREYS * STOREY_HEIGHT * 1000)
    psets = element_util.get_psets(building)
    assert psets["Pset_BuildingCommon"]["NumberOfStoreys"] == STOREYS
    spaces = model.by_type("IfcSpace")
    net = sum(element_util.get_psets(s)["Qto_SpaceBaseQuantities"]["NetFloorArea"] for s in spaces)
    gross = psets["Qto_BuildingBaseQuantities"]["GrossFloorArea"]
    assert 0.85 * gross < net < gross


def test_every_storey_has_walls_a_floor_slab_and_windows_and_the_roof_a_roof_slab(
    model: Any,
) -> None:
    for storey in model.by_type("IfcBuildingStorey"):
        contained = Counter(e.is_a() for e in element_util.get_decomposition(storey))
        assert contained["IfcWall"] >= 4, storey.Name
        slabs = [e for e in element_util.get_decomposition(storey) if e.is_a("IfcSlab")]
        types = {s.PredefinedType for s in slabs}
        assert types == ({"ROOF"} if storey.Name == "RF" else {"FLOOR"}), storey.Name
        if storey.Name != "RF":
            assert contained["IfcWindow"] >= 4 and contained["IfcSpace"] >= 3, storey.Name
    doors = model.by_type("IfcDoor")
    assert doors and {element_util.get_container(d).Name for d in doors} == {"1F"}


def test_exterior_walls_carry_their_common_properties(model: Any) -> None:
    external = 0
    for wall in model.by_type("IfcWall"):
        common = element_util.get_psets(wall)["Pset_WallCommon"]
        assert common["FireRating"] == "2.00h"
        assert wall.PredefinedType in {"SOLIDWALL", "SHEAR", "PARAPET"}
        external += common["IsExternal"] is True
        if common["IsExternal"] and wall.PredefinedType != "PARAPET":
            assert common["LoadBearing"] is True
    assert external >= 4 * (STOREYS + 1)


def test_ground_floor_is_commercial_and_upper_floors_residential(model: Any) -> None:
    uses: dict[str, set[str]] = {}
    for space in model.by_type("IfcSpace"):
        psets = element_util.get_psets(space)
        storey = space.Decomposes[0].RelatingObject.Name
        uses.setdefault(storey, set()).add(
            psets["Pset_SpaceOccupancyRequirements"]["OccupancyType"]
        )
        assert space.LongName and psets["Pset_SpaceCommon"]["Reference"]
    assert uses.pop("1F") == {"商业", "住宅"}
    assert set(map(frozenset, uses.values())) == {frozenset({"住宅"})}
    flats = [s for s in model.by_type("IfcSpace") if s.LongName.startswith("住宅套型")]
    assert len(flats) == 4 * (STOREYS - 1)


def test_every_element_with_a_body_triangulates(model: Any, meshes: dict[str, Mesh]) -> None:
    expected = {
        p.GlobalId
        for p in model.by_type("IfcProduct")
        if not p.is_a("IfcOpeningElement")
        and p.Representation
        and any(r.RepresentationIdentifier == "Body" for r in p.Representation.Representations)
    }
    assert len(expected) > 500
    assert expected <= set(meshes)
    assert all(len(meshes[g].faces) >= 12 for g in expected)


def test_the_walls_are_cut_where_windows_and_doors_are(model: Any, meshes: dict[str, Mesh]) -> None:
    fillings = model.by_type("IfcWindow") + model.by_type("IfcDoor")
    for filling in fillings:
        opening = filling.FillsVoids[0].RelatingOpeningElement
        wall = opening.VoidsElements[0].RelatingBuildingElement
        assert element_util.get_psets(wall)["Pset_WallCommon"]["IsExternal"]
    plain = meshes[_wall(model, "2F", "外墙-E").GlobalId]
    cut = meshes[_wall(model, "2F", "外墙-S").GlobalId]
    assert len(plain.faces) < len(cut.faces)  # a box versus a wall with eight holes


def test_space_areas_are_those_of_their_geometry(model: Any, meshes: dict[str, Mesh]) -> None:
    spaces = model.by_type("IfcSpace")
    assert len(spaces) >= 3 + 5 * (STOREYS - 1)
    for space in spaces:
        quantities = element_util.get_psets(space)["Qto_SpaceBaseQuantities"]
        area = _floor_area(meshes[space.GlobalId])
        assert quantities["NetFloorArea"] == pytest.approx(area, rel=0.01), space.Name
        assert quantities["GrossFloorArea"] > quantities["NetFloorArea"]


def test_windows_are_glazed_with_a_translucent_material(
    model: Any, meshes: dict[str, Mesh]
) -> None:
    windows = model.by_type("IfcWindow")
    assert len(windows) >= 10 * STOREYS
    for window in windows:
        mesh = meshes[window.GlobalId]
        assert any(t > 0.3 for t in mesh.transparencies), window.Name
        assert any(t == 0 for t in mesh.transparencies), window.Name  # the frame
        assert element_util.get_psets(window)["Pset_WindowCommon"]["IsExternal"]
    glass = [m for m in model.by_type("IfcMaterial") if m.Category == "glass"]
    assert glass


def test_walls_and_slabs_have_coloured_materials_and_a_classification(
    model: Any,
) -> None:
    for element in model.by_type("IfcWall") + model.by_type("IfcSlab"):
        material = element_util.get_material(element)
        assert material is not None and material.is_a("IfcMaterial"), element.Name
        styles = [s for r in material.HasRepresentation for i in r.Representations for s in i.Items]
        rendering = styles[0].Styles[0].Styles[0]
        assert rendering.is_a("IfcSurfaceStyleRendering")
        assert rendering.SurfaceColour.Red > 0
        references = ifcopenshell.util.classification.get_references(element)
        assert {r.ReferencedSource.Name for r in references} == {"Uniclass"}


def test_the_map_conversion_puts_the_model_on_the_footprint(
    model: Any, site: ProposalSite, meshes: dict[str, Mesh]
) -> None:
    conversion = model.by_type("IfcMapConversion")[0]
    assert conversion.TargetCRS.Name == "EPSG:4547"
    assert conversion.TargetCRS.MapUnit.Name == "METRE" and not conversion.TargetCRS.MapUnit.Prefix
    assert conversion.Scale == pytest.approx(0.001)
    assert conversion.OrthogonalHeight == 0
    walls = [meshes[w.GlobalId] for w in _storey_walls(model, "1F") if w.Name.startswith("外墙")]
    mm = np.vstack([w.verts for w in walls]) * 1000.0  # the iterator answers in metres
    east, north = _to_map(conversion, mm[:, 0], mm[:, 1])
    outline = shapely.MultiPoint(np.column_stack([east, north])).convex_hull
    assert shapely.hausdorff_distance(outline, site.footprint) < 0.005
    origin = _to_map(conversion, np.zeros(1), np.zeros(1))
    corners = shapely.get_coordinates(site.footprint)
    assert np.hypot(*(corners - np.hstack(origin)).T).min() < 0.005
    # the same answer as ifcopenshell's own reading of the conversion
    enh = ifcopenshell.util.geolocation.auto_xyz2enh(model, 1000.0, 2000.0, 0.0)
    assert np.allclose(
        enh[:2], np.hstack(_to_map(conversion, np.array([1000.0]), np.array([2000.0])))
    )


def test_ref_latitude_longitude_and_true_north_agree_with_the_map_conversion(
    model: Any, site: ProposalSite
) -> None:
    conversion = model.by_type("IfcMapConversion")[0]
    ifc_site = model.by_type("IfcSite")[0]
    lat = ifcopenshell.util.geolocation.dms2dd(*ifc_site.RefLatitude)
    lon = ifcopenshell.util.geolocation.dms2dd(*ifc_site.RefLongitude)
    to_geo = Transformer.from_crs(4547, 4326, always_xy=True)
    expected_lon, expected_lat = to_geo.transform(conversion.Eastings, conversion.Northings)
    assert lat == pytest.approx(expected_lat, abs=1e-7)
    assert lon == pytest.approx(expected_lon, abs=1e-7)
    # true north lies off grid north by the meridian convergence there
    convergence = Proj("EPSG:4547").get_factors(lon, lat).meridian_convergence
    grid = ifcopenshell.util.geolocation.get_grid_north(model)
    true = ifcopenshell.util.geolocation.get_true_north(model)
    assert grid == pytest.approx(site.rotation_deg, abs=1e-6)
    assert true - grid == pytest.approx(convergence, abs=1e-4)


def test_the_site_carries_the_parcel_red_line(model: Any, site: ProposalSite) -> None:
    conversion = model.by_type("IfcMapConversion")[0]
    rep = model.by_type("IfcSite")[0].Representation.Representations[0]
    assert rep.RepresentationIdentifier == "FootPrint"
    points = np.asarray(rep.Items[0].Elements[0].Points.CoordList, dtype=np.float64)
    east, north = _to_map(conversion, points[:, 0], points[:, 1])
    red_line = shapely.Polygon(np.column_stack([east, north]))
    assert shapely.hausdorff_distance(red_line, site.parcel) < 0.005


def test_the_same_site_gives_the_same_file_and_global_ids(
    written: Written, model: Any, site: ProposalSite, tmp_path: Path
) -> None:
    again = write_proposal_ifc(tmp_path / "again.ifc", site, storeys=STOREYS)
    assert again.read_bytes() == written.path.read_bytes()
    ids = [e.GlobalId for e in model.by_type("IfcRoot")]
    assert len(set(ids)) == len(ids)
    other = ifcopenshell.open(str(write_proposal_ifc(tmp_path / "low.ifc", site, storeys=3)))
    walls_low = {w.GlobalId for w in _storey_walls(other, "2F")}
    assert walls_low == {w.GlobalId for w in _storey_walls(model, "2F")}


def test_a_footprint_that_is_not_a_rectangle_along_the_grid_is_refused(
    site: ProposalSite, tmp_path: Path
) -> None:
    skewed = replace(site, footprint=shapely.Polygon(site.parcel.exterior.coords[:3]))
    with pytest.raises(InvalidInputError):
        write_proposal_ifc(tmp_path / "bad.ifc", skewed)


@pytest.mark.parametrize("storeys", [0, 1, 61, 2.5])
def test_an_impossible_number_of_storeys_is_refused(
    site: ProposalSite, tmp_path: Path, storeys: object
) -> None:
    with pytest.raises(InvalidInputError):
        write_proposal_ifc(tmp_path / "bad.ifc", site, storeys=storeys)  # type: ignore[arg-type]


def test_writing_into_a_missing_directory_is_refused_safely(
    site: ProposalSite, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        write_proposal_ifc(tmp_path / "absent" / "proposal.ifc", site)
    assert str(tmp_path) not in str(caught.value)


# -- helpers ---------------------------------------------------------------------------------


def _to_map(conversion: Any, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IFC4 IfcMapConversion by hand: scale, rotate by the x axis, then offset (map units)."""
    a, b = conversion.XAxisAbscissa, conversion.XAxisOrdinate
    norm = math.hypot(a, b)
    cos, sin = a / norm, b / norm
    s = conversion.Scale
    return (
        conversion.Eastings + s * (cos * x - sin * y),
        conversion.Northings + s * (sin * x + cos * y),
    )


def _floor_area(mesh: Mesh) -> float:
    """Area (m²) of the downward-facing triangles: the floor of a space."""
    tri = mesh.verts[mesh.faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area = np.linalg.norm(normal, axis=1) / 2
    down = normal[:, 2] < -0.99 * np.linalg.norm(normal, axis=1)
    return float(area[down].sum())


def _storey_walls(model: Any, storey: str) -> list[Any]:
    level = next(s for s in model.by_type("IfcBuildingStorey") if s.Name == storey)
    return [e for e in element_util.get_decomposition(level) if e.is_a("IfcWall")]


def _wall(model: Any, storey: str, name: str) -> Any:
    return next(w for w in _storey_walls(model, storey) if w.Name == name)
