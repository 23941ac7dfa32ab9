"""Tile contents read back as triangles: what the encoders wrote, in the z-up frame."""

from __future__ import annotations

import numpy as np
import pytest

from tiles.gltf import MeshArrays, PropertyColumn, PropertyTable, encode_glb
from tiles.read_glb import read_glb_triangles
from twin.errors import InvalidInputError


def _two_triangles() -> tuple[MeshArrays, PropertyTable]:
    positions = np.array(
        [[0, 0, 0], [10, 0, 0], [0, 10, 0], [100, 50, 5], [110, 50, 5], [100, 60, 25]],
        dtype=np.float32,
    )
    normals = np.tile(np.array([0, 0, 1], dtype=np.float32), (6, 1))
    mesh = MeshArrays(
        positions=positions,
        normals=normals,
        feature_ids=np.array([0, 0, 0, 1, 1, 1], dtype=np.uint32),
        indices=np.arange(6, dtype=np.uint32),
    )
    table = PropertyTable(
        class_name="building",
        columns={"id": PropertyColumn("string", ["甲-1", "b-2"])},
        count=2,
    )
    return mesh, table


@pytest.mark.parametrize("compress", [True, False])
def test_triangles_come_back_where_the_encoder_put_them_with_their_feature_ids(
    compress: bool,
) -> None:
    mesh, table = _two_triangles()
    glb = encode_glb(mesh, table, compress=compress, origin=(1000.0, -2000.0, 30.0))
    out = read_glb_triangles(glb)
    assert out.feature_ids == ("甲-1", "b-2")
    assert out.triangles.shape == (2, 3)
    got = out.vertices[out.triangles].reshape(-1, 3)
    want = mesh.positions.astype(np.float64) + np.array([1000.0, -2000.0, 30.0])
    order = np.lexsort(got.T)
    assert np.abs(got[order] - want[np.lexsort(want.T)]).max() < 0.02  # quantisation
    by_feature = {
        out.feature_ids[f]: out.vertices[t][:, 2].max()
        for t, f in zip(out.triangles, out.triangle_feature, strict=True)
    }
    assert by_feature["甲-1"] == pytest.approx(30.0, abs=0.02)
    assert by_feature["b-2"] == pytest.approx(55.0, abs=0.02)


def test_bytes_that_are_not_a_glb_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="not a GLB"):
        read_glb_triangles(b"PK\x03\x04 not a tile")
