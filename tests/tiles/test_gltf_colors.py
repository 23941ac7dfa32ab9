"""Vertex colours in the GLB encoder: COLOR_0 in linear light, opaque and translucent primitives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.tiles.glb_tools import decode_mesh, decompressed, read_glb, view_bytes
from tests.tiles.test_gltf import (
    assert_valid,
    boxes,
    canonical_triangles,
    ids_table,
    match_vertices,
    random_boxes,
)
from tiles.gltf import MeshArrays, encode_glb
from twin.errors import InvalidInputError

WHITE = [1.0, 1.0, 1.0, 1.0]


def srgb_to_linear(level: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1: 8-bit sRGB level -> linear light in 0..1."""
    c = level.astype(np.float64) / 255.0
    out: np.ndarray = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return out


def colored(mesh: MeshArrays, feature_rgba: np.ndarray) -> MeshArrays:
    """``mesh`` with every vertex in its feature's colour."""
    return replace(mesh, colors=feature_rgba[mesh.feature_ids].astype(np.uint8))


def every_level_colors(k: int) -> np.ndarray:
    """k RGBA rows whose RGB runs through every sRGB level 0..255; every third is translucent."""
    rgba = np.empty((k, 4), dtype=np.uint8)
    rgba[:, :3] = (np.arange(3 * k) % 256).reshape(k, 3)
    rgba[:, 3] = np.where(np.arange(k) % 3 == 1, 96, 255)
    return rgba


def material_of(doc: dict[str, Any], prim: dict[str, Any]) -> dict[str, Any]:
    material: dict[str, Any] = doc["materials"][prim["material"]]
    return material


def alpha_mode(doc: dict[str, Any], prim: dict[str, Any]) -> str:
    mode: str = material_of(doc, prim).get("alphaMode", "OPAQUE")
    return mode


def translucent_box_tile() -> tuple[MeshArrays, np.ndarray]:
    """Three boxes: 0 opaque, 1 glass (alpha 64), 2 opaque but for one corner of its top face."""
    mesh = colored(
        boxes(np.array([[0.0, 0, 0], [20, 0, 0], [40, 0, 0]]), np.full((3, 3), 10.0)),
        np.array([[200, 30, 30, 255], [120, 190, 230, 64], [30, 200, 30, 255]]),
    )
    assert mesh.colors is not None
    colors = mesh.colors.copy()
    colors[2 * 24 + 5 * 4 + 2, 3] = 0  # box 2, face 5 (top), corner 2: in both top triangles
    return replace(mesh, colors=colors), colors


@pytest.mark.parametrize("compress", [True, False])
def test_every_vertex_of_a_feature_carries_its_colour_in_linear_light(
    compress: bool,
) -> None:
    k = 86  # 258 colour channels: every sRGB level at least once
    rgba = every_level_colors(k)
    mesh = colored(random_boxes(k, spread=300.0), rgba)
    decoded = decode_mesh(read_glb(encode_glb(mesh, ids_table(k), compress=compress)))
    assert decoded.colors is not None and decoded.colors.dtype == np.uint8
    expected = rgba[decoded.feature_ids]
    # glTF COLOR_0 is linear: each channel is the 8-bit level nearest the input's linear value
    err = np.abs(decoded.colors[:, :3].astype(np.float64) - 255.0 * srgb_to_linear(expected[:, :3]))
    assert err.max() <= 0.5 + 1e-9
    assert np.array_equal(decoded.colors[:, 3], expected[:, 3])  # alpha is not gamma-encoded
    for f in range(k):  # one colour per feature
        assert len(np.unique(decoded.colors[decoded.feature_ids == f], axis=0)) == 1
    # dark levels collapse, bright ones stay distinct, the ends stay put
    lut = {int(s): int(d) for s, d in zip(expected[:, :3].ravel(), decoded.colors[:, :3].ravel())}
    assert lut[0] == lut[6] == 0 and lut[255] == 255 and lut[128] == 55
    assert len({lut[s] for s in range(128, 256)}) == 128


