from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable
from pathlib import Path

import ifcopenshell
import ifcopenshell.api.context
import ifcopenshell.api.geometry
import ifcopenshell.api.georeference
import ifcopenshell.api.root
import ifcopenshell.api.unit
import ifcopenshell.util.element
import ifcopenshell.util.geolocation
import numpy as np
import pyproj
import pytest

from bim_ingest.georef import GeoOverride, Georeference, georeference
from tiles.geodesy import geodetic_to_ecef
from twin.errors import CRSError, InvalidInputError

GEOD = pyproj.Geod(ellps="WGS84")
BOUWKUNDE = "bouwkunde_georeferenced.ifc"
EXAMPLE = "example_project_location.ifc"
DUPLEX = "Duplex_A_20110907_georeferenced.ifc"
FZK = "AC20-FZK-Haus.ifc"
OPEN_HOUSE = "IfcOpenHouse_IFC4.ifc"
Loader = Callable[[str], ifcopenshell.file]


@pytest.fixture(scope="module")
def ifc(shared_data: Path) -> Loader:
    cache: dict[str, ifcopenshell.file] = {}

    def load(name: str) -> ifcopenshell.file:
        if name not in cache:
            cache[name] = ifcopenshell.open(str(shared_data / "ifc" / name))
        return cache[name]

    return load


