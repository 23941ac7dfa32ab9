"""The synthetic Futian/Luohu demo city: deterministic, valid, city-like."""

from __future__ import annotations

import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from twin.demo.names import COMMUNITIES, RENEWAL_STATES, STOREY_HEIGHT, USES
from twin.demo_city import (
    COLUMNS,
    demo_city_open_space,
    generate_demo_city,
    write_demo_city,
)
from twin.errors import InvalidInputError

FLOORS = {
    "住宅": (6, 33),
    "商业": (3, 45),
    "办公": (20, 60),
    "教育": (3, 6),
    "医疗": (4, 14),
    "工业": (1, 3),
    "城中村": (5, 8),
    "公共服务": (2, 5),
}


@pytest.fixture(scope="module")
def city() -> gpd.GeoDataFrame:
    return generate_demo_city()


def _attributes(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(frame.drop(columns="geometry")).reset_index(drop=True)


def _same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
    wkb_a = shapely.to_wkb(a.geometry.values)
    wkb_b = shapely.to_wkb(b.geometry.values)
    return bool(np.array_equal(wkb_a, wkb_b)) and _attributes(a).equals(_attributes(b))


def test_the_same_seed_gives_the_same_city_twice(city: gpd.GeoDataFrame) -> None:
    assert _same(city, generate_demo_city())


def test_another_seed_gives_another_city(city: gpd.GeoDataFrame) -> None:
    assert not _same(city, generate_demo_city(seed=7))


def test_a_smaller_city_is_the_centre_of_a_larger_one(city: gpd.GeoDataFrame) -> None:
    assert _same(generate_demo_city(1500), city.iloc[:1500])


def test_the_city_is_in_cgcs2000_gauss_kruger_cm_114e(city: gpd.GeoDataFrame) -> None:
    assert city.crs is not None
    assert city.crs.to_epsg() == 4547


@pytest.mark.parametrize("n", [1, 250, 1500, 6000])
def test_the_number_of_buildings_is_the_one_asked_for(n: int) -> None:
    assert len(generate_demo_city(n)) == n


@pytest.mark.parametrize("n", [0, -5, 500_001, 2.5, True])
def test_an_impossible_number_of_buildings_is_refused(n: object) -> None:
    with pytest.raises(InvalidInputError):
        generate_demo_city(n)  # type: ignore[arg-type]


def test_a_negative_seed_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        generate_demo_city(10, seed=-1)


def test_the_default_city_is_generated_in_under_two_seconds() -> None:
    start = time.perf_counter()
    generate_demo_city(6000, seed=11)
    assert time.perf_counter() - start < 2.0


def test_every_footprint_is_a_valid_polygon_or_multipolygon(city: gpd.GeoDataFrame) -> None:
    assert shapely.is_valid(city.geometry.values).all()
    assert set(city.geom_type) == {"Polygon", "MultiPolygon"}
    assert (city.area > 50).all()


def test_some_residential_courtyards_have_a_hole(city: gpd.GeoDataFrame) -> None:
    holes = shapely.get_num_interior_rings(city.geometry.values)
    assert (holes > 0).sum() >= 10
    assert set(city.use[holes > 0]) == {"住宅"}


def test_some_commercial_podiums_are_multipolygons(city: gpd.GeoDataFrame) -> None:
    multi = city[city.geom_type == "MultiPolygon"]
    assert len(multi) >= 10
    assert set(multi.use) == {"商业"}
    assert (shapely.get_num_geometries(multi.geometry.values) == 2).all()


def test_schools_and_hospitals_have_non_convex_wings(city: gpd.GeoDataFrame) -> None:
    geoms = city.geometry.values
    hull_gap = shapely.area(shapely.convex_hull(geoms)) - shapely.area(geoms)
    winged = city[(hull_gap > 50) & (shapely.get_num_interior_rings(geoms) == 0)]
    winged = winged[winged.geom_type == "Polygon"]
    assert {"教育", "医疗"} <= set(winged.use)
    assert (city[city.use.isin(["教育", "医疗"])].index.isin(winged.index)).all()


def test_footprint_sides_are_between_10_and_80_metres(city: gpd.GeoDataFrame) -> None:
    envelopes = shapely.oriented_envelope(city.geometry.values)
    coords = shapely.get_coordinates(shapely.get_exterior_ring(envelopes)).reshape(-1, 5, 2)
    sides = np.hypot(*np.diff(coords[:, :3], axis=1).transpose(2, 0, 1))
    assert sides.min() >= 10.0
    assert sides.max() <= 80.0


def test_columns_have_the_agreed_names_and_types(city: gpd.GeoDataFrame) -> None:
    assert list(city.columns) == [*COLUMNS, "geometry"]
    assert city.id.is_unique
    assert all(re.fullmatch(r"B\d{6}", i) for i in city.id)
    assert city.floors.dtype == np.int64
    assert city.year_built.dtype == np.int64
    assert city.height.dtype == np.float64


def test_attributes_stay_within_their_ranges(city: gpd.GeoDataFrame) -> None:
    assert set(city.use) == set(USES)
    for use, (lo, hi) in FLOORS.items():
        floors = city.floors[city.use == use]
        assert floors.min() >= lo, use
        assert floors.max() <= hi, use
    storey = city.use.map(STOREY_HEIGHT)
    assert (abs(city.height - city.floors * storey) <= 0.35).all()
    assert (city.height == city.height.round(1)).all()
    assert city.year_built.between(1980, 2024).all()
    assert set(city.renewal_status) == set(RENEWAL_STATES)


def test_districts_and_communities_are_named_by_location(city: gpd.GeoDataFrame) -> None:
    assert set(city.district) == {"福田区", "罗湖区"}
    for district, group in city.groupby("district"):
        assert set(group.community) <= set(COMMUNITIES[str(district)])
    assert 10 <= city.community.nunique() <= 20
    lon, _ = _lonlat(city)
    futian = city.district.to_numpy() == "福田区"
    assert lon[futian].mean() < lon[~futian].mean()


def test_some_buildings_carry_chinese_names(city: gpd.GeoDataFrame) -> None:
    named = city.name.dropna()
    assert 0.2 * len(city) < len(named) < len(city)
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in named)
    assert named.str.contains("福田中心区").any()


