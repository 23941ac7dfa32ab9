"""Terrain meshes: crack-free edges, measured errors, holes at nodata, skirts, normals."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS

from tiles.geodesy import EnuFrame
from tiles.terrain_mesh import (
    TerrainGrid,
    TileSpec,
    build_tile_mesh,
    cell_valid,
    nodata_counts,
    plan_pyramid,
    tile_error,
)

UTM = CRS.from_epsg(32632)
NORTH_UP = (2.0, 0.0, 500_000.0, 0.0, -2.0, 5_000_000.0)
SOUTH_UP = (2.0, 0.0, 500_000.0, 0.0, 2.0, 5_000_000.0)


def _grid(heights: np.ndarray, transform: tuple[float, ...] = NORTH_UP) -> TerrainGrid:
    probe = TerrainGrid(heights.astype(np.float32), transform, UTM, EnuFrame(0.0, 0.0))  # type: ignore[arg-type]
    lon, lat = probe.lonlat(np.array([heights.shape[0] / 2]), np.array([heights.shape[1] / 2]))
    return TerrainGrid(
        heights.astype(np.float32),
        transform,  # type: ignore[arg-type]
        UTM,
        EnuFrame(float(lon[0]), float(lat[0]), 100.0),
    )


def _rough(rows: int, cols: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 + np.cumsum(np.cumsum(rng.normal(0, 0.3, (rows, cols)), axis=0), axis=1) / 10


def _mesh(grid: TerrainGrid, spec: TileSpec, skirt: float = 5.0):  # type: ignore[no-untyped-def]
    valid = cell_valid(spec, nodata_counts(grid.heights))
    mesh = build_tile_mesh(grid, spec, valid, skirt=skirt)
    assert mesh is not None
    return mesh


def test_neighbours_of_one_level_share_identical_edge_vertices_and_normals() -> None:
    grid = _grid(_rough(203, 171))  # not a multiple of the tile size: clamped last tiles
    pyramid = plan_pyramid(grid.shape, 16)
    for level in range(pyramid.depth + 1):
        a, right, below = (
            pyramid.spec(level, 0, 0),
            pyramid.spec(level, 1, 0),
            pyramid.spec(level, 0, 1),
        )
        if right is None or below is None:
            continue
        assert a is not None
        ma, mr, mb = _mesh(grid, a), _mesh(grid, right), _mesh(grid, below)
        assert np.array_equal(ma.grid_positions[:, -1], mr.grid_positions[:, 0])
        assert np.array_equal(ma.grid_normals[:, -1], mr.grid_normals[:, 0])
        assert np.array_equal(ma.grid_positions[-1, :], mb.grid_positions[0, :])
        assert np.array_equal(ma.grid_normals[-1, :], mb.grid_normals[0, :])
    last = pyramid.spec(pyramid.depth, 10, 0)  # 170 cells / 16 -> the 11th column is short
    assert last is not None and last.cols[-1] == 170 and last.cols[-1] - last.cols[0] < 16


def test_the_pyramid_keeps_full_resolution_at_the_leaves_and_one_root_tile() -> None:
    pyramid = plan_pyramid((400, 400), 64)
    root = pyramid.spec(0, 0, 0)
    assert root is not None and root.rows[0] == 0 and root.rows[-1] == 399
    assert pyramid.spec(0, 1, 0) is None
    leaf = pyramid.spec(pyramid.depth, 0, 0)
    assert leaf is not None and leaf.stride == 1 and len(leaf.rows) == 65


def test_tile_error_is_the_measured_vertical_error_of_linear_interpolation() -> None:
    cols = np.arange(65, dtype=np.float64)
    heights = np.tile(cols**2 / 10.0, (65, 1))  # h = c^2/10: midpoint error of stride s is s^2/40
    grid = _grid(heights)
    counts = nodata_counts(grid.heights)
    for s in (2, 4, 8):
        idx = np.arange(0, 65, s, dtype=np.int64)
        spec = TileSpec(0, 0, 0, idx, idx)
        assert tile_error(spec, grid.heights, cell_valid(spec, counts)) == pytest.approx(
            s * s / 40.0, rel=1e-4
        )


def test_a_plane_is_represented_exactly_at_every_stride() -> None:
    r, c = np.mgrid[0:65, 0:65]
    grid = _grid(50.0 + 0.3 * r - 0.7 * c)
    counts = nodata_counts(grid.heights)
    idx = np.arange(0, 65, 8, dtype=np.int64)
    spec = TileSpec(0, 0, 0, idx, idx)
    assert tile_error(spec, grid.heights, cell_valid(spec, counts)) < 1e-4


def test_nodata_cells_get_no_triangles_and_no_spikes() -> None:
    heights = _rough(33, 33)
    heights[10:14, 5:9] = np.nan
    grid = _grid(heights)
    idx = np.arange(33, dtype=np.int64)
    spec = TileSpec(0, 0, 0, idx, idx)
    valid = cell_valid(spec, nodata_counts(grid.heights))
    assert valid.sum() == 32 * 32 - 5 * 5  # every cell touching a nodata sample is dropped
    mesh = _mesh(grid, spec)
    surface = mesh.indices[: mesh.surface_triangles * 3]
    assert mesh.surface_triangles == 2 * int(valid.sum())
    used_rc = np.unravel_index(surface, (33, 33))
    assert np.isfinite(heights[used_rc]).all()
    z = mesh.positions[surface, 2] + mesh.origin[2]
    enu_z = mesh.grid_positions[..., 2][np.isfinite(heights)]
    assert z.min() >= enu_z.min() - 1e-9 and z.max() <= enu_z.max() + 1e-9


@pytest.mark.parametrize("transform", [NORTH_UP, SOUTH_UP])
def test_surface_faces_up_and_skirts_face_outwards(transform: tuple[float, ...]) -> None:
    grid = _grid(_rough(17, 17), transform)
    idx = np.arange(17, dtype=np.int64)
    mesh = _mesh(grid, TileSpec(0, 0, 0, idx, idx), skirt=7.0)
    tri = mesh.indices.reshape(-1, 3)
    p = mesh.positions
    n = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
    surface, skirt = n[: mesh.surface_triangles], n[mesh.surface_triangles :]
    assert (surface[:, 2] > 0).all()
    assert len(skirt) == 2 * 4 * 16
    centre = p[: 17 * 17].mean(axis=0)
    mid = p[tri[mesh.surface_triangles :]].mean(axis=1)
    assert (np.einsum("ij,ij->i", skirt[:, :2], mid[:, :2] - centre[:2]) > 0).all()
    assert p[:, 2].min() == pytest.approx(p[: 17 * 17, 2].min() - 7.0, abs=0.5)


def test_normals_follow_the_dem_gradient() -> None:
    _, c = np.mgrid[0:17, 0:17]
    grid = _grid(10.0 + 0.5 * c * 2.0)  # rises 0.5 m per metre eastwards (2 m cells)
    idx = np.arange(17, dtype=np.int64)
    mesh = _mesh(grid, TileSpec(0, 0, 0, idx, idx))
    expected = np.array([-0.5, 0.0, 1.0]) / np.sqrt(1.25)
    # the grid is UTM, not ENU: allow its convergence/scale (well under a degree here)
    assert np.abs(mesh.grid_normals.reshape(-1, 3) - expected).max() < 0.02
