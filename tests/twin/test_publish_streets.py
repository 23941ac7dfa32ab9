"""A generated Shenzhen streetscape (EPSG:4547) through the whole pipeline, on both backends."""

from __future__ import annotations

import argparse
import json
import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import decode_table, issues, read_accessor, read_glb, validate
from tiles.geodesy import EnuFrame, ecef_to_geodetic, ellipsoid_normal
from tiles.partition import PartitionLimits
from twin.cli.cmd_ingest_streets import register_kind
from twin.errors import CRSError, IngestError, InvalidInputError, LayerNotFoundError
from twin.pipeline.export_layer import export_layer
from twin.pipeline.publish_streets import publish_streets
from twin.readers.streets import read_streets
from twin.settings import Settings

TYPES = ["tree", "行道树", "路灯", "street_lamp", "交通标志", "bench", "长椅", "公交站", "bin"]
CANONICAL = {
    "tree": "tree",
    "行道树": "tree",
    "路灯": "street_lamp",
    "street_lamp": "street_lamp",
    "交通标志": "sign",
    "bench": "bench",
    "长椅": "bench",
    "公交站": "bus_stop",
    "bin": "bin",
}
X0, Y0 = 500_000.0, 2_494_000.0  # EPSG:4547 (CGCS2000 / 3-degree GK CM 114E), Shenzhen