def test_villages_in_city_are_more_often_under_renewal(city: gpd.GeoDataFrame) -> None:
    active = city.renewal_status.isin(["已立项", "实施中"])
    village = city.use == "城中村"
    assert active[village].mean() > 2 * active[~village].mean()


def _lonlat(city: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    xy = shapely.get_coordinates(shapely.centroid(city.geometry.values))
    to_geo = Transformer.from_crs(4547, 4326, always_xy=True)
    lon, lat = to_geo.transform(xy[:, 0], xy[:, 1])
    return np.asarray(lon), np.asarray(lat)


def test_every_centroid_lies_in_futian_or_luohu(city: gpd.GeoDataFrame) -> None:
    lon, lat = _lonlat(city)
    assert ((lon > 114.03) & (lon < 114.10)).all()
    assert ((lat > 22.52) & (lat < 22.56)).all()


def test_buildings_of_different_parcels_never_overlap(city: gpd.GeoDataFrame) -> None:
    geoms = city.geometry.values
    sample = np.random.default_rng(0).choice(len(city), size=1500, replace=False)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms[sample], predicate="intersects")
    left = sample[left]
    parcels = city.parcel_id.to_numpy()
    assert (parcels[left] == parcels[right]).all()


def test_only_a_tower_overlaps_and_it_stands_on_its_podium(city: gpd.GeoDataFrame) -> None:
    geoms = city.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    towers = city.iloc[right]
    podiums = city.iloc[left]
    assert len(towers) >= 10
    assert (towers.parent_id.to_numpy() == podiums.id.to_numpy()).all()
    assert shapely.within(towers.geometry.values, podiums.geometry.values).all()
    assert (towers.height.to_numpy() > podiums.height.to_numpy()).all()
    assert city.parent_id.notna().sum() == len(towers)


def test_no_building_stands_in_the_river_park_or_diagonal_avenue(
    city: gpd.GeoDataFrame,
) -> None:
    open_space = demo_city_open_space()
    assert not shapely.intersects(open_space, city.geometry.values).any()
    assert shapely.area(open_space) > 500_000
    # the strip runs through the city: buildings on both sides of it within 300 m
    near = shapely.dwithin(open_space, city.geometry.values, 300.0)
    assert near.sum() > 300


def test_write_demo_city_writes_a_geopackage_layer_of_buildings(tmp_path: Path) -> None:
    path = tmp_path / "city.gpkg"
    assert write_demo_city(path, 300, seed=3) == path
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["buildings"]
    back = pyogrio.read_dataframe(path, layer="buildings")
    expected = generate_demo_city(300, seed=3)
    assert back.crs is not None
    assert back.crs.to_epsg() == 4547
    assert len(back) == 300
    assert back.id.tolist() == expected.id.tolist()
    assert back.name.tolist() == expected.name.tolist()
    assert back.community.tolist() == expected.community.tolist()
    assert shapely.equals(back.geometry.values, expected.geometry.values).all()


def test_writing_into_a_missing_directory_is_refused_safely(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        write_demo_city(tmp_path / "absent" / "city.gpkg", 10)
    assert str(tmp_path) not in str(caught.value)