@pytest.mark.parametrize("compress", [True, False])
def test_colours_follow_their_vertices_through_the_reordering(compress: bool) -> None:
    mesh = random_boxes(40, spread=200.0, seed=3)
    rng = np.random.default_rng(5)
    rgba = rng.integers(0, 256, (len(mesh.positions), 4), dtype=np.uint8)
    rgba[:, 3] = np.where(rng.random(len(rgba)) < 0.9, 255, rgba[:, 3])  # some corners see-through
    mesh = replace(mesh, colors=rgba)
    decoded = decode_mesh(read_glb(encode_glb(mesh, ids_table(40), compress=compress)))
    source = match_vertices(decoded, mesh)
    assert decoded.colors is not None
    assert np.array_equal(decoded.colors[:, 3], rgba[source, 3])
    linear = 255.0 * srgb_to_linear(rgba[source, :3])
    assert np.abs(decoded.colors[:, :3] - linear).max() <= 0.5 + 1e-9
    expected = canonical_triangles(mesh.indices.astype(np.int64))
    assert np.array_equal(canonical_triangles(source[decoded.indices]), expected)
    # vertices of both groups: the two primitives index one set of vertices
    opaque, blend = (set(i.tolist()) for i in decoded.primitive_indices)
    assert len(opaque & blend) > 50
    tri = mesh.indices.reshape(-1, 3).astype(np.int64)
    see_through = (rgba[tri, 3] < 255).any(axis=1)
    got_blend = source[decoded.primitive_indices[1]]
    assert np.array_equal(canonical_triangles(got_blend), canonical_triangles(tri[see_through]))


@pytest.mark.parametrize("compress", [True, False])
def test_translucent_triangles_go_to_a_blended_primitive_and_the_rest_to_an_opaque_one(
    compress: bool,
) -> None:
    mesh, colors = translucent_box_tile()
    glb = read_glb(encode_glb(mesh, ids_table(3), compress=compress))
    doc = glb.doc
    opaque, blend = doc["meshes"][0]["primitives"]
    assert (alpha_mode(doc, opaque), alpha_mode(doc, blend)) == ("OPAQUE", "BLEND")
    assert opaque["material"] != blend["material"]
    for prim in (opaque, blend):
        assert material_of(doc, prim)["pbrMetallicRoughness"]["baseColorFactor"] == WHITE
        assert prim["attributes"] == opaque["attributes"]
        assert set(prim["attributes"]) == {"POSITION", "NORMAL", "_FEATURE_ID_0", "COLOR_0"}
        assert prim["extensions"]["EXT_mesh_features"] == {
            "featureIds": [{"featureCount": 3, "attribute": 0, "propertyTable": 0}]
        }
    decoded = decode_mesh(glb)
    source = match_vertices(decoded, mesh)
    tri = mesh.indices.reshape(-1, 3).astype(np.int64)
    see_through = (colors[tri, 3] < 255).any(axis=1)
    assert see_through.sum() == 12 + 2  # box 1, and the two top triangles of box 2
    got_opaque, got_blend = (source[i] for i in decoded.primitive_indices)
    assert np.array_equal(canonical_triangles(got_opaque), canonical_triangles(tri[~see_through]))
    assert np.array_equal(canonical_triangles(got_blend), canonical_triangles(tri[see_through]))


