"""BIM submissions from ../shared/data/ifc through the whole pipeline, on both backends."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import decode_table, issues, read_glb, validate
from tests.twin.ifc_helpers import ingest, triangulated_ids
from tiles.geodesy import ecef_to_geodetic
from twin.domain import AttributeFilter, FeatureQuery
from twin.pipeline.export_layer import export_layer

IFC_FILES = [
    "SimpleWall.ifc",
    "IfcOpenHouse_IFC4.ifc",
    "bouwkunde_georeferenced.ifc",
    "AC20-FZK-Haus.ifc",
    "Duplex_A_20110907_georeferenced.ifc",
    "example_project_location.ifc",
    "Office_A_20110811.ifc",
]


def _tile_tables(tileset_dir: Path) -> list[dict[str, list[object]]]:
    return [
        decode_table(read_glb(p.read_bytes())) for p in sorted((tileset_dir / "t").glob("*.glb"))
    ]


@pytest.mark.parametrize("name", IFC_FILES)
def test_every_sample_ingests_with_one_feature_per_triangulated_element_and_validates(
    name: str,
    shared_data: Path,
    backends: tuple[ObjectStore, Catalog],
    tmp_path: Path,
) -> None:
    store, catalog = backends
    path = shared_data / "ifc" / name
    result = ingest(path, "bim", store, catalog, tmp_path)
    expected = triangulated_ids(path)
    assert result.element_count == len(expected) > 0

    out = export_layer("bim", tmp_path / "export", store=store, catalog=catalog)
    tables = _tile_tables(out.tileset.parent)
    tile_ids = [i for t in tables for i in t["id"]]
    assert len(tile_ids) == len(set(tile_ids))  # each element in exactly one tile
    assert set(tile_ids) == expected
    for report in validate(sorted((out.tileset.parent / "t").glob("*.glb"))):
        assert issues(report, "errors") == []

    layer = catalog.get_layer("bim")
    assert layer.kind == "bim"
    assert layer.metadata["georeference"]["source"] in {
        "map_conversion",
        "map_conversion_pset",
        "site_reference",
        "cli_origin",
    }
    assert layer.feature_count == result.feature_count >= len(expected)
    for gid in sorted(expected)[:: max(1, len(expected) // 40)]:
        feature = catalog.get_feature(gid)
        assert feature.layer == "bim"
        assert feature.attributes["GlobalId"] == gid
        assert feature.content_key.startswith("t/")
    # the catalog holds every element with geometry, each with its tile
    page = catalog.query_features(FeatureQuery(layer="bim", limit=10_000))
    with_tiles = {f.id for f in page.features if f.content_key}
    assert with_tiles == expected
    # the tile metadata carries class and storey of every element
    for table in tables:
        assert all(str(c).startswith("Ifc") for c in table["class"])


def test_the_tile_metadata_carries_storey_and_main_properties(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    ingest(
        shared_data / "ifc/Duplex_A_20110907_georeferenced.ifc", "haus", store, catalog, tmp_path
    )
    out = export_layer("haus", tmp_path / "export", store=store, catalog=catalog)
    rows = [
        dict(zip(t, values, strict=True))
        for t in _tile_tables(out.tileset.parent)
        for values in zip(*t.values(), strict=True)
    ]
    walls = [r for r in rows if str(r["class"]).startswith("IfcWall")]
    assert walls
    storeys = {r["storey"] for r in walls}
    assert len(storeys) >= 2  # Duplex: walls on several of its four storeys
    for r in walls:
        storey = catalog.get_feature(str(r["storey_id"]))
        assert storey.cls == "IfcBuildingStorey"
        assert storey.attributes["name"] == r["storey"]
        # the tile's main properties are the catalog's property set values
        flag = storey_or_none(catalog, str(r["id"]), "IsExternal")
        assert r["is_external"] == (None if flag is None else str(flag).lower())
    assert {r["is_external"] for r in walls} == {"true", "false"}
    # a tile never mixes storeys
    for table in _tile_tables(out.tileset.parent):
        assert len(set(table.get("storey_id", [None]))) == 1


def storey_or_none(catalog: Catalog, gid: str, prop: str) -> object:
    attrs = catalog.get_feature(gid).attributes
    return next((v for k, v in attrs.items() if k.endswith("Common." + prop)), None)


def test_the_hierarchy_walks_from_the_site_to_the_elements(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    ingest(
        shared_data / "ifc/Duplex_A_20110907_georeferenced.ifc", "duplex", store, catalog, tmp_path
    )

    def children(parent: str | None, cls: str | None = None) -> list[str]:
        filters = [AttributeFilter("parent_id", "is_null" if parent is None else "=", parent)]
        if cls:
            filters.append(AttributeFilter("class", "=", cls))
        page = catalog.query_features(
            FeatureQuery(layer="duplex", filters=tuple(filters), limit=10_000)
        )
        return [f.id for f in page.features]

    (site,) = children(None, "IfcSite")
    (building,) = children(site, "IfcBuilding")
    storeys = children(building, "IfcBuildingStorey")
    assert len(storeys) == 4
    below = [i for s in storeys for i in children(s)]
    classes = {catalog.get_feature(i).cls for i in below}
    assert {"IfcSpace", "IfcDoor", "IfcWindow"} <= classes
    assert any(c.startswith("IfcWall") for c in classes)


def _root_origin(tileset: dict[str, object]) -> tuple[float, float, float]:
    m = np.asarray(tileset["root"]["transform"], dtype=np.float64).reshape(4, 4).T  # type: ignore[index]
    lon, lat, h = ecef_to_geodetic(m[:3, 3].reshape(1, 3))
    return float(lon[0]), float(lat[0]), float(h[0])


def _distance_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    dx = math.radians(lon1 - lon0) * 6378137.0 * math.cos(math.radians(lat0))
    dy = math.radians(lat1 - lat0) * 6378137.0
    return math.hypot(dx, dy)


@pytest.mark.parametrize(
    ("name", "crs", "easting", "northing"),
    [
        # IfcMapConversion values, read from the files (see ../shared/data/MANIFEST.md)
        ("bouwkunde_georeferenced.ifc", "EPSG:28992", 85104.702, 446805.116),
        # millimetres despite a METRE map unit (a Revit export quirk): 149626315.91 mm
        ("example_project_location.ifc", "EPSG:28992", 149626.31591, 413717.68422),
    ],
)
def test_georeferenced_samples_land_where_their_map_conversion_says(
    name: str,
    crs: str,
    easting: float,
    northing: float,
    shared_data: Path,
    backends: tuple[ObjectStore, Catalog],
    tmp_path: Path,
) -> None:
    store, catalog = backends
    ingest(shared_data / "ifc" / name, "geo", store, catalog, tmp_path)
    layer = catalog.get_layer("geo")
    tileset = json.loads(store.get_bytes(str(layer.tileset_key)))
    lon, lat, _ = _root_origin(tileset)
    want_lon, want_lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(
        easting, northing
    )
    assert _distance_m(lon, lat, want_lon, want_lat) < 0.05
    assert layer.crs == crs
    geo = layer.metadata["georeference"]
    assert geo["source"] == "map_conversion"
    if name.startswith("example_project"):
        assert any("mm" in w or "millimet" in w for w in geo["warnings"])
    # the layer's footprint extent is around that point, not near latitude 0
    assert layer.bbox is not None
    west, south, east, north = layer.bbox
    assert west - 0.01 < want_lon < east + 0.01 and south - 0.01 < want_lat < north + 0.01
