"""Reading streetscape sources: types, defaults, surfaces and per-feature rejections."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tiles.street_models import DEFAULTS
from twin.demo.streetscape import street_objects_along
from twin.errors import CRSError
from twin.readers.streets import DEFAULT_WIDTH_M, read_streets

X0, Y0 = 500_000.0, 2_494_000.0


def _write(path: Path, rows: list[dict[str, object]], crs: str = "EPSG:4547") -> Path:
    geoms = [r.pop("geometry") for r in rows]
    gpd.GeoDataFrame(rows, geometry=geoms, crs=crs).to_file(path)
    return path


def test_chinese_and_english_types_become_objects_with_their_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "s.gpkg",
        [
            {"kind": "行道树", "height": 6.5, "size": None, "geometry": shapely.Point(X0, Y0)},
            {"kind": "路灯", "height": None, "size": 2.0, "geometry": shapely.Point(X0 + 9, Y0)},
            {"kind": "垃圾桶", "height": -1.0, "size": None, "geometry": shapely.Point(X0, Y0 + 9)},
        ],
    )
    s = read_streets(path, layer="s", type_field="kind")
    assert s.object_types.tolist() == ["tree", "street_lamp", "bin"]
    assert s.height.tolist() == [6.5, DEFAULTS["street_lamp"][0], DEFAULTS["bin"][0]]
    assert s.size.tolist() == [DEFAULTS["tree"][1], 2.0, DEFAULTS["bin"][1]]
    assert s.orientation.tolist() == [0.0, 0.0, 0.0]
    assert s.report is not None and s.report.rejected == ()
    assert 113.9 < s.lon[0] < 114.1 and 22.4 < s.lat[0] < 22.6


def test_lines_are_buffered_by_their_width_and_polygons_kept(tmp_path: Path) -> None:
    east = shapely.LineString([(X0, Y0), (X0 + 200, Y0)])
    north = shapely.LineString([(X0, Y0 + 50), (X0, Y0 + 150)])
    path = _write(
        tmp_path / "s.gpkg",
        [
            {"type": "road", "width": 10.0, "geometry": east},
            {"type": "道路", "width": None, "geometry": north},
            {"type": "plaza", "width": None, "geometry": shapely.box(X0, Y0, X0 + 30, Y0 + 40)},
        ],
    )
    s = read_streets(path, layer="s")
    assert s.surface_types.tolist() == ["road", "road", "plaza"]
    areas = [g.area for g in s.surfaces_local]
    # a local azimuthal-equidistant frame: areas in square metres within the GK scale error
    assert areas[0] == pytest.approx(200 * 10, rel=2e-3)
    assert areas[1] == pytest.approx(100 * DEFAULT_WIDTH_M, rel=2e-3)
    assert areas[2] == pytest.approx(30 * 40, rel=2e-3)
    assert len(s.object_ids) == 0


def test_unfit_features_are_reported_one_by_one_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "s.geojson",
        [
            {"type": "tree", "geometry": shapely.Point(114.05, 22.54)},
            {"type": "kiosk", "geometry": shapely.Point(114.051, 22.54)},
            {"type": "bench", "geometry": shapely.box(114.05, 22.54, 114.0501, 22.5401)},
            {"type": "sign", "geometry": shapely.MultiPoint([(114.052, 22.54)])},
        ],
        crs="EPSG:4326",
    )
    s = read_streets(path, layer="s")
    assert s.object_types.tolist() == ["tree", "sign"]
    assert s.report is not None
    assert [(i.index, i.code) for i in s.report.rejected] == [
        (1, "unknown_type"),
        (2, "wrong_geometry"),
    ]
    assert "kiosk" in s.report.rejected[0].message
    assert s.report.counts == {"tree": 1, "sign": 1}
    assert np.allclose(s.lon, [114.05, 114.052])


def test_coordinates_that_do_not_fit_the_crs_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.gpkg", [{"type": "tree", "geometry": shapely.Point(X0, Y0)}])
    with pytest.raises(CRSError, match="do not fit"):
        read_streets(path, layer="s", crs="EPSG:4326")


def test_the_demo_streetscape_is_deterministic_and_reads_back_with_every_type(
    tmp_path: Path,
) -> None:
    main = shapely.LineString([(X0 - 500, Y0), (X0 + 500, Y0)])
    cross = shapely.LineString([(X0, Y0 - 400), (X0, Y0 + 400)])
    frame = street_objects_along([main, cross], 20.0, seed=3, half_width_m=10.0)
    again = street_objects_along([main, cross], 20.0, seed=3, half_width_m=10.0)
    assert frame.equals(again)
    frame.to_file(tmp_path / "demo.gpkg")
    s = read_streets(tmp_path / "demo.gpkg", layer="demo")
    assert s.report is not None and s.report.rejected == ()
    assert set(s.report.counts) == set(DEFAULTS)
    trees = frame[frame["type"] == "tree"]
    along_main = trees[np.abs(trees.geometry.x - X0) > 30]
    offsets = along_main.geometry.y - Y0
    assert np.allclose(np.abs(offsets[np.abs(offsets) < 20]), 11.5)
    assert (offsets > 0).any() and (offsets < 0).any()  # both sides of the street
    assert s.report.counts["sign"] == 4  # one per corner of the single crossing
    lamps = frame[(frame["type"] == "street_lamp") & (np.abs(frame.geometry.x - X0) > 30)]
    # the arm points at the road: north of the street it faces south, and vice versa
    north_side = lamps.geometry.y > Y0
    assert np.allclose(lamps.loc[north_side, "orientation"], 180.0)
    assert np.allclose(lamps.loc[~north_side, "orientation"], 0.0)
