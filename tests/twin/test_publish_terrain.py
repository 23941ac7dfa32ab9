"""Publishing a DEM as a terrain layer: valid tiles, measured errors, holes, atomic refusal."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import decode_mesh, decode_table, issues, read_glb, validate
from tiles.geodesy import ecef_to_geodetic
from twin.cli.cmd_ingest_terrain import register_kind
from twin.errors import CRSError
from twin.pipeline.export_layer import export_layer
from twin.pipeline.publish_terrain import publish_terrain
from twin.readers.dem import read_dem
from twin.settings import Settings
from twin.terrain_height import TerrainHeight

Backends = tuple[ObjectStore, Catalog]


def _walk(tile: dict, level: int = 0):  # type: ignore[no-untyped-def,type-arg]
    yield tile, level
    for child in tile.get("children", []):
        yield from _walk(child, level + 1)


def _geodetic(doc: dict, positions: np.ndarray) -> tuple[np.ndarray, ...]:  # type: ignore[type-arg]
    m = np.array(doc["root"]["transform"], dtype=np.float64).reshape(4, 4).T
    ecef = positions @ m[:3, :3].T + m[:3, 3]
    return ecef_to_geodetic(ecef)


def _tiles(out_dir: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted((out_dir / "t").glob("*.glb"))}


def test_a_swiss_dem_becomes_valid_terrain_tiles_with_measured_errors(
    backends: Backends, shared_data: Path, tmp_path: Path
) -> None:
    store, catalog = backends
    path = shared_data / "terrain/titiler-dem.tif"
    dem = read_dem(path)
    result = publish_terrain(dem, layer="alps", store=store, catalog=catalog, tile_cells=64)
    assert (result.version, result.levels) == (1, 4)
    out = export_layer("alps", tmp_path / "out", store=store, catalog=catalog)
    files = sorted((out.tileset.parent / "t").glob("*.glb"))
    assert len(files) == result.tile_count
    for report in validate(files):
        assert issues(report, "errors") == []
    doc = json.loads(out.tileset.read_text())
    assert doc["root"]["refine"] == "REPLACE" and len(doc["root"]["transform"]) == 16
    per_level: dict[int, float] = {}
    for tile, level in _walk(doc["root"]):
        for child in tile.get("children", []):
            assert child["geometricError"] <= tile["geometricError"]
        per_level[level] = max(per_level.get(level, 0.0), tile["geometricError"])
    errors = [per_level[lv] for lv in sorted(per_level)]
    assert errors == sorted(errors, reverse=True) and len(set(errors)) == len(errors)
    assert errors[0] > 1.0  # 8x coarser than the DEM in the Alps: metres off, and said so
    record = catalog.get_layer("alps")
    assert record.kind == "terrain" and record.feature_count == result.tile_count
    terrain = TerrainHeight(dem)
    worst = 0.0
    for name, data in _tiles(out.tileset.parent).items():
        glb = read_glb(data)
        assert decode_table(glb)["id"] == [f"alps:{name}"]
        if not name.startswith("3-"):
            continue
        pos = decode_mesh(glb).positions
        # skirt vertices hang under surface ones: keep the highest vertex at each place
        keys = np.round(pos[:, :2], 1)
        order = np.lexsort((-pos[:, 2], keys[:, 1], keys[:, 0]))
        _, first = np.unique(keys[order], axis=0, return_index=True)
        top = pos[order][first]
        lon, lat, h = _geodetic(doc, top)
        worst = max(worst, float(np.nanmax(np.abs(h - terrain.height_at(lon, lat)))))
    assert worst <= 2.5 / 2


def test_the_stored_dem_serves_heights_that_match_the_file(
    backends: Backends, shared_data: Path
) -> None:
    store, catalog = backends
    path = shared_data / "terrain/pysheds-dem.tif"  # GPL: read, never copied into the repo
    publish_terrain(read_dem(path), layer="texas", store=store, catalog=catalog, tile_cells=64)
    terrain = TerrainHeight.load(store, catalog, "texas")
    with rasterio.open(path) as src:
        rows, cols = np.meshgrid(np.arange(5, 359, 37), np.arange(3, 367, 41), indexing="ij")
        xs, ys = rasterio.transform.xy(src.transform, rows.ravel(), cols.ravel())
        expected = np.array([v[0] for v in src.sample(list(zip(xs, ys, strict=True)))])
    assert np.abs(terrain.height_at(np.asarray(xs), np.asarray(ys)) - expected).max() < 1e-3


def test_nodata_becomes_holes_in_every_level(
    backends: Backends, shared_data: Path, tmp_path: Path
) -> None:
    store, catalog = backends
    with rasterio.open(shared_data / "terrain/titiler-dem.tif") as src:
        data, profile, transform = src.read(1), src.profile, src.transform
    data[100:140, 200:260] = profile["nodata"]
    holed = tmp_path / "holed.tif"
    with rasterio.open(holed, "w", **profile) as dst:
        dst.write(data, 1)
    publish_terrain(read_dem(holed), layer="holed", store=store, catalog=catalog, tile_cells=64)
    out = export_layer("holed", tmp_path / "out", store=store, catalog=catalog)
    doc = json.loads(out.tileset.read_text())
    to_grid = Transformer.from_crs(4326, 2056, always_xy=True)
    inverse = ~transform
    centroids_in_hole = 0
    levels = set()
    for name, data_glb in _tiles(out.tileset.parent).items():
        mesh = decode_mesh(read_glb(data_glb))
        centroid = mesh.positions[mesh.indices.reshape(-1, 3)].mean(axis=1)
        lon, lat, h = _geodetic(doc, centroid)
        assert np.isfinite(h).all() and h.min() > 1500 and h.max() < 2100  # no spikes
        x, y = to_grid.transform(lon, lat)
        col, row = inverse @ (np.asarray(x), np.asarray(y))
        r, c = np.asarray(row) - 0.5, np.asarray(col) - 0.5  # sample space
        centroids_in_hole += int(((r > 99.5) & (r < 139.5) & (c > 199.5) & (c < 259.5)).sum())
        levels.add(name.split("-")[0])
    assert centroids_in_hole == 0 and levels == {"0", "1", "2", "3"}


def _run_cli(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    register_kind(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return int(args.handler(args, settings))


def test_a_dem_without_crs_is_refused_and_the_current_version_stays(
    settings: Settings, backends: Backends, shared_data: Path, tmp_path: Path
) -> None:
    store, catalog = backends
    source = shared_data / "terrain/titiler-dem.tif"
    assert _run_cli(settings, "terrain", str(source), "--layer", "dem", "--no-progress") == 0
    before = {o.key: o.etag for o in store.list("layers/")}
    with rasterio.open(source) as src:
        data, profile = src.read(1), src.profile
    profile.update(crs=None)
    bare = tmp_path / "bare.tif"
    with rasterio.open(bare, "w", **profile) as dst:
        dst.write(data, 1)
    with pytest.raises(CRSError, match="--crs"):
        _run_cli(settings, "terrain", str(bare), "--layer", "dem", "--no-progress")
    assert {o.key: o.etag for o in store.list("layers/")} == before
    assert catalog.get_layer("dem").version == 1
    assert _run_cli(settings, "terrain", str(bare), "--layer", "dem", "--crs", "2056") == 0
    assert catalog.get_layer("dem").version == 2


def test_the_terrain_tint_goes_from_green_lowland_to_grey_heights_and_darkens_slopes() -> None:
    from twin.pipeline.publish_terrain import tint

    up = np.array([1.0, 1.0, 1.0, 0.5], dtype=np.float32)
    rgba = tint(np.array([0.0, 50.0, 100.0, 0.0]), up, 0.0, 100.0).astype(int)
    low, mid, high, steep = rgba
    assert low[1] > low[0] and low[1] > low[2]  # green dominates the lowland
    assert abs(int(high[0]) - int(high[2])) < 25  # a greyish top
    assert (rgba[:, 3] == 255).all()
    assert (steep[:3] < low[:3]).all()  # the same height on a slope is darker
    assert not np.array_equal(mid, low) and not np.array_equal(mid, high)
