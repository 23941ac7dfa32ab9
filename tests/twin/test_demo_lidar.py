"""The demo street scan: a LAS 1.4 mobile-mapping scan of the main streets, with its CRS."""

from __future__ import annotations

from pathlib import Path

import laspy
import numpy as np
import pytest
import shapely

from twin.demo.lidar import ScanInfo, write_street_scan
from twin.demo.plan import make_plan
from twin.demo.terrain import Array, dem_heights, to_local, write_demo_dem
from twin.demo_city import generate_demo_city

N, DENSITY, MAX = 800, 2.0, 150_000


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> ScanInfo:
    path = tmp_path_factory.mktemp("scan") / "street.las"
    return write_street_scan(path, N, points_per_m2=DENSITY, max_points=MAX)


@pytest.fixture(scope="module")
def las(scan: ScanInfo) -> laspy.LasData:
    return laspy.read(scan.path)


def test_the_scan_is_las_1_4_with_colour_and_its_crs(scan: ScanInfo, las: laspy.LasData) -> None:
    assert str(las.header.version) == "1.4" and las.header.point_format.id == 7
    assert las.header.parse_crs().to_epsg() == 4547 and scan.crs == "EPSG:4547"
    assert las.header.point_count == scan.point_count
    assert scan.bounds[0] == pytest.approx(float(las.x.min()), abs=0.002)
    assert scan.bounds[5] == pytest.approx(float(las.z.max()), abs=0.002)


def test_the_same_arguments_write_the_same_file(scan: ScanInfo, tmp_path: Path) -> None:
    again = write_street_scan(tmp_path / "a.las", N, points_per_m2=DENSITY, max_points=MAX)
    assert again.path.read_bytes() == scan.path.read_bytes()


def test_every_kind_of_street_object_is_classified(scan: ScanInfo, las: laspy.LasData) -> None:
    classes, counts = np.unique(np.asarray(las.classification), return_counts=True)
    assert tuple(classes) == scan.classes == (2, 5, 6, 11, 64)
    assert dict(zip(classes, counts, strict=True))[11] > 0.2 * scan.point_count


def test_colours_and_intensities_tell_the_surfaces_apart(las: laspy.LasData) -> None:
    cls = np.asarray(las.classification)
    rgb = np.column_stack([las.red, las.green, las.blue]).astype(np.int64)
    inten = np.asarray(las.intensity)
    assert rgb.max() <= 65535 and inten.max() <= 65535
    road = cls == 11
    marks = road & (inten > 40000)
    assert 0.005 < marks.sum() / road.sum() < 0.3  # lane markings: bright, a small share
    assert rgb[marks].max(axis=1).min() > 200 * 257  # white or yellow paint
    assert rgb[road & ~marks].max() < 100 * 257  # on dark asphalt
    trees = rgb[cls == 5]
    assert np.mean(trees[:, 1] > trees[:, 0]) > 0.8  # mostly green crowns


def test_points_lie_along_the_main_streets(scan: ScanInfo, las: laspy.LasData) -> None:
    plan = make_plan(20261121, 1000.0, 1000.0)
    main_u, main_v = (
        next(s for s in lines if s.index == 0) for lines in (plan.u_lines, plan.v_lines)
    )
    axes = plan.to_projected(np.array([[main_u.centre, -200.0], [main_u.centre, 200.0]]))
    across = plan.to_projected(np.array([[-200.0, main_v.centre], [200.0, main_v.centre]]))
    centre = shapely.Point(*plan.to_projected(np.zeros((1, 2)))[0])
    assert shapely.contains(scan.corridors, centre)
    for line in (axes, across):  # both main axes are scanned through the centre
        assert (
            shapely.length(shapely.intersection(scan.corridors, shapely.LineString(line))) > 100.0
        )
    pts = shapely.points(np.column_stack([las.x, las.y])[::20])
    assert float(shapely.distance(scan.corridors, pts).max()) < 40.0


def test_facades_come_from_buildings_facing_the_street(las: laspy.LasData) -> None:
    city = generate_demo_city(N).geometry.values
    facade = np.asarray(las.classification) == 6
    pts = shapely.points(np.column_stack([las.x, las.y])[facade][::10])
    near = shapely.STRtree(city).query_nearest(pts, return_distance=True)[1]
    assert float(near.max()) < 0.05
    assert float(np.asarray(las.z)[facade].max()) > 20.0


def test_the_point_count_respects_the_budget(tmp_path: Path) -> None:
    small = write_street_scan(tmp_path / "s.laz", N, points_per_m2=DENSITY, max_points=20_000)
    assert 0 < small.point_count <= 20_000
    assert laspy.read(small.path).header.point_count == small.point_count


def test_the_ground_follows_the_given_heights(tmp_path: Path) -> None:
    dem = write_demo_dem(tmp_path / "dem.tif", N, cell_m=20.0)
    heights = dem_heights(dem.path)
    info = write_street_scan(
        tmp_path / "h.las", N, points_per_m2=DENSITY, max_points=30_000, heights=heights
    )
    las = laspy.read(info.path)
    road = np.asarray(las.classification) == 11
    x, y, z = (np.asarray(c)[road] for c in (las.x, las.y, las.z))
    lift = z - heights(x, y)
    assert float(lift.min()) > -0.002 and float(np.median(np.abs(lift))) < 0.005
    assert float(lift.max()) < 0.2  # only dips are bridged
    assert float(z.min()) > 1.0  # the terrain, not sea level


def test_streets_bridge_a_channel_across_them(tmp_path: Path) -> None:
    plan = make_plan(20261121, 1000.0, 1000.0)

    def ditch(x: Array, y: Array) -> Array:
        u, _ = to_local(x, y, plan.origin)
        return np.where(np.abs(u - 115.0) < 15.0, 1.0, 5.0)

    info = write_street_scan(
        tmp_path / "b.las", N, points_per_m2=DENSITY, max_points=MAX, heights=ditch
    )
    las = laspy.read(info.path)
    u, _ = to_local(np.asarray(las.x), np.asarray(las.y), plan.origin)
    over = (np.abs(u - 115.0) < 14.0) & (np.asarray(las.classification) == 11)
    assert over.sum() > 100
    assert np.asarray(las.z)[over] == pytest.approx(5.0, abs=0.002)
