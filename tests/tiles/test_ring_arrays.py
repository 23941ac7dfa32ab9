"""Footprints placed on coordinate arrays give exactly what shapely gives geometry by geometry."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS

from bench.synthetic import synthetic_footprints
from tests.twin.footprint_samples import CITY_GRID_WKT, sample_frame
from tiles.layout import place_footprints, to_lonlat
from tiles.ring_arrays import feature_bounds, oriented, polygon_wkb, ring_arrays

#: Hartebeesthoek94 / Lo29: axes point west and south, so the projection mirrors rings
WESTING_SOUTHING = "EPSG:2053"


def mixed_footprints(n: int = 400, seed: int = 3) -> np.ndarray:
    """Polygons either way round, with holes either way round, and MultiPolygons of them."""
    rng = np.random.default_rng(seed)
    out: list[shapely.Geometry] = []
    for i in range(n):
        x, y = rng.uniform(0, 2000, 2)
        shell = shapely.Polygon(
            [(x, y), (x + 30, y + 2), (x + 28, y + 25), (x + 12, y + 31), (x - 3, y + 20)]
        )
        hole = shapely.box(x + 8, y + 8, x + 16, y + 16)
        poly = shapely.Polygon(shell.exterior.coords, [hole.exterior.coords])
        shape = poly if i % 3 else shell
        if i % 2:
            shape = shapely.Polygon(shape.exterior.coords[::-1],
                                    [r.coords[::-1] for r in shape.interiors])  # fmt: skip
        if i % 5 == 0:
            out.append(shapely.MultiPolygon([shape, shapely.box(x + 40, y, x + 50, y + 9)]))
        else:
            out.append(shape)
    return np.array(out, dtype=object)


def reference_wkb(geoms: np.ndarray) -> list[bytes]:
    return list(shapely.to_wkb(shapely.orient_polygons(geoms, exterior_cw=False)))


def test_rings_are_oriented_and_encoded_as_shapely_does() -> None:
    geoms = mixed_footprints()
    rings = oriented(ring_arrays(geoms))
    multi = shapely.get_type_id(geoms) == 6
    assert list(polygon_wkb(rings, multi)) == reference_wkb(geoms)
    assert np.array_equal(feature_bounds(rings), shapely.bounds(geoms))


def test_an_empty_part_of_a_multipolygon_is_encoded_as_shapely_does() -> None:
    geoms = np.array(
        [shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)]),
         shapely.from_wkt("MULTIPOLYGON (EMPTY, ((0 0, 0 1, 1 1, 0 0)))"),
         shapely.box(5, 5, 6, 7, ccw=False)],
        dtype=object,
    )  # fmt: skip
    rings = oriented(ring_arrays(geoms))
    assert list(polygon_wkb(rings, shapely.get_type_id(geoms) == 6)) == reference_wkb(geoms)


def layer(case: str) -> tuple[np.ndarray, CRS]:
    """Footprints and their CRS for each case."""
    if case in {"EPSG:4547", "EPSG:4490"}:
        return np.asarray(sample_frame(case).geometry.values), CRS.from_user_input(case)
    if case == "city-grid":
        frame = sample_frame(CITY_GRID_WKT)
        return np.asarray(frame.geometry.values), CRS.from_wkt(CITY_GRID_WKT)
    if case == "synthetic":
        return np.asarray(synthetic_footprints(3000).geometry.values), CRS.from_epsg(4547)
    if case == "mixed":  # Gauss-Krüger 114E, around Shenzhen
        east_north = np.array([500_000.0, 2_490_000.0])
        return shapely.transform(mixed_footprints(), lambda c: c + east_north), CRS.from_epsg(4547)
    # Lo29 around Johannesburg: westings and southings, a projection that mirrors rings
    west_south = np.array([-10_000.0, 2_900_000.0])
    moved = shapely.transform(mixed_footprints(), lambda c: west_south - c)
    return moved, CRS.from_user_input(WESTING_SOUTHING)


@pytest.mark.parametrize(
    "case", ["EPSG:4547", "EPSG:4490", "city-grid", "synthetic", "mixed", "mirroring-axes"]
)
def test_placed_footprints_match_transforming_and_orienting_each_geometry(case: str) -> None:
    source, crs = layer(case)
    n = len(source)
    placed = place_footprints(source, crs, np.zeros(n), np.full(n, 10.0))

    lonlat = shapely.orient_polygons(to_lonlat(source, crs), exterior_cw=False)
    assert list(placed.lonlat_wkb) == list(shapely.to_wkb(lonlat))
    assert np.array_equal(placed.bounds_deg, shapely.bounds(lonlat))
    rings = shapely.get_rings(shapely.get_parts(lonlat))
    assert len(placed.coords) == len(shapely.get_coordinates(rings))
    if case == "mirroring-axes":  # the projection really turned the rings round
        before = shapely.is_ccw(shapely.get_rings(shapely.get_parts(source)))
        assert not np.array_equal(before, shapely.is_ccw(rings))
