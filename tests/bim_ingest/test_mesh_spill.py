from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bim_ingest.mesh_spill import MeshSpill
from twin.errors import InvalidInputError

BOX_FACES = np.array(
    [[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4]], dtype=np.uint32
).reshape(-1)


def box(origin: tuple[float, float, float], size: float, seed: int) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    corners = np.array([[x, y, z] for z in (0, 1) for y in (0, 1) for x in (0, 1)], dtype=float)
    corners = corners[[0, 1, 3, 2, 4, 5, 7, 6]]
    positions = np.asarray(origin) + corners * size + rng.normal(0, size / 100, (8, 3))
    normals = rng.normal(size=(8, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    colors = rng.integers(0, 256, (8, 4), dtype=np.uint8)
    return positions, normals, colors, BOX_FACES.copy()


ELEMENTS = [
    box((512_345.0, 3_456_789.0, 12.0), 7.5, 1),  # far from any origin, metre-sized
    box((-20.0, 5.0, -3.0), 0.004, 2),  # a 4 mm part
    box((512_400.0, 3_456_700.0, 40.0), 120.0, 3),  # a large slab
]


@pytest.fixture
def spill(tmp_path: Path) -> Iterator[MeshSpill]:
    with MeshSpill(tmp_path / "spill") as s:
        for element in ELEMENTS:
            s.append(*element)
        s.finish()
        yield s


def test_a_new_spill_touches_no_disk(tmp_path: Path) -> None:
    MeshSpill(tmp_path / "not-yet")
    assert not (tmp_path / "not-yet").exists()


def test_reading_returns_exactly_the_requested_elements_in_the_requested_order(
    spill: MeshSpill,
) -> None:
    rows = np.array([2, 0])
    got = spill.read(rows)
    assert got.positions.dtype == np.float64
    assert got.triangle_count == sum(len(ELEMENTS[r][3]) // 3 for r in rows)
    start = 0
    for k, r in enumerate(rows):
        positions, normals, colors, _ = ELEMENTS[r]
        n = len(positions)
        assert (got.feature_ids[start : start + n] == k).all()
        extent = np.ptp(positions, axis=0).max()
        assert np.abs(got.positions[start : start + n] - positions).max() <= extent * 1e-7
        assert (got.colors[start : start + n] == colors).all()
        cosines = np.einsum("ij,ij->i", got.normals[start : start + n], normals)
        assert cosines.min() > np.cos(np.radians(1.0))
        start += n
    first = len(ELEMENTS[2][3])
    assert (got.indices[:first] == ELEMENTS[2][3]).all()
    assert (got.indices[first:] == ELEMENTS[2][3] + len(ELEMENTS[2][0])).all()


def test_a_millimetre_part_far_from_the_origin_keeps_its_shape(tmp_path: Path) -> None:
    positions, normals, colors, indices = box((6_378_137.0, 0.0, 0.0), 0.001, 4)
    with MeshSpill(tmp_path) as s:
        s.append(positions, normals, colors, indices)
        s.finish()
        back = s.read(np.array([0])).positions
    assert np.abs(back - positions).max() < 1e-9


def test_bounds_contain_every_vertex_read_back(spill: MeshSpill) -> None:
    got = spill.read(np.arange(len(spill)))
    b = spill.bounds[got.feature_ids]
    assert (got.positions >= b[:, :3]).all() and (got.positions <= b[:, 3:]).all()
    for r, (positions, *_rest) in enumerate(ELEMENTS):
        assert np.allclose(spill.bounds[r], [*positions.min(0), *positions.max(0)], atol=1e-4)


def test_counts_are_per_element(spill: MeshSpill) -> None:
    assert spill.vertex_counts.tolist() == [len(e[0]) for e in ELEMENTS]
    assert spill.triangle_counts.tolist() == [len(e[3]) // 3 for e in ELEMENTS]


def test_normals_come_back_unit_length(spill: MeshSpill) -> None:
    normals = spill.read(np.arange(len(spill))).normals
    assert normals.dtype == np.float32
    assert np.abs(np.linalg.norm(normals, axis=1) - 1).max() < 1e-6


def test_no_rows_read_as_empty_arrays(spill: MeshSpill) -> None:
    got = spill.read(np.zeros(0, dtype=np.int64))
    assert got.positions.shape == (0, 3) and got.indices.shape == (0,)


def test_rows_outside_the_spill_are_refused(spill: MeshSpill) -> None:
    with pytest.raises(InvalidInputError):
        spill.read(np.array([3]))
    with pytest.raises(InvalidInputError):
        spill.read(np.array([-1]))


def test_a_spill_is_read_only_after_it_is_finished_and_unreadable_before(
    tmp_path: Path,
) -> None:
    with MeshSpill(tmp_path) as s:
        s.append(*ELEMENTS[0])
        with pytest.raises(InvalidInputError):
            s.read(np.array([0]))
        s.finish()
        with pytest.raises(InvalidInputError):
            s.append(*ELEMENTS[1])


def test_a_mesh_indexing_past_its_vertices_is_refused(tmp_path: Path) -> None:
    positions, normals, colors, indices = ELEMENTS[0]
    with MeshSpill(tmp_path) as s, pytest.raises(InvalidInputError):
        s.append(positions, normals, colors, indices + 8)


def test_closing_deletes_the_files(tmp_path: Path) -> None:
    s = MeshSpill(tmp_path).open()
    s.append(*ELEMENTS[0])
    s.finish()
    assert any(tmp_path.iterdir())
    s.close()
    assert not any(tmp_path.iterdir())


def test_an_empty_spill_reads_nothing(tmp_path: Path) -> None:
    with MeshSpill(tmp_path) as s:
        s.finish()
        assert len(s) == 0 and s.bounds.shape == (0, 6)
        assert s.read(np.zeros(0, dtype=np.int64)).triangle_count == 0


def test_a_pickled_spill_reads_the_same_meshes_and_leaves_the_files_to_the_owner(
    spill: MeshSpill, tmp_path: Path
) -> None:
    copy = pickle.loads(pickle.dumps(spill))
    rows = np.array([1, 2])
    a, b = spill.read(rows), copy.read(rows)
    assert (a.positions == b.positions).all() and (a.indices == b.indices).all()
    copy.close()
    assert (spill.read(rows).colors == a.colors).all()
