"""Instanced streetscape tiles: valid glTF, one instanced node per type, exact transforms."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from tests.tiles.glb_tools import decode_table, issues, read_accessor, read_glb, validate
from tiles.gltf_metadata import PropertyColumn, PropertyTable
from tiles.instanced_glb import Instances, Surface, encode_street_tile, rotation_quaternions
from tiles.street_models import DEFAULTS, canonical_type, model


def _heading(deg: float) -> np.ndarray:
    t = math.radians(-deg)
    return np.array([[math.cos(t), -math.sin(t), 0.0], [math.sin(t), math.cos(t), 0.0], [0, 0, 1]])


def _tile() -> tuple[bytes, list[str]]:
    kinds = list(DEFAULTS)
    instances = [
        Instances(
            kind=k,
            translations=np.array([[10.0 * i, 5.0, 0.0], [10.0 * i, -5.0, 0.0]]),
            rotations=np.stack([_heading(30.0 * i), _heading(90.0)]),
            scales=np.array([[2.0, 2.0, 6.0], [1.0, 1.0, 3.0]]),
            rows=np.array([2 * i, 2 * i + 1]),
        )
        for i, k in enumerate(kinds)
    ]
    road = Surface(
        kind="road",
        positions=np.array([[0.0, 0, 0.05], [20, 0, 0.05], [20, 8, 0.05], [0, 8, 0.05]]),
        normals=np.tile([0.0, 0.0, 1.0], (4, 1)),
        indices=np.array([0, 1, 2, 0, 2, 3]),
        rows=np.full(4, 2 * len(kinds)),
    )
    ids = [f"s:{i}" for i in range(2 * len(kinds) + 1)]
    table = PropertyTable(
        "street_feature",
        {
            "id": PropertyColumn("string", ids),
            "type": PropertyColumn("string", [k for k in kinds for _ in (0, 1)] + ["road"]),
            "height": PropertyColumn("number", [6.0, 3.0] * len(kinds) + [None]),
        },
        len(ids),
    )
    return encode_street_tile(instances, [road], table, origin=(100.0, 200.0, 3.0)), kinds


def test_a_street_tile_passes_the_khronos_validator_without_warnings(tmp_path: Path) -> None:
    glb, _ = _tile()
    path = tmp_path / "street.glb"
    path.write_bytes(glb)
    (report,) = validate([path])
    assert issues(report, "errors") == []
    assert issues(report, "warnings") == []
    doc = read_glb(glb)
    assert doc.doc["buffers"][0]["byteLength"] <= len(doc.bin)
    end = max(v["byteOffset"] + v["byteLength"] for v in doc.doc["bufferViews"])
    assert end <= doc.doc["buffers"][0]["byteLength"]


def test_each_type_is_one_instanced_node_with_its_rows_transforms_and_table() -> None:
    glb, kinds = _tile()
    doc = read_glb(glb)
    nodes = [n for n in doc.doc["nodes"] if "EXT_mesh_gpu_instancing" in n.get("extensions", {})]
    assert [n["name"] for n in nodes] == kinds
    for i, node in enumerate(nodes):
        assert node["translation"] == [100.0, 3.0, -200.0]  # z-up (E, N, U) -> y-up
        attrs = node["extensions"]["EXT_mesh_gpu_instancing"]["attributes"]
        t = read_accessor(doc, attrs["TRANSLATION"])
        assert np.allclose(t, [[10.0 * i, 0.0, -5.0], [10.0 * i, 0.0, 5.0]])
        assert np.allclose(read_accessor(doc, attrs["SCALE"]), [[2, 6, 2], [1, 3, 1]])
        assert read_accessor(doc, attrs["_FEATURE_ID_0"]).tolist() == [2 * i, 2 * i + 1]
        q = read_accessor(doc, attrs["ROTATION"]).astype(np.float64)
        # a heading of h degrees clockwise from north is -h degrees about glTF +y (up)
        angle = np.array([30.0 * i, 90.0])
        assert np.allclose(np.abs(q[:, 1]), np.abs(np.sin(np.radians(-angle) / 2)), atol=1e-6)
        assert np.allclose(q[:, [0, 2]], 0.0, atol=1e-7)
        feats = node["extensions"]["EXT_instance_features"]["featureIds"][0]
        assert feats["propertyTable"] == 0 and feats["attribute"] == 0
        mesh = doc.doc["meshes"][node["mesh"]]
        assert len(mesh["primitives"]) == len(model(kinds[i]))
    table = decode_table(doc)
    assert table["type"][-1] == "road" and table["height"][-1] is None
    assert table["height"][:2] == [6.0, 3.0]


def test_rotation_quaternions_turn_north_into_the_heading() -> None:
    headings = np.array([0.0, 45.0, 90.0, 180.0, 270.0, 359.0])
    q = rotation_quaternions(np.stack([_heading(h) for h in headings]))
    u, w = q[:, :3], q[:, 3:4]
    north = np.array([0.0, 0.0, -1.0])  # glTF -z
    v = north + 2 * np.cross(u, np.cross(u, north) + w * north)
    east, north_c = v[:, 0], -v[:, 2]
    got = np.degrees(np.arctan2(east, north_c)) % 360
    assert np.allclose((got - headings + 180) % 360 - 180, 0.0, atol=1e-6)


def test_types_are_recognised_in_english_synonyms_and_chinese() -> None:
    assert canonical_type("行道树") == canonical_type("Tree") == "tree"
    assert canonical_type("路灯") == canonical_type("streetlight") == "street_lamp"
    assert canonical_type("交通标志") == canonical_type("traffic-sign") == "sign"
    assert canonical_type("座椅") == canonical_type("长椅") == "bench"
    assert canonical_type("公交站") == canonical_type("Bus Stop") == "bus_stop"
    assert canonical_type("垃圾桶") == canonical_type("litter_bin") == "bin"
    assert canonical_type("fountain") is None and canonical_type(None) is None


def test_every_model_stands_on_the_ground_one_unit_tall_with_unit_normals() -> None:
    for kind in DEFAULTS:
        parts = model(kind)
        pos = np.concatenate([p.positions for p in parts])
        assert abs(pos[:, 1].min()) < 1e-6 and abs(pos[:, 1].max() - 1.0) < 1e-6, kind
        assert np.ptp(pos[:, 0]) <= 1.0 + 1e-6, kind
        for p in parts:
            assert np.allclose(np.linalg.norm(p.normals, axis=1), 1.0, atol=1e-5)
            tri = p.positions[p.indices.reshape(-1, 3)].astype(np.float64)
            n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
            assert np.all(np.linalg.norm(n, axis=1) > 0), kind  # no degenerate triangles
