"""The point octree (LOD subsampling, ADD, bounded tiles) and the POINTS GLB writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.tiles.glb_tools import issues, read_accessor, read_glb, validate
from tiles.pointcloud_glb import PointTileArrays, encode_points_glb
from tiles.pointcloud_tiles import BITS, OctreeLimits, build_octree, morton_codes


def _terrain(n: int, seed: int = 1) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 800, n), rng.uniform(0, 500, n)
    z = 5 * np.sin(x / 50) + rng.normal(0, 0.2, n)
    return np.stack([x, y, z], axis=1).astype(np.float32)


def test_every_point_is_stored_exactly_once_in_tiles_of_bounded_size() -> None:
    pts = _terrain(400_000)
    tree = build_octree(pts, OctreeLimits(max_points=20_000, grid_bits=5))
    tiles = tree.root.walk()
    assert sorted(tree.order.tolist()) == list(range(len(pts)))
    assert sum(t.count for t in tiles) == len(pts)
    assert max(t.count for t in tiles) <= 20_000
    assert len(tiles) > 10 and max(t.level for t in tiles) >= 3
    for t in tiles:  # each tile's points lie inside its recorded bounds
        own = pts[tree.order[t.start : t.stop]]
        assert (own >= np.array(t.lo, np.float32)).all() and (
            own <= np.array(t.hi, np.float32)
        ).all()


def test_each_level_keeps_one_point_per_voxel_and_halves_the_spacing() -> None:
    pts = _terrain(200_000, seed=2)
    limits = OctreeLimits(max_points=10_000, grid_bits=5)
    tree = build_octree(pts, limits)
    lo = pts.min(axis=0).astype(np.float64)
    codes = morton_codes(pts, lo, tree.side)
    for t in tree.root.walk():
        assert t.spacing == pytest.approx(tree.side / 2 ** (t.level + limits.grid_bits))
        if not t.children:
            assert t.geometric_error == 0.0
            continue
        assert all(c.spacing == pytest.approx(t.spacing / 2) for c in t.children)
        assert t.geometric_error > max(c.geometric_error for c in t.children)
        own = codes[tree.order[t.start : t.stop]]
        voxels = own >> np.uint64(3 * (BITS - t.level - limits.grid_bits))
        assert len(np.unique(voxels)) == len(own)  # a uniform subset: one point per voxel
    # the root's subset covers the whole cloud, not one corner of it
    root = pts[tree.order[: tree.root.count]]
    assert np.ptp(root[:, 0]) > 0.95 * np.ptp(pts[:, 0])
    assert np.ptp(root[:, 1]) > 0.95 * np.ptp(pts[:, 1])


def test_a_small_cloud_is_one_leaf_tile() -> None:
    tree = build_octree(_terrain(500), OctreeLimits(max_points=1_000))
    assert tree.root.count == 500 and tree.root.children == ()
    assert tree.root.geometric_error == 0.0


def test_a_point_tile_round_trips_and_passes_the_gltf_validator(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 5_000
    pos = rng.uniform(-40, 40, (n, 3)).astype(np.float32)
    colors = rng.integers(0, 256, (n, 3), dtype=np.uint8)
    intensity = rng.integers(0, 65536, n).astype(np.uint16)
    classification = rng.integers(0, 32, n).astype(np.uint8)
    origin = (1234.5, -987.25, 12.0)
    glb_bytes = encode_points_glb(PointTileArrays(pos, origin, intensity, classification, colors))
    glb = read_glb(glb_bytes)
    (prim,) = glb.doc["meshes"][0]["primitives"]
    assert prim["mode"] == 0
    yup = read_accessor(glb, prim["attributes"]["POSITION"]).astype(np.float64)
    yup += glb.doc["nodes"][0]["translation"]
    zup = np.c_[yup[:, 0], -yup[:, 2], yup[:, 1]]
    np.testing.assert_allclose(zup, pos.astype(np.float64) + origin, atol=1e-4)
    linear = read_accessor(glb, prim["attributes"]["COLOR_0"]).astype(np.float64) / 65535
    srgb = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    np.testing.assert_array_equal(np.rint(srgb[:, :3] * 255).astype(np.uint8), colors)
    np.testing.assert_array_equal(read_accessor(glb, prim["attributes"]["_INTENSITY"]), intensity)
    np.testing.assert_array_equal(
        read_accessor(glb, prim["attributes"]["_CLASSIFICATION"]), classification
    )
    meta = glb.doc["extensions"]["EXT_structural_metadata"]
    (attrs,) = meta["propertyAttributes"]
    assert attrs["properties"] == {
        "intensity": {"attribute": "_INTENSITY"},
        "classification": {"attribute": "_CLASSIFICATION"},
    }
    assert prim["extensions"]["EXT_structural_metadata"] == {"propertyAttributes": [0]}
    path = tmp_path / "points.glb"
    path.write_bytes(glb_bytes)
    no_colour = tmp_path / "plain.glb"
    no_colour.write_bytes(
        encode_points_glb(PointTileArrays(pos, origin, intensity, classification))
    )
    for report in validate([path, no_colour]):
        assert issues(report, "errors") == []
        assert issues(report, "warnings") == []
