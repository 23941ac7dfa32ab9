"""The GLB encoder: Khronos validation, and every value read back independently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.tiles.glb_tools import (
    Glb,
    decode_mesh,
    decode_table,
    decompressed,
    issues,
    read_accessor,
    read_glb,
    validate,
    view_bytes,
)
from tiles.gltf import MeshArrays, PropertyColumn, PropertyTable, encode_glb, property_id
from tiles.gltf_metadata import FLOAT64_NO_DATA, INT32_NO_DATA, INT64_NO_DATA
from twin.errors import InvalidInputError

#: the Khronos validator's limit on |length - 1| of a normal (ACCESSOR_VECTOR3_NON_UNIT)
VALIDATOR_UNIT_TOLERANCE = 0.00674

# unit cube: 6 faces x 4 corners, counter-clockwise seen from outside (z-up frame)
_FACES = {
    (-1, 0, 0): [(0, 0, 0), (0, 0, 1), (0, 1, 1), (0, 1, 0)],
    (1, 0, 0): [(1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1)],
    (0, -1, 0): [(0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 0, 1)],
    (0, 1, 0): [(0, 1, 0), (0, 1, 1), (1, 1, 1), (1, 1, 0)],
    (0, 0, -1): [(0, 0, 0), (0, 1, 0), (1, 1, 0), (1, 0, 0)],
    (0, 0, 1): [(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)],
}
_CORNERS = np.array([c for quad in _FACES.values() for c in quad], dtype=np.float64)
_NORMALS = np.repeat(np.array(list(_FACES), dtype=np.float64), 4, axis=0)
_TRIS = np.array(
    [[f * 4, f * 4 + 1, f * 4 + 2, f * 4, f * 4 + 2, f * 4 + 3] for f in range(6)]
).ravel()


def boxes(origins: np.ndarray, sizes: np.ndarray) -> MeshArrays:
    """One box per row (feature i = box i), 24 vertices and 12 triangles each."""
    k = len(origins)
    pos = origins[:, None, :] + _CORNERS[None, :, :] * sizes[:, None, :]
    return MeshArrays(
        positions=pos.reshape(-1, 3).astype(np.float32),
        normals=np.tile(_NORMALS, (k, 1)).astype(np.float32),
        feature_ids=np.repeat(np.arange(k, dtype=np.uint32), 24),
        indices=(_TRIS[None, :] + 24 * np.arange(k)[:, None]).ravel().astype(np.uint32),
    )


def random_boxes(k: int, spread: float, seed: int = 7) -> MeshArrays:
    rng = np.random.default_rng(seed)
    origins = rng.uniform(-spread / 2, spread / 2, (k, 3)) * [1.0, 1.0, 0.0]
    sizes = rng.uniform(3.0, 30.0, (k, 3))
    return boxes(origins, sizes)


def ids_table(k: int, **columns: PropertyColumn) -> PropertyTable:
    cols = {"id": PropertyColumn("string", [f"b{i:05d}" for i in range(k)]), **columns}
    return PropertyTable(class_name="building", columns=cols, count=k)


MIXED_COLUMNS: dict[str, PropertyColumn] = {
    "名称": PropertyColumn("string", ["北京饭店", None, "Ünïcødé 🏠", "", "上海"]),
    "height m": PropertyColumn("number", [12.5, None, -0.25, 1e300, float("nan")]),
    "floors": PropertyColumn("integer", [3, None, -7, 0, 2_147_483_647]),
    "osm_id": PropertyColumn("integer", [2**40, None, -(2**62), 5, 2**63 - 1]),
    "listed": PropertyColumn("boolean", [True, False, True, True, False]),
    "heritage": PropertyColumn("boolean", [True, None, False, None, True]),
}


def mixed_tile(compress: bool) -> tuple[MeshArrays, PropertyTable, bytes]:
    mesh = random_boxes(5, spread=200.0)
    table = ids_table(5, **MIXED_COLUMNS)
    return mesh, table, encode_glb(mesh, table, compress=compress)


def match_vertices(decoded: Any, mesh: MeshArrays) -> np.ndarray:
    """For each decoded vertex, the input vertex it came from (boxes: unique per face corner).

    Groups vertices by (feature, face normal); inside a group of 4 the nearest
    corner wins. Relies only on the box structure, not on the encoder's order.
    """

    def groups(fids: np.ndarray, normals: np.ndarray) -> np.ndarray:
        face = np.argmax(np.abs(normals), axis=1) * 2 + (normals.sum(axis=1) > 0)
        out: np.ndarray = fids.astype(np.int64) * 6 + face
        return out

    g_in = groups(mesh.feature_ids, mesh.normals.astype(np.float64))
    g_out = groups(decoded.feature_ids, decoded.normals)
    o_in, o_out = np.argsort(g_in, kind="stable"), np.argsort(g_out, kind="stable")
    assert np.array_equal(g_in[o_in], g_out[o_out])
    p_in = mesh.positions.astype(np.float64)[o_in].reshape(-1, 4, 3)
    p_out = decoded.positions[o_out].reshape(-1, 4, 3)
    dist = np.linalg.norm(p_out[:, :, None, :] - p_in[:, None, :, :], axis=3)
    nearest = dist.argmin(axis=2)
    assert (np.sort(nearest, axis=1) == np.arange(4)).all(), (
        "two decoded corners share one input corner"
    )
    matched = o_in.reshape(-1, 4)[np.arange(len(nearest))[:, None], nearest]
    out = np.empty(len(o_out), dtype=np.int64)
    out[o_out.reshape(-1, 4)] = matched
    return out


def canonical_triangles(indices: np.ndarray) -> np.ndarray:
    """Triangles rotated so the smallest index comes first (winding kept), sorted."""
    tri = indices.reshape(-1, 3)
    shift = tri.argmin(axis=1)
    rolled = np.stack([tri[np.arange(len(tri)), (shift + k) % 3] for k in range(3)], axis=1)
    return rolled[np.lexsort(rolled.T[::-1])]


def assert_mesh_round_trips(glb: Glb, mesh: MeshArrays) -> None:
    decoded = decode_mesh(glb)
    assert len(decoded.positions) == len(mesh.positions)
    source = match_vertices(decoded, mesh)
    assert np.array_equal(decoded.feature_ids, mesh.feature_ids[source].astype(np.int64))
    err = np.abs(decoded.positions - mesh.positions.astype(np.float64)[source]).max()
    # half a grid step, plus float32 rounding of the input / of FLOAT positions
    tolerance = decoded.step / 2 + 1e-6 * max(1.0, float(np.abs(mesh.positions).max()))
    assert err <= tolerance, f"position error {err} > {tolerance}"
    assert np.abs(decoded.normals - mesh.normals[source]).max() < 0.01
    expected = canonical_triangles(mesh.indices.astype(np.int64))
    assert np.array_equal(canonical_triangles(source[decoded.indices]), expected)


def assert_valid(tmp_path: Path, named: dict[str, bytes]) -> None:
    paths = []
    for name, data in named.items():
        paths.append(tmp_path / f"{name}.glb")
        paths[-1].write_bytes(data)
    for report in validate(paths):
        errors, warnings = issues(report, "error"), issues(report, "warning")
        assert report["numErrors"] == 0 and not errors, (report["path"], errors, warnings)
        assert report["numWarnings"] == 0, (report["path"], warnings)


@pytest.mark.parametrize("compress", [True, False])
def test_a_tile_passes_the_khronos_validator_with_no_errors_or_warnings(
    tmp_path: Path, compress: bool
) -> None:
    _, _, data = mixed_tile(compress)
    named = {"tile": data}
    if compress:
        # the validator cannot decode meshopt: check the decoded data in full as well
        named["tile_decoded"] = decompressed(data)
    assert_valid(tmp_path, named)


@pytest.mark.parametrize("compress", [True, False])
def test_positions_feature_ids_and_triangles_decode_back_to_the_input(compress: bool) -> None:
    mesh, _, data = mixed_tile(compress)
    glb = read_glb(data)
    assert glb.doc["accessors"][0]["componentType"] == 5122  # quantised int16
    assert decode_mesh(glb).step <= 0.02
    assert_mesh_round_trips(glb, mesh)


def test_positions_land_within_half_a_quantisation_step_of_the_input() -> None:
    mesh = random_boxes(40, spread=600.0, seed=3)
    glb = read_glb(encode_glb(mesh, ids_table(40)))
    decoded = decode_mesh(glb)
    extent = np.ptp(mesh.positions.astype(np.float64), axis=0).max()
    assert decoded.step == pytest.approx(extent / 65534)
    assert_mesh_round_trips(glb, mesh)


def test_accessor_bounds_of_quantised_positions_are_the_stored_integers() -> None:
    _, _, data = mixed_tile(True)
    glb = read_glb(data)
    stored = read_accessor(glb, 0)
    acc = glb.doc["accessors"][0]
    assert acc["min"] == stored.min(axis=0).tolist() and acc["max"] == stored.max(axis=0).tolist()
    assert stored.min() >= -32767 and stored.max() <= 32767
    assert max(abs(v) for v in acc["min"] + acc["max"]) == 32767  # the grid spans the extent


@pytest.mark.parametrize("compress", [True, False])
def test_property_values_decode_back_to_the_input(compress: bool) -> None:
    _, table, data = mixed_tile(compress)
    values = decode_table(read_glb(data))
    assert values["id"] == list(table.columns["id"].values)
    assert values["名称"] == ["北京饭店", None, "Ünïcødé 🏠", None, "上海"]  # "" reads as no data
    assert values["height m"] == [12.5, None, -0.25, 1e300, None]
    assert values["floors"] == [3, None, -7, 0, 2_147_483_647]
    assert values["osm_id"] == [2**40, None, -(2**62), 5, 2**63 - 1]
    assert values["listed"] == [True, False, True, True, False]
    assert values["heritage"] == ["true", None, "false", None, "true"]


def test_the_schema_declares_types_no_data_and_original_names() -> None:
    _, _, data = mixed_tile(True)
    meta = read_glb(data).doc["extensions"]["EXT_structural_metadata"]
    assert meta["schema"]["id"] == "twin"
    props = meta["schema"]["classes"]["building"]["properties"]
    by_name = {p["name"]: (pid, p) for pid, p in props.items()}
    assert by_name["id"][1] == {"name": "id", "type": "STRING", "required": True}
    assert by_name["floors"][1]["componentType"] == "INT32"
    assert by_name["floors"][1]["noData"] == INT32_NO_DATA
    assert by_name["osm_id"][1]["componentType"] == "INT64"
    assert by_name["osm_id"][1]["noData"] == INT64_NO_DATA
    assert by_name["height m"][1]["noData"] == FLOAT64_NO_DATA
    assert by_name["listed"][1]["type"] == "BOOLEAN" and "noData" not in by_name["listed"][1]
    assert by_name["heritage"][1]["type"] == "STRING" and by_name["heritage"][1]["noData"] == ""
    for name, (pid, prop) in by_name.items():
        assert pid == property_id(name)
        assert prop["required"] is (name == "id")
    (table,) = meta["propertyTables"]
    assert table["class"] == "building" and table["count"] == 5
    assert set(table["properties"]) == set(props)


def test_property_names_become_stable_valid_identifiers() -> None:
    names = ["id", "height_m", "名称", "地址", "height m", "3d", "a-b", "", "_ok9"]
    ids = [property_id(n) for n in names]
    assert all(__import__("re").fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids[0] == "id" and ids[1] == "height_m" and ids[-1] == "_ok9"
    assert [property_id(n) for n in names] == ids  # deterministic


def test_an_integer_equal_to_the_int32_sentinel_widens_the_column_to_int64() -> None:
    column = PropertyColumn("integer", [INT32_NO_DATA, None])
    data = encode_glb(random_boxes(2, 50.0), ids_table(2, n=column))
    glb = read_glb(data)
    props = glb.doc["extensions"]["EXT_structural_metadata"]["schema"]["classes"]["building"]
    assert props["properties"]["n"]["componentType"] == "INT64"
    assert decode_table(glb)["n"] == [INT32_NO_DATA, None]


def test_integers_beyond_int64_are_kept_as_decimal_strings() -> None:
    column = PropertyColumn("integer", [2**70, None, 1])
    glb = read_glb(encode_glb(random_boxes(3, 50.0), ids_table(3, big=column)))
    assert decode_table(glb)["big"] == [str(2**70), None, "1"]


def test_numpy_columns_without_nulls_are_accepted() -> None:
    cols = {
        "n": PropertyColumn("integer", np.array([1, 2, -3], dtype=np.int64)),  # type: ignore[arg-type]
        "x": PropertyColumn("number", np.array([0.5, np.nan, 2.0])),  # type: ignore[arg-type]
    }
    glb = read_glb(encode_glb(random_boxes(3, 50.0), ids_table(3, **cols)))
    assert decode_table(glb)["n"] == [1, 2, -3]
    assert decode_table(glb)["x"] == [0.5, None, 2.0]


def test_metadata_buffer_views_are_uncompressed_and_8_byte_aligned() -> None:
    _, _, data = mixed_tile(True)
    glb = read_glb(data)
    meta = glb.doc["extensions"]["EXT_structural_metadata"]
    used = {
        v
        for p in meta["propertyTables"][0]["properties"].values()
        for k, v in p.items()
        if k != "stringOffsetType"
    }
    assert len(used) == 2 + 2 + 1 + 1 + 1 + 1 + 2  # id, 名称 and heritage have two views each
    for index in used:
        view = glb.doc["bufferViews"][index]
        assert view["buffer"] == 0 and "extensions" not in view and "byteStride" not in view
        assert view["byteOffset"] % 8 == 0


def test_compressed_views_live_in_the_bin_chunk_with_a_fallback_buffer() -> None:
    _, _, data = mixed_tile(True)
    glb = read_glb(data)
    doc = glb.doc
    assert "EXT_meshopt_compression" in doc["extensionsRequired"]
    assert "KHR_mesh_quantization" in doc["extensionsRequired"]
    assert set(doc["extensionsUsed"]) == {
        "EXT_meshopt_compression",
        "KHR_mesh_quantization",
        "EXT_mesh_features",
        "EXT_structural_metadata",
    }
    bin_buffer, fallback = doc["buffers"]
    assert "uri" not in bin_buffer and bin_buffer["byteLength"] == len(glb.bin)
    assert "uri" not in fallback and fallback["extensions"]["EXT_meshopt_compression"] == {
        "fallback": True
    }
    modes = []
    for view in doc["bufferViews"]:
        ext = view.get("extensions", {}).get("EXT_meshopt_compression")
        if view["buffer"] == 1:
            assert ext is not None and ext["buffer"] == 0
            assert view["byteLength"] == ext["byteStride"] * ext["count"]
            assert view["byteOffset"] + view["byteLength"] <= fallback["byteLength"]
            assert ext["byteOffset"] + ext["byteLength"] <= len(glb.bin)
            assert view.get("byteStride", ext["byteStride"]) == ext["byteStride"]
            header = glb.bin[ext["byteOffset"]]
            assert header == {"ATTRIBUTES": 0xA0, "TRIANGLES": 0xE1}[ext["mode"]]
            modes.append(ext["mode"])
        else:
            assert ext is None
    assert modes == ["ATTRIBUTES", "ATTRIBUTES", "ATTRIBUTES", "TRIANGLES"]


def test_an_uncompressed_tile_carries_no_meshopt_extension() -> None:
    _, _, data = mixed_tile(False)
    doc = read_glb(data).doc
    assert "EXT_meshopt_compression" not in doc["extensionsUsed"]
    assert len(doc["buffers"]) == 1
    assert not any("extensions" in v for v in doc["bufferViews"])


def test_compression_makes_the_tile_smaller() -> None:
    mesh = random_boxes(500, spread=800.0)
    table = ids_table(500)
    assert len(encode_glb(mesh, table)) < 0.6 * len(encode_glb(mesh, table, compress=False))


def test_the_primitive_declares_its_feature_ids_and_material() -> None:
    _, _, data = mixed_tile(True)
    doc = read_glb(data).doc
    (prim,) = doc["meshes"][0]["primitives"]
    assert prim["mode"] == 4
    assert prim["extensions"]["EXT_mesh_features"] == {
        "featureIds": [{"featureCount": 5, "attribute": 0, "propertyTable": 0}]
    }
    fid = doc["accessors"][prim["attributes"]["_FEATURE_ID_0"]]
    assert fid["type"] == "SCALAR" and not fid.get("normalized", False)
    for name in ("POSITION", "NORMAL", "_FEATURE_ID_0"):
        acc = doc["accessors"][prim["attributes"][name]]
        assert acc.get("byteOffset", 0) % 4 == 0
        assert doc["bufferViews"][acc["bufferView"]]["byteStride"] % 4 == 0
    normal = doc["accessors"][prim["attributes"]["NORMAL"]]
    assert (normal["componentType"], normal["normalized"]) == (5120, True)
    (material,) = doc["materials"]
    pbr = material["pbrMetallicRoughness"]
    assert pbr["metallicFactor"] == 0 and pbr["roughnessFactor"] == pytest.approx(0.9)
    assert material["doubleSided"] is False
    assert pbr["baseColorFactor"] == [0.85, 0.85, 0.82, 1.0]


def test_a_large_extent_tile_falls_back_to_float_positions(tmp_path: Path) -> None:
    mesh = random_boxes(30, spread=3000.0)
    data = encode_glb(mesh, ids_table(30))
    glb = read_glb(data)
    acc = glb.doc["accessors"][glb.doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"]]
    assert acc["componentType"] == 5126
    assert "scale" not in glb.doc["nodes"][0]
    assert_mesh_round_trips(glb, mesh)
    assert_valid(tmp_path, {"float": data, "float_decoded": decompressed(data)})


def test_more_than_65535_vertices_use_32_bit_indices_and_16_bit_feature_ids(tmp_path: Path) -> None:
    mesh = random_boxes(2800, spread=1000.0)  # 67,200 vertices, 2,800 features
    data = encode_glb(mesh, ids_table(2800))
    glb = read_glb(data)
    (prim,) = glb.doc["meshes"][0]["primitives"]
    assert glb.doc["accessors"][prim["indices"]]["componentType"] == 5125
    assert glb.doc["accessors"][prim["attributes"]["_FEATURE_ID_0"]]["componentType"] == 5123
    assert_mesh_round_trips(glb, mesh)
    assert_valid(tmp_path, {"big": data, "big_decoded": decompressed(data)})


@pytest.mark.parametrize(
    ("faces_dropped", "vertices", "index_type"), [(3, 65532, 5123), (2, 65536, 5125)]
)
def test_indices_are_16_bit_only_while_every_index_stays_below_65535(
    tmp_path: Path, faces_dropped: int, vertices: int, index_type: int
) -> None:
    # 2,731 boxes minus their last faces: face f of a box is vertices 4f..4f+3, indices 6f..6f+5
    full = random_boxes(2731, spread=500.0)
    keep_v, keep_i = len(full.positions) - 4 * faces_dropped, len(full.indices) - 6 * faces_dropped
    mesh = MeshArrays(
        full.positions[:keep_v],
        full.normals[:keep_v],
        full.feature_ids[:keep_v],
        full.indices[:keep_i],
    )
    assert len(mesh.positions) == vertices
    data = encode_glb(mesh, ids_table(2731))
    glb = read_glb(data)
    assert (
        glb.doc["accessors"][glb.doc["meshes"][0]["primitives"][0]["indices"]]["componentType"]
        == index_type
    )
    assert_mesh_round_trips(glb, mesh)
    assert_valid(tmp_path, {"boundary": decompressed(data)})


def test_axis_conversion_keeps_triangles_counter_clockwise_from_outside() -> None:
    mesh = random_boxes(3, spread=40.0)
    decoded = decode_mesh(read_glb(encode_glb(mesh, ids_table(3))))
    tri = decoded.indices.reshape(-1, 3)
    a, b, c = (decoded.positions[tri[:, k]] for k in range(3))
    face_normal = np.cross(b - a, c - a)
    assert (np.einsum("ij,ij->i", face_normal, decoded.normals[tri[:, 0]]) > 0).all()


def test_normals_stay_unit_length_within_the_validator_tolerance() -> None:
    # plain rounding of (77.5, 75.5, 66.5)/|.| in float32 gives (78, 76, 67): 0.0068 too long
    hard = np.array([77.5, 75.5, 66.5]) * np.array([[1, 1, 1], [-1, 1, -1], [1, -1, 1]])
    hard = (hard / np.linalg.norm(hard, axis=1)[:, None]).astype(np.float32)
    plain = np.rint(hard * np.float32(127)).astype(np.float64)
    assert (np.abs(np.linalg.norm(plain, axis=1) / 127 - 1) > VALIDATOR_UNIT_TOLERANCE).all()
    rng = np.random.default_rng(11)
    normals = rng.normal(size=(30_000, 3))
    normals = np.concatenate([hard, normals / np.linalg.norm(normals, axis=1)[:, None]])
    n = len(normals)
    mesh = MeshArrays(
        positions=rng.uniform(0, 100, (n, 3)).astype(np.float32),
        normals=normals.astype(np.float32),
        feature_ids=np.zeros(n, dtype=np.uint32),
        indices=np.arange(n, dtype=np.uint32),  # 30,003 vertices: 10,001 triangles
    )
    glb = read_glb(encode_glb(mesh, ids_table(1), compress=False))
    stored = decode_mesh(glb).normals
    assert np.abs(np.linalg.norm(stored, axis=1) - 1.0).max() < VALIDATOR_UNIT_TOLERANCE
    # directions stay close too (the encoder reorders vertices: compare sorted components)
    for k in range(3):
        assert np.abs(np.sort(stored[:, k]) - np.sort(normals[:, k])).max() < 0.02


def test_an_origin_moves_the_node_and_leaves_the_stored_data_alone() -> None:
    mesh = random_boxes(4, spread=80.0)
    origin = np.array([250_000.5, -1_234_567.25, 42.0])
    plain = read_glb(encode_glb(mesh, ids_table(4)))
    moved = read_glb(encode_glb(mesh, ids_table(4), origin=(250_000.5, -1_234_567.25, 42.0)))
    assert view_bytes(plain, 0) == view_bytes(moved, 0)
    shifted = decode_mesh(moved).positions - decode_mesh(plain).positions
    assert np.abs(shifted - origin).max() < 1e-6


def test_a_translucent_color_switches_the_material_to_blending() -> None:
    data = encode_glb(random_boxes(1, 10.0), ids_table(1), color=(1.0, 0.0, 0.0, 0.5))
    (material,) = read_glb(data).doc["materials"]
    assert material["alphaMode"] == "BLEND"
    assert material["pbrMetallicRoughness"]["baseColorFactor"] == [1.0, 0.0, 0.0, 0.5]


def test_encoding_is_deterministic() -> None:
    mesh, table, first = mixed_tile(True)
    assert encode_glb(mesh, table) == first


def test_unused_vertices_are_dropped() -> None:
    mesh = random_boxes(2, spread=30.0)
    trimmed = MeshArrays(mesh.positions, mesh.normals, mesh.feature_ids, mesh.indices[:36])
    glb = read_glb(encode_glb(trimmed, ids_table(2)))
    decoded = decode_mesh(glb)
    assert len(decoded.positions) == 24 and set(decoded.feature_ids.tolist()) == {0}
    assert view_bytes(glb, 0)  # decodes


def _bad_inputs() -> list[tuple[str, MeshArrays, PropertyTable]]:
    mesh = random_boxes(2, spread=30.0)
    good = ids_table(2)
    return [
        (
            "no id column",
            mesh,
            PropertyTable("building", {"x": PropertyColumn("number", [1, 2])}, 2),
        ),
        (
            "null id",
            mesh,
            PropertyTable("building", {"id": PropertyColumn("string", ["a", None])}, 2),
        ),
        ("short column", mesh, ids_table(2, x=PropertyColumn("number", [1.0]))),
        ("not an integer", mesh, ids_table(2, x=PropertyColumn("integer", [1, 2.5]))),
        ("not a number", mesh, ids_table(2, x=PropertyColumn("number", ["a", "b"]))),
        ("not a boolean", mesh, ids_table(2, x=PropertyColumn("boolean", [True, "yes"]))),
        (
            "clashing names",
            mesh,
            ids_table(
                2,
                **{"a b": PropertyColumn("number", [1, 2])},
                **{property_id("a b"): PropertyColumn("number", [1, 2])},
            ),
        ),
        ("feature id past the table", mesh, ids_table(1)),
        (
            "no triangles",
            MeshArrays(mesh.positions, mesh.normals, mesh.feature_ids, mesh.indices[:0]),
            good,
        ),
        (
            "index past the vertices",
            MeshArrays(mesh.positions, mesh.normals, mesh.feature_ids, mesh.indices + 48),
            good,
        ),
        (
            "nan position",
            MeshArrays(mesh.positions * np.nan, mesh.normals, mesh.feature_ids, mesh.indices),
            good,
        ),
    ]


@pytest.mark.parametrize("case", _bad_inputs(), ids=lambda c: c[0])
def test_invalid_input_is_refused_with_a_user_safe_error(
    case: tuple[str, MeshArrays, PropertyTable],
) -> None:
    _, mesh, table = case
    with pytest.raises(InvalidInputError):
        encode_glb(mesh, table)


def test_a_color_outside_0_to_1_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        encode_glb(random_boxes(1, 10.0), ids_table(1), color=(1.2, 0.0, 0.0, 1.0))