def grid_to_lonlat(crs: str, e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(e, n)
    return np.asarray(lon), np.asarray(lat)


def metres_apart(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def ecef_of(g: Georeference, pts: np.ndarray) -> np.ndarray:
    lonlath = g.to_lonlat(pts)
    return geodetic_to_ecef(lonlath[:, 0], lonlath[:, 1], lonlath[:, 2])


def azimuth_deg(enu: np.ndarray) -> float:
    return math.degrees(math.atan2(enu[0], enu[1]))


def map_conversion_of(model: ifcopenshell.file) -> tuple[float, ...]:
    """E, N, H, abscissa, ordinate as written in the file (entity or IFC2X3 pset)."""
    convs = model.by_type("IfcMapConversion") if model.schema != "IFC2X3" else []
    if convs:
        c = convs[0]
        return (c.Eastings, c.Northings, c.OrthogonalHeight, c.XAxisAbscissa, c.XAxisOrdinate)
    pset = ifcopenshell.util.element.get_pset(model.by_type("IfcSite")[0], "ePSet_MapConversion")
    keys = ("Eastings", "Northings", "OrthogonalHeight", "XAxisAbscissa", "XAxisOrdinate")
    return tuple(float(pset[k]) for k in keys)


# --- real files -----------------------------------------------------------------------------


def test_bouwkunde_lands_where_its_map_conversion_says(ifc: Loader) -> None:
    model = ifc(BOUWKUNDE)
    g = georeference(model)
    e0, n0, *_ = map_conversion_of(model)
    assert (g.source, g.crs) == ("map_conversion", "EPSG:28992")
    assert g.details["eastings"] == pytest.approx(85104.702, abs=1e-3)
    assert g.details["northings"] == pytest.approx(446805.116, abs=1e-3)
    lon, lat = grid_to_lonlat("EPSG:28992", np.array([e0]), np.array([n0]))
    origin = g.to_lonlat(np.zeros((1, 3)))[0]
    assert metres_apart(origin[0], origin[1], lon[0], lat[0]) < 0.01
    assert origin[1] == pytest.approx(52.0052, abs=1e-4)
    assert origin[0] == pytest.approx(4.3692, abs=1e-4)
    assert g.warnings == ()  # its site reference agrees


def test_a_model_in_millimetres_lands_where_its_map_conversion_says(ifc: Loader) -> None:
    model = ifc(EXAMPLE)
    g = georeference(model)
    e0, n0, *_ = map_conversion_of(model)
    assert g.source == "map_conversion"
    lon, lat = grid_to_lonlat("EPSG:28992", np.array([e0 / 1000]), np.array([n0 / 1000]))
    origin = g.to_lonlat(np.zeros((1, 3)))[0]
    assert metres_apart(origin[0], origin[1], lon[0], lat[0]) < 0.01
    assert origin[1] == pytest.approx(51.712, abs=1e-3)
    assert origin[0] == pytest.approx(5.309, abs=1e-3)
    assert g.details["unit_fix"]["divisor"] == 1000
    assert any("millimetre" in w for w in g.warnings)
    # its IfcSite still says Boston: the contradiction is reported with the distance
    contradiction = [w for w in g.warnings if "km from where the map conversion" in w]
    assert len(contradiction) == 1 and "Boston" in contradiction[0]
    assert g.details["site_distance_m"] > 5_000_000


def test_ifc2x3_map_conversion_psets_place_and_rotate_the_duplex(ifc: Loader) -> None:
    model = ifc(DUPLEX)
    g = georeference(model)
    e0, n0, h0, a, b = map_conversion_of(model)
    assert (g.source, g.crs) == ("map_conversion_pset", "EPSG:9897")
    origin = g.to_lonlat(np.zeros((1, 3)))[0]
    assert origin[1] == pytest.approx(49.629, abs=1e-3)
    assert origin[0] == pytest.approx(6.122, abs=1e-3)
    assert origin[2] == pytest.approx(h0, abs=1e-6)  # OrthogonalHeight, as ellipsoidal
    # 10 m along model +X goes along (a, b) on the LUREF grid (EPSG:2169, horizontal part)
    a, b = a / math.hypot(a, b), b / math.hypot(a, b)
    lon, lat = grid_to_lonlat("EPSG:2169", np.array([e0 + 10 * a]), np.array([n0 + 10 * b]))
    expected = g.frame.from_ecef(geodetic_to_ecef(lon, lat, np.array([h0])))[0]
    got = g.to_enu(np.array([[10.0, 0.0, 0.0]]))[0]
    assert np.linalg.norm(got - expected) < 0.005
    assert azimuth_deg(got) == pytest.approx(math.degrees(math.atan2(a, b)), abs=0.1)
    assert abs(azimuth_deg(got) - 90.0) > 60  # not where an unrotated +X would point
    assert any("Chicago" in w for w in g.warnings)


@pytest.mark.parametrize(
    ("name", "crs", "divisor"),
    [(BOUWKUNDE, "EPSG:28992", 1), (EXAMPLE, "EPSG:28992", 1000), (DUPLEX, "EPSG:2169", 1)],
)
def test_the_affine_stays_within_2_cm_of_the_exact_transform_300_m_out(
    ifc: Loader, name: str, crs: str, divisor: int
) -> None:
    model = ifc(name)
    g = georeference(model)
    e0, n0, h0, a, b = map_conversion_of(model)
    e0, n0, h0 = e0 / divisor, n0 / divisor, h0 / divisor
    a, b = a / math.hypot(a, b), b / math.hypot(a, b)
    angles = np.radians(np.arange(0, 360, 30))
    ring = np.column_stack([300 * np.cos(angles), 300 * np.sin(angles), np.zeros_like(angles)])
    pts = np.vstack([ring, ring + np.array([0.0, 0.0, 40.0])])
    x, y, z = pts.T
    lon, lat = grid_to_lonlat(crs, e0 + a * x - b * y, n0 + b * x + a * y)
    exact = geodetic_to_ecef(lon, lat, h0 + z)
    errors = np.linalg.norm(ecef_of(g, pts) - exact, axis=1)
    assert errors.max() < 0.02


def test_fzk_haus_is_placed_by_its_site_reference_and_true_north(ifc: Loader) -> None:
    model = ifc(FZK)
    g = georeference(model)
    assert (g.source, g.crs) == ("site_reference", "EPSG:4326")
    assert g.frame.lat == pytest.approx(49.1004, abs=1e-4)
    assert g.frame.lon == pytest.approx(8.4365, abs=1e-4)
    assert g.frame.height == pytest.approx(110.0)
    assert g.warnings == ()
    # the model's TrueNorth direction points north in the ENU frame
    context = model.by_type("IfcGeometricRepresentationContext", include_subtypes=False)[0]
    tx, ty = context.TrueNorth.DirectionRatios[:2]
    north = g.to_enu(np.array([[10 * tx, 10 * ty, 0.0]]))[0]
    assert north == pytest.approx([0.0, 10.0, 0.0], abs=1e-6)
    assert g.details["rotation_deg"] == pytest.approx(-50.0, abs=1e-6)


@pytest.mark.parametrize("name", ["SimpleWall.ifc", "Office_A_20110811.ifc"])
def test_a_revit_default_site_in_boston_is_used_with_a_warning(ifc: Loader, name: str) -> None:
    g = georeference(ifc(name))
    assert g.source == "site_reference"
    assert g.frame.lat == pytest.approx(42.358, abs=1e-3)
    assert g.frame.lon == pytest.approx(-71.058, abs=2e-3)
    assert len(g.warnings) == 1
    assert "Boston" in g.warnings[0] and "--origin" in g.warnings[0]


def test_a_model_without_georeference_is_refused_without_a_fallback(ifc: Loader) -> None:
    with pytest.raises(InvalidInputError) as err:
        georeference(ifc(OPEN_HOUSE))
    assert "not georeferenced" in err.value.message
    assert "--origin LON,LAT,H [--rotation DEG]" in err.value.message


def test_a_model_without_georeference_goes_to_the_default_origin_with_a_warning(
    ifc: Loader,
) -> None:
    g = georeference(ifc(OPEN_HOUSE), fallback_origin=(114.05, 22.54, 5.0))
    assert g.source == "default_origin"
    assert (g.frame.lon, g.frame.lat, g.frame.height) == (114.05, 22.54, 5.0)
    assert g.to_enu(np.array([[3.0, 4.0, 5.0]]))[0] == pytest.approx([3.0, 4.0, 5.0], abs=1e-9)
    assert len(g.warnings) == 1 and "default origin" in g.warnings[0]


def test_cli_rotation_90_turns_model_y_to_east_and_x_to_south(ifc: Loader) -> None:
    override = GeoOverride(origin=(4.37, 52.0, 2.0), rotation_deg=90.0)
    g = georeference(ifc(OPEN_HOUSE), override=override)
    assert g.source == "cli_origin"
    enu = g.to_enu(np.array([[0.0, 10.0, 0.0], [10.0, 0.0, 0.0], [0.0, 0.0, 10.0]]))
    np.testing.assert_allclose(enu, [[10, 0, 0], [0, -10, 0], [0, 0, 10]], atol=1e-6)
    origin = g.to_lonlat(np.zeros((1, 3)))[0]
    assert origin == pytest.approx([4.37, 52.0, 2.0], abs=1e-9)


def test_a_cli_origin_wins_over_the_models_map_conversion(ifc: Loader) -> None:
    g = georeference(ifc(BOUWKUNDE), override=GeoOverride(origin=(6.0, 50.0, 0.0)))
    assert g.source == "cli_origin"
    assert (g.frame.lon, g.frame.lat) == (6.0, 50.0)
    assert g.details["file_georeference"] == "IfcMapConversion"


def test_a_cli_crs_replaces_the_map_conversions_crs(ifc: Loader) -> None:
    plain = georeference(ifc(BOUWKUNDE))
    # RD New + NAP height: same horizontal CRS, so the same place
    g = georeference(ifc(BOUWKUNDE), override=GeoOverride(crs="EPSG:7415"))
    assert (g.crs, g.details["crs_from"]) == ("EPSG:7415", "override")
    assert metres_apart(g.frame.lon, g.frame.lat, plain.frame.lon, plain.frame.lat) < 1e-6
    # UTM 31N reads the same eastings/northings somewhere else entirely
    utm = georeference(ifc(BOUWKUNDE), override=GeoOverride(crs="EPSG:32631"))
    assert metres_apart(utm.frame.lon, utm.frame.lat, plain.frame.lon, plain.frame.lat) > 1e5


def test_an_unknown_cli_crs_is_an_error(ifc: Loader) -> None:
    with pytest.raises(CRSError, match="--crs"):
        georeference(ifc(BOUWKUNDE), override=GeoOverride(crs="EPSG:999999"))


def test_a_cli_crs_without_a_map_conversion_is_ignored_with_a_warning(ifc: Loader) -> None:
    g = georeference(ifc(FZK), override=GeoOverride(crs="EPSG:28992"))
    assert g.source == "site_reference"
    assert any("--crs was ignored" in w for w in g.warnings)


def test_the_record_is_json_safe_and_pickles_for_workers(ifc: Loader) -> None:
    g = georeference(ifc(EXAMPLE))
    record = json.loads(json.dumps(g.to_dict(), allow_nan=False))
    assert record["source"] == "map_conversion" and len(record["matrix"]) == 16
    assert record["frame"]["lat"] == g.frame.lat
    assert "ellipsoidal" in record["details"]["heights"]
    assert pickle.loads(pickle.dumps(g)) == g


# --- models built here ------------------------------------------------------------------------


def tiny_model(
    *,
    crs: str | None = "EPSG:4547",
    scale: float | None = 0.0009996,
    rotation_deg: float = 30.0,
    site: tuple[tuple[int, ...], tuple[int, ...], float] | None = None,
    site_at_mm: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> ifcopenshell.file:
    """IFC4 in millimetres; a map conversion to CGCS2000 / 3-degree GK CM 114E (metres)."""
    f = ifcopenshell.file(schema="IFC4")
    ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="tiny")
    mm = ifcopenshell.api.unit.add_si_unit(f, unit_type="LENGTHUNIT", prefix="MILLI")
    ifcopenshell.api.unit.assign_unit(f, units=[mm])
    ifcopenshell.api.context.add_context(f, context_type="Model")
    if crs is not None:
        ifcopenshell.api.georeference.add_georeferencing(f)
        metre = f.createIfcSIUnit(None, "LENGTHUNIT", None, "METRE")
        t = math.radians(rotation_deg)
        operation = {
            "Eastings": 503_000.0,
            "Northings": 2_494_000.0,
            "OrthogonalHeight": 12.5,
            "XAxisAbscissa": math.cos(t),
            "XAxisOrdinate": math.sin(t),
            "Scale": scale,
        }
        ifcopenshell.api.georeference.edit_georeferencing(
            f, projected_crs={"Name": crs, "MapUnit": metre}, coordinate_operation=operation
        )
    if site is not None:
        s = ifcopenshell.api.root.create_entity(f, ifc_class="IfcSite")
        s.RefLatitude, s.RefLongitude, s.RefElevation = site
        matrix = np.eye(4)
        matrix[:3, 3] = site_at_mm
        ifcopenshell.api.geometry.edit_object_placement(f, product=s, matrix=matrix, is_si=False)
    return f


CORNERS_M = np.array([[0.0, 0.0, 0.0], [120.0, 0.0, 0.0], [0.0, 80.0, 0.0], [60.0, -40.0, 25.0]])


def expected_ecef(model: ifcopenshell.file, pts_m: np.ndarray) -> np.ndarray:
    """ifcopenshell's own Helmert formula (project units in, map metres out) + pyproj."""
    params = ifcopenshell.util.geolocation.get_helmert_transformation_parameters(model)
    assert params is not None
    geo = ifcopenshell.util.geolocation
    enh = np.array([geo.xyz2enh(x * 1000, y * 1000, z * 1000, *params) for x, y, z in pts_m])
    lon, lat = grid_to_lonlat("EPSG:4547", enh[:, 0], enh[:, 1])
    return geodetic_to_ecef(lon, lat, enh[:, 2])


def test_a_built_millimetre_model_with_rotation_and_scale_lands_where_pyproj_says() -> None:
    model = tiny_model()
    g = georeference(model)
    assert (g.source, g.crs) == ("map_conversion", "EPSG:4547")
    assert g.details["grid_scale"] == pytest.approx(0.9996)
    errors = np.linalg.norm(ecef_of(g, CORNERS_M) - expected_ecef(model, CORNERS_M), axis=1)
    assert errors.max() < 0.005
    # grid rotation 30 degrees anticlockwise: +Y heads about 30 degrees west of grid north
    assert g.details["grid_rotation_deg"] == pytest.approx(-30.0)
    assert g.details["rotation_deg"] == pytest.approx(-30.0, abs=0.2)  # + small convergence
    assert g.warnings == ()


def test_a_scale_of_1_in_a_millimetre_model_is_read_on_top_of_the_unit_conversion() -> None:
    g = georeference(tiny_model(scale=1.0, rotation_deg=0.0))
    assert g.details["grid_scale"] == 1.0
    x, y = 100.0, 50.0
    lon, lat = grid_to_lonlat("EPSG:4547", np.array([503_000.0 + x]), np.array([2_494_050.0]))
    exact = geodetic_to_ecef(lon, lat, np.array([12.5]))
    assert np.linalg.norm(ecef_of(g, np.array([[x, y, 0.0]])) - exact) < 0.005


def test_the_site_reference_is_the_site_placements_origin() -> None:
    site = ((31, 30, 0, 0), (-121, -15, 0, 0), 7000.0)  # 7000 mm
    model = tiny_model(crs=None, site=site, site_at_mm=(10_000.0, -5_000.0, 0.0))
    g = georeference(model)
    assert g.source == "site_reference" and g.warnings == ()
    at_site = g.to_lonlat(np.array([[10.0, -5.0, 0.0]]))[0]
    assert at_site == pytest.approx([-121.25, 31.5, 7.0], abs=1e-9)
    assert metres_apart(g.frame.lon, g.frame.lat, -121.25, 31.5) == pytest.approx(
        math.hypot(10, 5), abs=1e-3
    )


def test_a_site_reference_at_0_0_is_used_with_a_warning() -> None:
    g = georeference(tiny_model(crs=None, site=((0, 0, 0), (0, 0, 0), 0.0)))
    assert g.source == "site_reference"
    assert len(g.warnings) == 1 and "exactly 0, 0" in g.warnings[0]


def test_an_unknown_crs_in_the_file_falls_back_to_the_site_with_a_warning() -> None:
    model = tiny_model(crs="Nowhere Grid", site=((22, 32, 0, 0), (114, 3, 0, 0), 0.0))
    g = georeference(model)
    assert g.source == "site_reference"
    assert any("Nowhere Grid" in w for w in g.warnings)


def test_an_unknown_crs_in_the_file_and_nothing_else_is_a_crs_error() -> None:
    with pytest.raises(CRSError, match="--crs EPSG:CODE"):
        georeference(tiny_model(crs="Nowhere Grid"), fallback_origin=(0.0, 0.0, 0.0))


def test_an_origin_off_the_globe_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="--origin"):
        georeference(tiny_model(), override=GeoOverride(origin=(200.0, 0.0, 0.0)))


def test_ifc4x3_per_axis_factors_of_a_scaled_map_conversion_are_applied() -> None:
    f = ifcopenshell.file(schema="IFC4X3")
    ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="scaled")
    metre = ifcopenshell.api.unit.add_si_unit(f, unit_type="LENGTHUNIT")
    ifcopenshell.api.unit.assign_unit(f, units=[metre])
    context = ifcopenshell.api.context.add_context(f, context_type="Model")
    crs = f.createIfcProjectedCRS("EPSG:28992")
    f.createIfcMapConversionScaled(context, crs, 85_000.0, 446_000.0, 1.0, 1.0, 0.0, 1.0, 1, 2, 3)
    g = georeference(f)
    assert g.source == "map_conversion"
    pts = np.array([[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
    lon, lat = grid_to_lonlat(
        "EPSG:28992",
        np.array([85_010.0, 85_000.0, 85_000.0]),
        np.array([446_000.0, 446_020.0, 446_000.0]),
    )
    exact = geodetic_to_ecef(lon, lat, np.array([1.0, 1.0, 31.0]))
    assert np.linalg.norm(ecef_of(g, pts) - exact, axis=1).max() < 0.001
