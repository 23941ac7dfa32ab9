from __future__ import annotations

import numpy as np
import pytest

from tiles.extrude import Footprints, extrude

UP = np.array([[0.0, 0.0, 1.0]])


def footprints(
    rings: list[list[tuple[float, float]]],
    polygon_rings: list[int],
    polygon_feature: list[int],
    base: list[float],
    top: list[float],
) -> Footprints:
    coords = np.array([(x, y, 0.0) for r in rings for (x, y) in r])
    n = len(base)
    return Footprints(
        coords=coords,
        ring_offsets=np.cumsum([0] + [len(r) for r in rings]),
        polygon_ring_offsets=np.cumsum([0, *polygon_rings]),
        polygon_feature=np.array(polygon_feature),
        up=np.repeat(UP, n, axis=0),
        base=np.array(base),
        top=np.array(top),
    )


def signed_volume(mesh) -> float:  # type: ignore[no-untyped-def]
    p = mesh.positions
    t = mesh.indices.reshape(-1, 3)
    return float(np.einsum("ij,ij->i", p[t[:, 0]], np.cross(p[t[:, 1]], p[t[:, 2]])).sum() / 6)


SQUARE = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
HOLE = [(2, 2), (2, 4), (4, 4), (4, 2), (2, 2)]
L_SHAPE = [(20, 0), (30, 0), (30, 5), (25, 5), (25, 10), (20, 10), (20, 0)]


def test_a_block_with_a_courtyard_encloses_its_volume_with_outward_faces() -> None:
    mesh = extrude(footprints([SQUARE, HOLE], [2], [0], [0.0], [12.0]))
    assert signed_volume(mesh) == pytest.approx((100 - 4) * 12)


def test_a_non_convex_footprint_is_triangulated_without_spilling_outside() -> None:
    mesh = extrude(footprints([L_SHAPE], [1], [0], [0.0], [7.0]))
    assert signed_volume(mesh) == pytest.approx(75 * 7)
    roof = mesh.positions[mesh.indices.reshape(-1, 3)]
    top = roof[(roof[:, :, 2] == 7.0).all(axis=1)]
    centroids = top.mean(axis=1)
    assert not ((centroids[:, 0] > 25) & (centroids[:, 1] > 5)).any()  # the notch stays empty


def test_a_raised_block_gets_a_floor_and_stays_closed() -> None:
    mesh = extrude(footprints([SQUARE], [1], [0], [5.0], [9.0]))
    assert signed_volume(mesh) == pytest.approx(100 * 4)
    assert mesh.positions[:, 2].min() == pytest.approx(5.0)


def test_every_vertex_carries_the_feature_it_belongs_to() -> None:
    mesh = extrude(footprints([SQUARE, L_SHAPE], [1, 1], [0, 1], [0.0, 0.0], [3.0, 6.0]))
    second = mesh.positions[mesh.feature_ids == 1]
    assert second[:, 0].min() == pytest.approx(20.0)
    assert set(np.unique(mesh.feature_ids)) == {0, 1}


def test_wall_normals_point_away_from_the_building() -> None:
    mesh = extrude(footprints([SQUARE], [1], [0], [0.0], [3.0]))
    walls = np.abs(mesh.normals[:, 2]) < 0.5
    outward = (mesh.positions[walls][:, :2] - 5.0) * mesh.normals[walls][:, :2]
    assert (outward.sum(axis=1) > 0).all()


def test_repeated_points_do_not_make_degenerate_walls() -> None:
    ring = [(0, 0), (10, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    mesh = extrude(footprints([ring], [1], [0], [0.0], [3.0]))
    t = mesh.indices.reshape(-1, 3)
    p = mesh.positions
    area = np.linalg.norm(np.cross(p[t[:, 1]] - p[t[:, 0]], p[t[:, 2]] - p[t[:, 0]]), axis=1)
    walls = np.abs(mesh.normals[t[:, 0], 2]) < 0.5
    assert (area[walls] > 0).all()
    assert signed_volume(mesh) == pytest.approx(300)
