"""Publishing city models (CityJSON, CityGML) as building layers, on both storage backends."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import decode_mesh, decode_table, issues, read_glb, validate
from tests.twin.test_readers_cityjson import delft_subset
from twin.cli import cmd_ingest_citymodel
from twin.domain import FeatureQuery, FeatureRecord
from twin.errors import InvalidInputError
from twin.pipeline.export_layer import export_layer
from twin.pipeline.publish_citymodel import publish_citymodel, read_city_model
from twin.readers.footprints import read_vector
from twin.settings import Settings

BLDG = "{http://www.opengis.net/citygml/building/2.0}"
GML = "{http://www.opengis.net/gml}"


def _delft(shared_data: Path) -> Path:
    return shared_data / "buildings" / "delft" / "delft.json"


def _plateau(shared_data: Path) -> Path:
    return shared_data / "buildings" / "plateau-yokosuka" / "52397519_bldg_6697_op.gml"


def _export_and_validate(
    layer: str, store: ObjectStore, catalog: Catalog, tmp_path: Path
) -> tuple[list[dict[str, list[object]]], list[Path]]:
    out = export_layer(layer, tmp_path / f"export-{layer}", store=store, catalog=catalog)
    glbs = sorted((out.tileset.parent / "t").glob("*.glb"))
    assert glbs
    for report in validate(glbs):
        assert issues(report, "errors") == []
    tileset = json.loads(out.tileset.read_text(encoding="utf-8"))
    assert tileset["asset"]["version"] == "1.1"
    return [decode_table(read_glb(p.read_bytes())) for p in glbs], glbs


def _features(catalog: Catalog, layer: str) -> dict[str, FeatureRecord]:
    page = catalog.query_features(FeatureQuery(layer=layer, limit=10_000))
    return {f.id: f for f in page.features}


def test_delft_cityjson_publishes_one_feature_per_building_on_the_bgt_footprints(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    doc = json.loads(_delft(shared_data).read_text(encoding="utf-8"))
    buildings = [
        k for k, o in doc["CityObjects"].items() if o["type"] in {"Building", "BuildingPart"}
    ]
    result = publish_citymodel(
        read_city_model(_delft(shared_data)), layer="delft", store=store, catalog=catalog
    )
    assert result.feature_count == result.tiled_count == len(buildings) == 160
    tables, _ = _export_and_validate("delft", store, catalog, tmp_path)
    assert sorted(str(i) for t in tables for i in t["id"]) == sorted(
        f"delft:{b}" for b in buildings
    )
    heights = {i: h for t in tables for i, h in zip(t["id"], t["measuredHeight"], strict=True)}
    for b in buildings[::20]:
        assert heights[f"delft:{b}"] == doc["CityObjects"][b]["attributes"]["measuredHeight"]

    layer = catalog.get_layer("delft")
    assert (layer.kind, layer.crs, layer.feature_count) == ("buildings", "EPSG:7415", 160)
    assert "no geoid" in layer.metadata["heights"]
    features = _features(catalog, "delft")
    # every building lands on its BGT footprint (matched by BAG id): centroids within 1 m
    bgt = read_vector(shared_data / "buildings" / "delft" / "bgt_pand.sqlite")
    to_lonlat = Transformer.from_crs(bgt.crs, "EPSG:4326", always_xy=True)
    geod = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    by_bag = {str(b): g for b, g in zip(bgt["identificatiebagpnd"], bgt.geometry, strict=True)}
    matched = 0
    for f in features.values():
        bag = str(f.attributes["identificatiebagpnd"])
        if bag not in by_bag:
            continue
        ours = shapely.from_wkb(f.footprint_wkb)
        theirs = shapely.transform(
            by_bag[bag], lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
        )
        a = np.array(geod.transform(ours.centroid.x, ours.centroid.y))
        b = np.array(geod.transform(theirs.centroid.x, theirs.centroid.y))
        assert np.hypot(*(a - b)) < 1.0, bag
        matched += 1
    assert matched >= 150


def test_plateau_citygml_lands_in_yokosuka_with_parts_and_semantic_surfaces(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    path = _plateau(shared_data)
    tree = ET.parse(path)
    objects = [*tree.iter(f"{BLDG}Building"), *tree.iter(f"{BLDG}BuildingPart")]
    roofs = {
        e.get(f"{GML}id"): sum(
            len(list(s.iter(f"{GML}Polygon")))
            for b in e.findall(f"{BLDG}boundedBy")
            for s in b.findall(f"{BLDG}RoofSurface")
        )
        for e in objects
    }
    result = publish_citymodel(
        read_city_model(path), layer="yokosuka", store=store, catalog=catalog
    )
    assert result.feature_count == len(objects) == 15
    tables, glbs = _export_and_validate("yokosuka", store, catalog, tmp_path)
    classes = [c for t in tables for c in t["class"]]
    assert set(classes) == {"Building", "BuildingPart"}

    features = _features(catalog, "yokosuka")
    assert len(features) == len(objects)
    for oid, count in roofs.items():
        f = features[f"yokosuka:{oid}"]
        assert f.attributes["roof_surfaces"] == count
        w, s, e, n = f.bbox
        assert 139.6 < w <= e < 139.8 and 35.2 < s <= n < 35.4
    parts = [f for f in features.values() if f.cls == "BuildingPart"]
    assert len(parts) == 2
    for part in parts:
        parent = features[str(part.parent_id)]
        assert parent.cls == "Building" and not parent.content_key
        assert shapely.box(*parent.bbox).buffer(1e-9).contains(shapely.box(*part.bbox))
    assert sum(1 for r in roofs.values() if r) > 0
    # roofs and walls get their own colours
    mesh = decode_mesh(read_glb(glbs[0].read_bytes()))
    assert mesh.colors is not None
    up = mesh.normals[:, 2]
    roof = {tuple(c) for c in mesh.colors[up > 0.9][:, :3].tolist()}
    wall = {tuple(c) for c in mesh.colors[np.abs(up) < 0.1][:, :3].tolist()}
    assert roof and wall and not roof & wall


def test_a_dangling_index_stores_nothing_and_the_published_version_stays(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path, settings: Settings
) -> None:
    store, catalog = backends
    parser = argparse.ArgumentParser()
    cmd_ingest_citymodel.register_kind(parser.add_subparsers())
    args = parser.parse_args(
        ["citymodel", str(_delft(shared_data)), "--layer", "city", "--no-progress"]
    )
    assert args.handler(args, settings) == 0
    before = catalog.get_layer("city")
    doc = json.loads(_delft(shared_data).read_text(encoding="utf-8"))
    victim = next(k for k, o in doc["CityObjects"].items() if o["type"] == "Building")
    doc["CityObjects"][victim]["geometry"][0]["boundaries"][0][0][0][0] = len(doc["vertices"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    args = parser.parse_args(["citymodel", str(bad), "--layer", "city", "--no-progress"])
    with pytest.raises(InvalidInputError, match=victim):
        args.handler(args, settings)
    after = catalog.get_layer("city")
    assert (after.version, after.tileset_key, after.feature_count) == (
        before.version,
        before.tileset_key,
        160,
    )
    assert [i.key for i in store.list("layers/city/")] == [
        i.key for i in store.list(f"layers/city/v{before.version:06d}/")
    ]


def test_a_cityjson_1_1_file_keeps_its_semantic_surface_counts_and_parts_in_the_catalog(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    doc, _ = delft_subset(json.loads(_delft(shared_data).read_text(encoding="utf-8")), 4)
    path = tmp_path / "v11.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = publish_citymodel(read_city_model(path), layer="v11", store=store, catalog=catalog)
    assert result.format == "CityJSON 1.1" and result.feature_count == 4
    _export_and_validate("v11", store, catalog, tmp_path)
    features = _features(catalog, "v11")
    for oid, obj in doc["CityObjects"].items():
        values = [v for shell in obj["geometry"][0]["semantics"]["values"] for v in shell]
        f = features[f"v11:{oid}"]
        assert f.attributes["roof_surfaces"] == values.count(0)
        assert f.attributes["wall_surfaces"] == values.count(1)
        assert f.attributes["ground_surfaces"] == values.count(2)
        assert f.cls == obj["type"]
        assert f.parent_id == (f"v11:{obj['parents'][0]}" if "parents" in obj else None)
