"""Point clouds of ../shared/data/pointcloud: ingest, publish, export, on both backends."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import laspy
import numpy as np
import pytest
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog, open_object_store
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import issues, read_accessor, read_glb, validate
from twin.cli import cmd_ingest_pointcloud
from twin.errors import CRSError, IngestError
from twin.naming import layer_prefix
from twin.pipeline.export_layer import export_layer
from twin.pipeline.publish_pointcloud import publish_pointcloud
from twin.readers.pointcloud import open_pointcloud, read_points
from twin.settings import Settings

FILES = {"autzen-utm.las": None, "autzen_trim.laz": None, "ahn3_cropped_1.laz": "EPSG:28992"}


def _tile_points(tileset: Path) -> dict[str, np.ndarray]:
    """Every stored point in ECEF with its attributes, read back from the exported GLBs."""
    doc = json.loads(tileset.read_text())
    m = np.asarray(doc["root"]["transform"], dtype=np.float64).reshape(4, 4).T
    parts: dict[str, list[np.ndarray]] = {"ecef": [], "intensity": [], "class": [], "rgb": []}
    for path in sorted((tileset.parent / "t").glob("*.glb")):
        glb = read_glb(path.read_bytes())
        (prim,) = glb.doc["meshes"][0]["primitives"]
        yup = read_accessor(glb, prim["attributes"]["POSITION"]).astype(np.float64)
        yup += glb.doc["nodes"][0]["translation"]
        enu = np.c_[yup[:, 0], -yup[:, 2], yup[:, 1]]
        parts["ecef"].append(enu @ m[:3, :3].T + m[:3, 3])
        parts["intensity"].append(read_accessor(glb, prim["attributes"]["_INTENSITY"]))
        parts["class"].append(read_accessor(glb, prim["attributes"]["_CLASSIFICATION"]))
        if "COLOR_0" in prim["attributes"]:
            lin = read_accessor(glb, prim["attributes"]["COLOR_0"])[:, :3] / 65535
            srgb = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
            parts["rgb"].append(np.rint(srgb * 255).astype(np.int64))
    return {k: np.concatenate(v) for k, v in parts.items() if v}


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_sample_publishes_every_point_once_with_its_attributes_where_pyproj_puts_it(
    name: str, shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    path = shared_data / "pointcloud" / name
    head = open_pointcloud(path, FILES[name])
    result = publish_pointcloud(head, read_points(head), layer="scan", store=store, catalog=catalog)
    las = laspy.read(path)
    assert result.point_count == len(las.points)
    out = export_layer("scan", tmp_path / "export", store=store, catalog=catalog)
    glbs = sorted((out.tileset.parent / "t").glob("*.glb"))
    assert len(glbs) == result.tile_count
    for report in validate(glbs):
        assert issues(report, "errors") == []
    got = _tile_points(out.tileset)
    assert len(got["ecef"]) == len(las.points)  # stored once each: ADD, no duplicates
    for ours, theirs in ((got["class"], las.classification), (got["intensity"], las.intensity)):
        np.testing.assert_array_equal(np.sort(ours), np.sort(np.asarray(theirs)))
    # a sample of the file's points, placed independently by pyproj, each found in a tile
    # (within 1 cm) with its own intensity, classification and colour
    z_factor = 0.3048 if name == "autzen_trim.laz" else 1.0
    to_lonlat = Transformer.from_crs(head.crs, "EPSG:4326", always_xy=True)
    to_ecef = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    for i in np.linspace(0, len(las.points) - 1, 40).astype(int).tolist():
        lon, lat = to_lonlat.transform(float(las.x[i]), float(las.y[i]))
        xyz = np.array(to_ecef.transform(lon, lat, float(las.z[i]) * z_factor))
        near = np.flatnonzero(np.linalg.norm(got["ecef"] - xyz, axis=1) < 0.01)
        assert len(near), f"point {i} not found"
        match = (got["intensity"][near] == las.intensity[i]) & (
            got["class"][near] == las.classification[i]
        )
        if "rgb" in got:
            match &= (got["rgb"][near] == [las.red[i], las.green[i], las.blue[i]]).all(axis=1)
        assert match.any()
    layer = catalog.get_layer("scan")
    assert layer.kind == "pointcloud" and layer.version == result.version
    assert layer.metadata["points"] == len(las.points)
    assert layer.crs == result.crs


def test_the_ahn3_scan_lands_within_a_metre_of_its_header_bbox_in_delft(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    head = open_pointcloud(shared_data / "pointcloud" / "ahn3_cropped_1.laz", "EPSG:28992")
    publish_pointcloud(head, read_points(head), layer="ahn3", store=store, catalog=catalog)
    out = export_layer("ahn3", tmp_path / "export", store=store, catalog=catalog)
    ecef = _tile_points(out.tileset)["ecef"]
    lon, lat, _ = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(
        ecef[:, 0], ecef[:, 1], ecef[:, 2]
    )
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    x, y = to_rd.transform(lon, lat)
    assert abs(x.min() - head.mins[0]) < 1 and abs(x.max() - head.maxs[0]) < 1
    assert abs(y.min() - head.mins[1]) < 1 and abs(y.max() - head.maxs[1]) < 1
    bbox = catalog.get_layer("ahn3").bbox
    assert bbox is not None
    assert 4.35 < bbox[0] < bbox[2] < 4.37 and 52.01 < bbox[1] < bbox[3] < 52.02  # Delft


def _args(path: Path, layer: str, crs: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(
        path=path, layer=layer, title=None, crs=crs, max_points=150_000, report=None,
        no_progress=True,
    )  # fmt: skip


def test_a_truncated_file_or_a_missing_crs_leaves_the_published_version_current(
    shared_data: Path, settings: Settings, tmp_path: Path
) -> None:
    src = shared_data / "pointcloud" / "autzen-utm.las"
    assert cmd_ingest_pointcloud.run(_args(src, "scan"), settings) == 0
    store, catalog = open_object_store(settings), open_catalog(settings)
    try:
        before = catalog.get_layer("scan")
        keys = sorted(i.key for i in store.list(layer_prefix("scan")))
        cut = tmp_path / "cut.las"
        data = src.read_bytes()
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(IngestError, match="truncated"):
            cmd_ingest_pointcloud.run(_args(cut, "scan"), settings)
        with pytest.raises(CRSError, match="--crs"):
            cmd_ingest_pointcloud.run(
                _args(shared_data / "pointcloud" / "ahn3_cropped_1.laz", "scan"), settings
            )
        after = catalog.get_layer("scan")
        assert (after.version, after.tileset_key) == (before.version, before.tileset_key)
        assert sorted(i.key for i in store.list(layer_prefix("scan"))) == keys
    finally:
        catalog.close()
