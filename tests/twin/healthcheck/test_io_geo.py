"""GeoJSON and GeoPackage import: same column names as XLSX, geometry reprojected to WGS84."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from twin.errors import CRSError, InvalidInputError
from twin.healthcheck.io_read import read_indicators, read_problems, read_projects
from twin.healthcheck.stages import load_stages

TODAY = date(2026, 12, 3)
#: a block in Futian in CGCS2000 / 3-degree Gauss-Kruger CM 114E
SQUARE = Polygon([(506_000, 2_493_000), (506_080, 2_493_000), (506_080, 2_493_060),
                  (506_000, 2_493_060)])  # fmt: skip


def test_a_gauss_kruger_geopackage_is_reprojected_with_pyproj(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"编号": ["R-1", "R-2"], "项目名称": ["景田北片区更新", "园岭老旧小区改造"],
         "阶段": ["开工", "收储"], "阶段开始": ["2025-03-01", "2026-01-10"],
         "预算": [31000.5, None], "责任部门": ["福田区住建局", "福田区城市更新局"],
         "OBJECTID": [7, 8]},  # an attribute of the GIS layer, not imported
        geometry=[SQUARE, Point(507_000, 2_494_000)],
        crs="EPSG:4547",
    )  # fmt: skip
    path = tmp_path / "projects.gpkg"
    frame.to_file(path, layer="更新项目", driver="GPKG")
    a, b = read_projects(path, load_stages(), TODAY)
    assert (a.id, a.name, a.stage, a.stage_started, a.budget) == (
        "R-1", "景田北片区更新", "construction", date(2025, 3, 1), 31000.5,
    )  # fmt: skip
    assert (b.stage, b.budget, b.department) == ("acquisition", None, "福田区城市更新局")
    to_wgs84 = Transformer.from_crs(4547, 4326, always_xy=True)
    x, y = shapely.get_coordinates(SQUARE).T
    lon, lat = to_wgs84.transform(x, y)
    got = np.array(a.geometry["coordinates"][0])
    np.testing.assert_allclose(got, np.column_stack([lon, lat]), rtol=0, atol=1e-9)
    assert 114.0 < got[0, 0] < 114.1 and 22.5 < got[0, 1] < 22.6  # Futian, not (0, 0)
    assert b.geometry["type"] == "Point"
    np.testing.assert_allclose(b.geometry["coordinates"], to_wgs84.transform(507_000, 2_494_000))


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_a_geopackage_without_a_crs_is_refused(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"标题": ["积水点"]}, geometry=[Point(506_000, 2_493_000)])
    path = tmp_path / "nocrs.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(CRSError, match="has no CRS"):
        read_problems(path)


def _geojson(path: Path, features: list[dict[str, object]], crs: str | None = None) -> Path:
    data: dict[str, object] = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _feature(props: dict[str, object], geometry: dict[str, object] | None) -> dict[str, object]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_geojson_problems_with_chinese_and_english_properties(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "p.geojson",
        [_feature({"编号": "G1", "标题": "莲花山公园周边停车难", "严重程度": 2,
                   "期限": "2026-06-30", "状态": "整改中", "区": "福田区", "extra": "ignored"},
                  {"type": "Point", "coordinates": [114.06, 22.55]}),
         _feature({"id": "G2", "title": "Flooded underpass", "severity": 3, "lon": 114.1,
                   "lat": 22.54}, None)],
    )  # fmt: skip
    g1, g2 = read_problems(path)
    assert (g1.id, g1.title, g1.severity, g1.status, g1.due_date) == (
        "G1", "莲花山公园周边停车难", 2, "in_progress", date(2026, 6, 30),
    )  # fmt: skip
    assert g1.geometry == {"type": "Point", "coordinates": (114.06, 22.55)}
    assert g2.geometry == {"type": "Point", "coordinates": (114.1, 22.54)}


def test_geojson_in_a_legacy_crs_member_is_reprojected(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "gk.geojson",
        [_feature({"title": "x"}, {"type": "Point", "coordinates": [506_000.0, 2_493_000.0]})],
        crs="urn:ogc:def:crs:EPSG::4547",
    )
    (p,) = read_problems(path)
    expected = Transformer.from_crs(4547, 4326, always_xy=True).transform(506_000.0, 2_493_000.0)
    np.testing.assert_allclose(p.geometry["coordinates"], expected, rtol=0, atol=1e-9)


def test_nan_coordinates_and_properties_are_refused_by_feature(tmp_path: Path) -> None:
    path = tmp_path / "nan.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"title":"ok"},"geometry":{"type":"Point",'
        '"coordinates":[114.0,22.5]}},'
        '{"type":"Feature","properties":{"title":"nan"},"geometry":{"type":"Point",'
        '"coordinates":[NaN,22.5]}},'
        '{"type":"Feature","properties":{"title":"nan lon","lon":NaN,"lat":22.5},'
        '"geometry":null}]}',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as err:
        read_problems(path)
    message = err.value.message
    assert "feature 2, column geometry: has coordinates that are not finite numbers" in message
    assert "feature 3, column lon" in message
    assert "feature 1" not in message


def test_indicators_from_a_geojson_without_geometry(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "i.geojson",
        [_feature({"指标编码": "HC-05", "指标名称": "公交站点500米覆盖率", "单位": "%",
                   "目标值": 90, "年份": 2026, "区域": "罗湖区", "数值": 93.5}, None)],
    )  # fmt: skip
    (v,) = read_indicators(path)
    assert (v.code, v.target, v.value, v.area, v.area_kind) == ("HC-05", 90.0, 93.5, "罗湖区",
                                                                "district")  # fmt: skip


def test_a_file_that_is_not_geojson_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Topology"}', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="expected a GeoJSON FeatureCollection"):
        read_problems(path)
    gpkg = tmp_path / "x.gpkg"
    gpkg.write_bytes(b"SQLite format 3\0 but not really")
    with pytest.raises(InvalidInputError, match="not a readable GeoPackage"):
        read_problems(gpkg)
