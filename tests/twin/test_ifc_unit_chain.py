"""Every unit chain of a map conversion places the same 24 m x 14 m block, sized right.

The block (tests/twin/placed_box_ifc.py) goes through the whole IFC pipeline for each way a
file can state its units: metre and millimetre models, Scale 1 / 0.001 / omitted, MapUnit
metre / omitted, rotation 0 / 30 / -90 degrees, IFC4 IfcMapConversion and IFC2X3
ePSet_MapConversion. The layer's extent (what the viewer flies to), the catalog footprints
and the tile contents must all put it where the map conversion says, within 0.5 m.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog, open_object_store
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import decode_mesh, read_glb
from tests.twin.ifc_helpers import ingest
from tests.twin.placed_box_ifc import (
    CRS,
    LENGTH_M,
    STOREY_M,
    STOREYS,
    WIDTH_M,
    UnitCase,
    corners_m,
    grid_of,
    write_box,
)
from tiles.geodesy import EnuFrame, ecef_to_geodetic, geodetic_to_ecef
from twin.domain import FeatureQuery
from twin.settings import Settings

TOLERANCE_M = 0.5
IFC4_CASES = [
    UnitCase(model_unit=unit, scale=scale, map_unit=map_unit, rotation_deg=rotation)
    for unit, scale, map_unit, rotation in itertools.product(
        ("m", "mm"), (1.0, 0.001, None), ("METRE", None), (0.0, 30.0, -90.0)
    )
]
IFC2X3_CASES = [
    UnitCase(schema="IFC2X3", model_unit=unit, scale=scale, map_unit=map_unit)
    for unit, scale, map_unit in itertools.product(("m", "mm"), (1.0, 0.001, None), ("METRE", None))
]
OTHER_CASES = [
    # the schema's own reading: MapUnit omitted means the project unit, so millimetres
    UnitCase(model_unit="mm", scale=1.0, map_unit=None, eastings_in_mm=True),
    UnitCase(model_unit="mm", scale=None, map_unit=None, eastings_in_mm=True),
    UnitCase(schema="IFC2X3", model_unit="mm", scale=None, map_unit=None, eastings_in_mm=True),
    # Revit's quirk: millimetre eastings under a declared METRE map unit
    UnitCase(model_unit="mm", scale=None, map_unit="METRE", eastings_in_mm=True),
    # the length unit listed twice (ifcopenshell's calculate_unit_scale squares it)
    UnitCase(model_unit="mm", scale=0.001, map_unit=None, duplicate_length_unit=True),
]
CASES = IFC4_CASES + IFC2X3_CASES + OTHER_CASES


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[ObjectStore, Catalog]]:
    settings = Settings(data_dir=tmp_path / "twin-data", log_json=False)
    catalog = open_catalog(settings)
    catalog.migrate()
    yield open_object_store(settings), catalog
    catalog.close()


def expected_lonlath(case: UnitCase, xyz_m: np.ndarray) -> np.ndarray:
    grid = grid_of(case, xyz_m)
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(
        grid[:, 0], grid[:, 1]
    )
    return np.column_stack([lon, lat, grid[:, 2]])


def local_metres(frame: EnuFrame, lonlath: np.ndarray) -> np.ndarray:
    ecef = geodetic_to_ecef(lonlath[:, 0], lonlath[:, 1], lonlath[:, 2])
    out: np.ndarray = frame.from_ecef(ecef)
    return out


def bbox_corners(west: float, south: float, east: float, north: float, h: float) -> np.ndarray:
    return np.array([[west, south, h], [east, north, h]])


def tile_positions_lonlath(store: ObjectStore, tileset_key: str) -> np.ndarray:
    """Every vertex of every tile content, through the tile transforms, as lon, lat, h."""
    prefix = tileset_key.rsplit("/", 1)[0] + "/"
    tileset = json.loads(store.get_bytes(tileset_key))
    out: list[np.ndarray] = []

    def walk(tile: dict[str, Any], parent: np.ndarray) -> None:
        m = parent
        if "transform" in tile:
            m = parent @ np.asarray(tile["transform"], dtype=np.float64).reshape(4, 4).T
        for content in [tile.get("content"), *tile.get("contents", [])]:
            if not content:
                continue
            data = store.get_bytes(prefix + content["uri"])
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            zup = decode_mesh(read_glb(data)).positions  # glTF y-up turned z-up, as 3D Tiles does
            ecef = np.column_stack([zup, np.ones(len(zup))]) @ m.T
            lon, lat, h = ecef_to_geodetic(ecef[:, :3])
            out.append(np.column_stack([lon, lat, h]))
        for child in tile.get("children", []):
            walk(child, m)

    walk(tileset["root"], np.eye(4))
    return np.vstack(out)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_the_block_lands_where_its_map_conversion_says_and_is_24_by_14_metres(
    case: UnitCase, embedded: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = embedded
    path = write_box(case, tmp_path / "box.ifc")
    ingest(path, "box", store, catalog, tmp_path)
    layer = catalog.get_layer("box")
    corners = expected_lonlath(case, corners_m())
    centre = expected_lonlath(case, np.array([[LENGTH_M / 2, WIDTH_M / 2, 0.0]]))[0]
    frame = EnuFrame(float(centre[0]), float(centre[1]), float(centre[2]))
    want = local_metres(frame, corners)
    want_lo, want_hi = want.min(axis=0), want.max(axis=0)

    # the tile contents: every vertex, through the tileset's transforms
    got = local_metres(frame, tile_positions_lonlath(store, str(layer.tileset_key)))
    assert np.abs(got.min(axis=0) - want_lo).max() < TOLERANCE_M
    assert np.abs(got.max(axis=0) - want_hi).max() < TOLERANCE_M

    # the layer's extent (the viewer flies to it) and height range
    assert layer.bbox is not None and layer.zmin is not None and layer.zmax is not None
    west, south, east, north = layer.bbox
    extent = local_metres(frame, bbox_corners(west, south, east, north, float(centre[2])))
    assert np.abs(extent[0, :2] - want_lo[:2]).max() < TOLERANCE_M
    assert np.abs(extent[1, :2] - want_hi[:2]).max() < TOLERANCE_M
    assert layer.zmin == pytest.approx(corners[:, 2].min(), abs=TOLERANCE_M)
    assert layer.zmax == pytest.approx(corners[:, 2].max(), abs=TOLERANCE_M)

    # the catalog footprints: one per storey block, each the 24 x 14 rectangle
    page = catalog.query_features(FeatureQuery(layer="box", limit=1000))
    blocks = [f for f in page.features if f.cls == "IfcBuildingElementProxy"]
    assert len(blocks) == STOREYS
    for block in blocks:
        ring = np.asarray(shapely.from_wkb(block.footprint_wkb).exterior.coords)
        xy = local_metres(frame, np.column_stack([ring, np.full(len(ring), centre[2])]))
        footprint = shapely.Polygon(xy[:, :2])
        assert footprint.area == pytest.approx(LENGTH_M * WIDTH_M, rel=0.01)
        assert footprint.centroid.distance(shapely.Point(0.0, 0.0)) < TOLERANCE_M
        assert block.zmax - block.zmin == pytest.approx(STOREY_M, abs=0.01)

    geo = layer.metadata["georeference"]
    assert geo["source"] == ("map_conversion" if case.schema == "IFC4" else "map_conversion_pset")
    assert geo["details"]["grid_scale"] == pytest.approx(1.0, abs=1e-9)
    if case.model_unit == "m" and case.scale == 0.001:
        assert any("Scale 0.001" in w and "ignored" in w for w in geo["warnings"])
    want_unit = 0.001 if case.model_unit == "mm" else 1.0
    assert geo["details"]["model_length_unit_m"] == pytest.approx(want_unit, rel=1e-12)


def test_a_rotation_turns_the_long_side_to_the_stated_grid_bearing(
    embedded: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = embedded
    case = UnitCase(model_unit="mm", scale=0.001, map_unit=None, rotation_deg=30.0)
    ingest(write_box(case, tmp_path / "box.ifc"), "box", store, catalog, tmp_path)
    page = catalog.query_features(FeatureQuery(layer="box", limit=1000))
    block = next(f for f in page.features if f.cls == "IfcBuildingElementProxy")
    ring = np.asarray(shapely.from_wkb(block.footprint_wkb).exterior.coords)
    grid = np.column_stack(
        Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(ring[:, 0], ring[:, 1])
    )
    rect = shapely.Polygon(grid).minimum_rotated_rectangle
    xy = np.asarray(rect.exterior.coords)[:4]
    sides = [xy[(i + 1) % 4] - xy[i] for i in range(4)]
    longest = max(sides, key=lambda v: float(np.hypot(*v)))
    bearing = math.degrees(math.atan2(longest[1], longest[0])) % 180.0
    assert float(np.hypot(*longest)) == pytest.approx(LENGTH_M, abs=TOLERANCE_M)
    assert bearing == pytest.approx(30.0, abs=0.5)  # anticlockwise from grid east