def street_sample(path: Path, *, n: int = 300, seed: int = 7) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(-900, 900, n)
    y = Y0 + rng.uniform(-700, 700, n)
    kinds = [TYPES[i % len(TYPES)] for i in range(n)]
    kinds[5], kinds[17] = "fountain", "喷泉"  # unknown types: reported, not published
    frame = gpd.GeoDataFrame(
        {
            "type": kinds,
            "height": np.round(rng.uniform(1.0, 12.0, n), 2),
            "crown_diameter": np.round(rng.uniform(0.5, 7.0, n), 2),
            "orientation": np.round(rng.uniform(0, 360, n), 1),
            "owner": [f"district {i % 4}" for i in range(n)],
            "planted": rng.integers(1990, 2024, n),
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:4547",
    )
    roads = gpd.GeoDataFrame(
        {
            "type": ["road", "sidewalk", "crossing", "道路", "service"],
            "owner": ["city"] * 5,
            "width": [12.0, np.nan, np.nan, 9.0, 4.0],
        },
        geometry=[
            shapely.box(X0 - 800, Y0 - 6, X0 + 800, Y0 + 6),
            shapely.box(X0 - 800, Y0 + 6, X0 + 800, Y0 + 9).difference(
                shapely.box(X0 - 10, Y0 + 6, X0 + 10, Y0 + 9)
            ),
            shapely.box(X0 - 10, Y0 - 6, X0 + 10, Y0 + 9),
            shapely.LineString([(X0 - 300, Y0 - 600), (X0 - 300, Y0 + 600)]),
            shapely.LineString([(X0 + 200, Y0 - 400), (X0 + 400, Y0 - 300), (X0 + 600, Y0 - 500)]),
        ],
        crs="EPSG:4547",
    )
    both = gpd.GeoDataFrame(
        gpd.pd.concat([frame, roads], ignore_index=True), geometry="geometry", crs="EPSG:4547"
    )
    both.to_file(path, driver="GPKG", layer="street")
    return both


def _decode_instances(glb_path: Path, frame: EnuFrame) -> dict[str, dict[str, np.ndarray]]:
    glb = read_glb(glb_path.read_bytes())
    out: dict[str, dict[str, np.ndarray]] = {}
    for node in glb.doc["nodes"]:
        ext = node.get("extensions", {}).get("EXT_mesh_gpu_instancing")
        if ext is None:
            continue
        a = ext["attributes"]
        t = read_accessor(glb, a["TRANSLATION"]).astype(np.float64)
        t = t + np.array(node["translation"])
        enu = np.column_stack([t[:, 0], -t[:, 2], t[:, 1]])  # glTF y-up -> z-up
        ecef = frame.origin_ecef + enu @ frame.rotation
        rows = read_accessor(glb, a["_FEATURE_ID_0"]).astype(np.int64).reshape(-1)
        out[node["name"]] = {
            "ecef": ecef,
            "rot": read_accessor(glb, a["ROTATION"]).astype(np.float64),
            "scale": read_accessor(glb, a["SCALE"]).astype(np.float64),
            "rows": rows,
        }
    return out


def _rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    u, w = q[:, :3], q[:, 3:4]
    out: np.ndarray = v + 2 * np.cross(u, np.cross(u, v) + w * v)
    return out


def _to_ecef_vector(frame: EnuFrame, gltf_vec: np.ndarray) -> np.ndarray:
    enu = np.column_stack([gltf_vec[:, 0], -gltf_vec[:, 2], gltf_vec[:, 1]])
    return enu @ frame.rotation


def test_a_shenzhen_streetscape_publishes_instances_that_land_on_their_points(
    tmp_path: Path, backends: tuple[ObjectStore, Catalog]
) -> None:
    store, catalog = backends
    src = street_sample(tmp_path / "street.gpkg")
    streets = read_streets(tmp_path / "street.gpkg", layer="street")
    result = publish_streets(
        streets, store=store, catalog=catalog, limits=PartitionLimits(max_features=60)
    )
    assert result.tile_count > 1
    report = result.report
    assert report is not None
    assert sorted((i.source_id, i.code) for i in report.rejected) == [
        ("18", "unknown_type"),
        ("6", "unknown_type"),
    ]  # GeoPackage fids start at 1
    assert result.surface_count == 5
    out = export_layer("street", tmp_path / "export", store=store, catalog=catalog)
    doc = json.loads(out.tileset.read_text())
    m = np.array(doc["root"]["transform"]).reshape(4, 4).T
    lon0, lat0, h0 = ecef_to_geodetic(m[:3, 3])
    frame = EnuFrame(float(lon0[0]), float(lat0[0]), float(h0[0]))
    glbs = sorted((out.tileset.parent / "t").glob("*.glb"))
    for rep in validate(glbs):
        assert issues(rep, "errors") == []
        assert issues(rep, "warnings") == []

    to_ll = Transformer.from_crs("EPSG:4547", "EPSG:4326", always_xy=True)
    by_id = {str(i + 1): row for i, row in src.iterrows()}
    seen: dict[str, int] = {}
    surfaces = 0
    for path in glbs:
        table = decode_table(read_glb(path.read_bytes()))
        for kind, inst in _decode_instances(path, frame).items():
            seen[kind] = seen.get(kind, 0) + len(inst["rows"])
            ids = [table["id"][r] for r in inst["rows"]]
            source = [by_id[i.split(":")[1]] for i in ids]
            assert all(CANONICAL[s["type"]] == kind for s in source)
            assert [table["type"][r] for r in inst["rows"]] == [kind] * len(ids)
            lon, lat, h = ecef_to_geodetic(inst["ecef"])
            slon, slat = to_ll.transform(
                [s.geometry.x for s in source], [s.geometry.y for s in source]
            )
            north_m = (lat - slat) * 111_320
            east_m = (lon - slon) * 111_320 * math.cos(math.radians(22.5))
            assert np.max(np.hypot(east_m, north_m)) < 0.05
            assert np.max(np.abs(h)) < 0.05
            # scale: (size, height, size); the model's up is the local up, its north the heading
            heights = np.array([s["height"] for s in source])
            assert np.allclose(inst["scale"][:, 1], heights, atol=1e-4)
            assert np.allclose(
                inst["scale"][:, 0], [s["crown_diameter"] for s in source], atol=1e-4
            )
            up = _to_ecef_vector(frame, _rotate(inst["rot"], np.array([[0.0, 1.0, 0.0]])))
            normal = ellipsoid_normal(lon, lat)
            assert np.min(np.einsum("ij,ij->i", up, normal)) > 1 - 1e-6
            fwd = _to_ecef_vector(frame, _rotate(inst["rot"], np.array([[0.0, 0.0, -1.0]])))
            east = np.stack([-np.sin(np.radians(lon)), np.cos(np.radians(lon)), 0 * lon], axis=1)
            north = np.cross(normal, east)
            heading = np.degrees(
                np.arctan2(np.einsum("ij,ij->i", fwd, east), np.einsum("ij,ij->i", fwd, north))
            )
            want = np.array([s["orientation"] for s in source])
            diff = (heading - want + 180) % 360 - 180
            assert np.max(np.abs(diff)) < 0.01
            # the feature table carries the source's attributes
            for r, s in zip(inst["rows"], source, strict=True):
                assert table["owner"][r] == s["owner"]
                assert table["planted"][r] == s["planted"]
                assert table["orientation"][r] == pytest.approx(s["orientation"])
        surfaces += sum(
            1 for t in table["type"] if t in {"road", "sidewalk", "crossing", "service"}
        )
    expected: dict[str, int] = {}
    for t in src["type"]:
        if t in CANONICAL:
            expected[CANONICAL[t]] = expected.get(CANONICAL[t], 0) + 1
    assert seen == expected == report.counts
    assert surfaces == 5

    layer = catalog.get_layer("street")
    assert layer.kind == "streets" and layer.feature_count == 298 + 5
    feature = catalog.get_feature("street:1")
    assert feature.attributes["type"] == CANONICAL[src.loc[0, "type"]]
    assert feature.attributes["owner"] == "district 0"
    assert feature.content_key.startswith("t/")
    road = catalog.get_feature("street:304")  # the line typed "道路", buffered 9 m
    assert road.attributes["type"] == "road"
    assert shapely.from_wkb(road.footprint_wkb).area > 0


def test_surfaces_follow_the_heights_they_are_given(
    tmp_path: Path, backends: tuple[ObjectStore, Catalog]
) -> None:
    store, catalog = backends
    street_sample(tmp_path / "street.gpkg", n=20)
    streets = read_streets(tmp_path / "street.gpkg", layer="draped")

    def slope(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return 10.0 + (lon - 114.0) * 1000.0

    publish_streets(streets, store=store, catalog=catalog, heights=slope)
    out = export_layer("draped", tmp_path / "export", store=store, catalog=catalog)
    doc = json.loads(out.tileset.read_text())
    m = np.array(doc["root"]["transform"]).reshape(4, 4).T
    lon0, lat0, h0 = ecef_to_geodetic(m[:3, 3])
    frame = EnuFrame(float(lon0[0]), float(lat0[0]), float(h0[0]))
    checked = 0
    for path in sorted((out.tileset.parent / "t").glob("*.glb")):
        glb = read_glb(path.read_bytes())
        for node in glb.doc["nodes"]:
            if node["name"] != "surfaces":
                continue
            for prim in glb.doc["meshes"][node["mesh"]]["primitives"]:
                p = read_accessor(glb, prim["attributes"]["POSITION"]).astype(np.float64)
                p = p + np.array(node["translation"])
                enu = np.column_stack([p[:, 0], -p[:, 2], p[:, 1]])
                lon, lat, h = ecef_to_geodetic(frame.origin_ecef + enu @ frame.rotation)
                assert np.max(np.abs(h - slope(lon, lat) - 0.05)) < 0.02
                checked += len(p)
        for inst in _decode_instances(path, frame).values():
            lon, lat, h = ecef_to_geodetic(inst["ecef"])
            assert np.max(np.abs(h - slope(lon, lat))) < 0.02
    assert checked > 100


@pytest.mark.parametrize(
    ("case", "error", "words"),
    [
        ("no_type_field", InvalidInputError, "no type field 'type'"),
        ("only_polygon_trees", IngestError, "must be a point"),
        ("no_crs", CRSError, "no CRS"),
    ],
)
def test_bad_input_names_the_problem_and_changes_nothing(
    case: str,
    error: type[Exception],
    words: str,
    tmp_path: Path,
    backends: tuple[ObjectStore, Catalog],
) -> None:
    store, catalog = backends
    pts = gpd.points_from_xy([X0, X0 + 5], [Y0, Y0 + 5])
    if case == "no_type_field":
        frame = gpd.GeoDataFrame({"kind": ["tree", "bin"]}, geometry=pts, crs="EPSG:4547")
        path = tmp_path / "bad.gpkg"
    elif case == "only_polygon_trees":
        frame = gpd.GeoDataFrame(
            {"type": ["tree", "树"]}, geometry=[p.buffer(2) for p in pts], crs="EPSG:4547"
        )
        path = tmp_path / "bad.gpkg"
    else:
        frame = gpd.GeoDataFrame({"type": ["tree", "bin"]}, geometry=pts)
        path = tmp_path / "bad.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "crs was not provided": on purpose
        frame.to_file(path)
    with pytest.raises(error, match=words):
        streets = read_streets(path, layer="bad")
        publish_streets(streets, store=store, catalog=catalog)
    with pytest.raises(LayerNotFoundError):
        catalog.get_layer("bad")
    assert list(store.list("layers/bad/")) == []


def test_the_cli_ingests_a_streetscape_and_lists_the_rejected_features(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    street_sample(tmp_path / "street.gpkg", n=40)
    parser = argparse.ArgumentParser()
    register_kind(parser.add_subparsers())
    args = parser.parse_args(
        ["streets", str(tmp_path / "street.gpkg"), "--layer", "cli-streets", "--no-progress",
         "--report", str(tmp_path / "report.json")]
    )  # fmt: skip
    assert args.handler(args, settings) == 0
    out, err = capsys.readouterr()
    assert "layer cli-streets v1: 38 objects" in out and "5 surfaces, 2 rejected" in out
    assert "fountain" in err and "喷泉" in err
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["object_count"] == 38
    catalog = open_catalog(settings)
    try:
        assert catalog.get_layer("cli-streets").feature_count == 43
    finally:
        catalog.close()