@pytest.mark.parametrize(
    ("alphas", "triangles"), [((255, 64, 255), (24, 12)), ((64, 64, 255), (12, 24))]
)
def test_each_primitive_uses_some_of_the_vertices_and_decodes_from_triangles_mode(
    tmp_path: Path, alphas: tuple[int, ...], triangles: tuple[int, int]
) -> None:
    rgba = np.array([[90, 90, 90, a] for a in alphas])
    mesh = colored(boxes(np.array([[0.0, 0, 0], [20, 0, 0], [40, 0, 0]]), np.ones((3, 3))), rgba)
    data = encode_glb(mesh, ids_table(3))
    glb = read_glb(data)
    doc = glb.doc
    stored = []
    for prim in doc["meshes"][0]["primitives"]:
        view = doc["accessors"][prim["indices"]]["bufferView"]
        ext = doc["bufferViews"][view]["extensions"]["EXT_meshopt_compression"]
        assert ext["mode"] == "TRIANGLES" and glb.bin[ext["byteOffset"]] == 0xE1
        stored.append(np.frombuffer(view_bytes(glb, view), dtype="<u2"))
    assert tuple(len(i) // 3 for i in stored) == triangles  # opaque first, then blended
    # the larger group references a prefix of the vertices (the codec's cheap case),
    # the other one the rest
    large, small = sorted(stored, key=len, reverse=True)
    assert np.array_equal(np.unique(large), np.arange(len(large) // 3 * 2))  # 4 per 2 triangles
    assert np.array_equal(np.unique(small), np.arange(len(large) // 3 * 2, 72))
    assert_valid(tmp_path, {"subset": data, "subset_decoded": decompressed(data)})


def test_an_all_opaque_mesh_makes_one_opaque_primitive() -> None:
    mesh = colored(random_boxes(4, 60.0), np.array([[10, 20, 30, 255]] * 4))
    doc = read_glb(encode_glb(mesh, ids_table(4), color=(1.0, 0.0, 0.0, 0.5))).doc
    (prim,) = doc["meshes"][0]["primitives"]
    (material,) = doc["materials"]
    assert "COLOR_0" in prim["attributes"] and "alphaMode" not in material
    assert material["pbrMetallicRoughness"]["baseColorFactor"] == WHITE  # `color` is unused
    assert doc["accessors"][prim["indices"]]["count"] == len(mesh.indices)


def test_an_all_translucent_mesh_makes_one_blended_primitive() -> None:
    mesh = colored(random_boxes(2, 60.0), np.array([[10, 20, 30, 254], [0, 0, 0, 0]]))
    doc = read_glb(encode_glb(mesh, ids_table(2))).doc
    (prim,) = doc["meshes"][0]["primitives"]
    assert [alpha_mode(doc, prim)] == [m.get("alphaMode") for m in doc["materials"]] == ["BLEND"]
    assert doc["accessors"][prim["indices"]]["count"] == len(mesh.indices)


@pytest.mark.parametrize("with_colors", [True, False])
def test_double_sided_is_written_to_every_material(with_colors: bool) -> None:
    mesh = translucent_box_tile()[0] if with_colors else random_boxes(3, 50.0)
    single = read_glb(encode_glb(mesh, ids_table(3))).doc["materials"]
    double = read_glb(encode_glb(mesh, ids_table(3), double_sided=True)).doc["materials"]
    assert len(double) == len(single) == (2 if with_colors else 1)
    assert [m["doubleSided"] for m in single] == [False] * len(single)
    assert [m["doubleSided"] for m in double] == [True] * len(double)


def test_the_colour_stream_is_meshopt_compressed_like_the_other_vertex_streams() -> None:
    mesh, _ = translucent_box_tile()
    doc = read_glb(encode_glb(mesh, ids_table(3))).doc
    (prim, _) = doc["meshes"][0]["primitives"]
    acc = doc["accessors"][prim["attributes"]["COLOR_0"]]
    assert (acc["componentType"], acc["type"], acc["normalized"]) == (5121, "VEC4", True)
    view = doc["bufferViews"][acc["bufferView"]]
    assert view["byteStride"] == 4 and view["byteOffset"] % 8 == 0
    assert view["extensions"]["EXT_meshopt_compression"]["mode"] == "ATTRIBUTES"
    modes = [
        v["extensions"]["EXT_meshopt_compression"]["mode"]
        for v in doc["bufferViews"]
        if "extensions" in v
    ]
    assert modes == ["ATTRIBUTES"] * 4 + ["TRIANGLES"] * 2


def test_coloured_tiles_pass_the_khronos_validator_with_no_errors_or_warnings(
    tmp_path: Path,
) -> None:
    two, _ = translucent_box_tile()
    rgba = every_level_colors(2800)
    big = colored(random_boxes(2800, spread=1000.0), rgba)  # 67,200 vertices: 32-bit indices
    one = colored(random_boxes(5, 100.0), np.array([[255, 255, 255, 255]] * 5))
    glbs = {
        "two": encode_glb(two, ids_table(3), double_sided=True),
        "two_plain": encode_glb(two, ids_table(3), compress=False),
        "big": encode_glb(big, ids_table(2800)),
        "one": encode_glb(one, ids_table(5)),
    }
    assert len(read_glb(glbs["big"]).doc["meshes"][0]["primitives"]) == 2
    glbs |= {f"{name}_decoded": decompressed(glbs[name]) for name in ("two", "big", "one")}
    assert_valid(tmp_path, glbs)


def _bad_colors() -> list[tuple[str, Any]]:
    n = 24
    return [
        ("one colour short", np.zeros((n - 1, 4), dtype=np.uint8)),
        ("rgb without alpha", np.zeros((n, 3), dtype=np.uint8)),
        ("floats", np.full((n, 4), 0.5)),
        ("above 255", np.full((n, 4), 256, dtype=np.int32)),
        ("negative", np.full((n, 4), -1, dtype=np.int16)),
    ]


@pytest.mark.parametrize("case", _bad_colors(), ids=lambda c: c[0])
def test_malformed_colours_are_refused_with_a_user_safe_error(case: tuple[str, Any]) -> None:
    mesh = replace(random_boxes(1, 10.0), colors=case[1])
    with pytest.raises(InvalidInputError):
        encode_glb(mesh, ids_table(1))


def test_integer_colours_of_any_width_are_accepted() -> None:
    mesh = random_boxes(1, 10.0)
    rgba = np.tile(np.array([[1, 2, 3, 255]]), (len(mesh.positions), 1))
    narrow = replace(mesh, colors=rgba.astype(np.uint8))
    wide = replace(mesh, colors=rgba.astype(np.int64))
    assert encode_glb(narrow, ids_table(1)) == encode_glb(wide, ids_table(1))
