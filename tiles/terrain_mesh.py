"""Terrain tiles: a quadtree of regular-grid simplifications of a DEM, as meshes.

The DEM is a grid of samples (pixel centres, NaN = nodata). The tree has ``depth+1``
levels; a tile of level ``L`` keeps every ``s = 2**(depth-L)``-th sample (its
*stride*) over a block of ``tile_cells * s`` cells, so leaves are at full
resolution and the root spans the whole DEM. A tile's vertex rows are
``r0, r0+s, ...`` plus the block's last row (clamped to the DEM), likewise
columns: two neighbours of one level therefore use the *same* samples along their
common edge and compute their positions and normals the same way, so their edge
vertices are identical and no crack can open between them.

Between levels (a coarse tile next to a finer one) edges differ by at most the two
tiles' errors: every tile hangs a *skirt* from its border, a vertical strip going
down :func:`skirt_depth` metres, which hides those cracks.

Each grid cell becomes two triangles (diagonal from its first to its last corner).
A cell is dropped when any full-resolution sample it covers is nodata: holes, never
spikes. :func:`tile_error` measures a tile's geometric error: the largest vertical
distance between its triangles and the full-resolution samples they cover.

Positions are east-north-up metres in one frame (:class:`tiles.geodesy.EnuFrame`);
heights are taken as ellipsoidal. Normals come from the DEM gradient at the tile's
stride (central differences of neighbouring vertices, one-sided at nodata).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

from tiles.geodesy import EnuFrame, geodetic_to_ecef
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: fine samples per strip when measuring errors (bounds the temporary memory)
_STRIP_SAMPLES = 1 << 21


@dataclass(frozen=True)
class TerrainGrid:
    """A DEM on its grid, georeferenced, with the ENU frame the tiles are expressed in."""

    heights: F32  # (rows, cols), NaN = nodata
    transform: tuple[float, float, float, float, float, float]  # rasterio a, b, c, d, e, f
    crs: CRS
    frame: EnuFrame

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.heights.shape[0]), int(self.heights.shape[1]))

    def lonlat(self, rows: F64, cols: F64) -> tuple[F64, F64]:
        a, b, c, d, e, f = self.transform
        x = a * (cols + 0.5) + b * (rows + 0.5) + c
        y = d * (cols + 0.5) + e * (rows + 0.5) + f
        lon, lat = _to_lonlat(self.crs.to_wkt()).transform(x, y)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def enu(self, rows: I64, cols: I64, h: F64) -> F64:
        """ENU positions of samples; the same sample always gives the same bits."""
        return self.enu_lonlat(rows, cols, h)[0]

    def enu_lonlat(self, rows: I64, cols: I64, h: F64) -> tuple[F64, F64, F64]:
        """ENU positions, longitudes and latitudes of samples (one projection)."""
        lon, lat = self.lonlat(rows.astype(np.float64), cols.astype(np.float64))
        ecef = geodetic_to_ecef(lon, lat, h)
        o = self.frame.origin_ecef
        r = self.frame.rotation
        dx, dy, dz = ecef[..., 0] - o[0], ecef[..., 1] - o[1], ecef[..., 2] - o[2]
        # written out (no matmul): elementwise arithmetic is identical for every array size
        enu = np.stack([dx * r[i, 0] + dy * r[i, 1] + dz * r[i, 2] for i in range(3)], axis=-1)
        return enu, lon, lat


@lru_cache(maxsize=8)
def _to_lonlat(wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(wkt), CRS.from_epsg(4326), always_xy=True)


@dataclass(frozen=True)
class TileSpec:
    level: int
    x: int  # column of tiles
    y: int  # row of tiles
    rows: I64  # sample rows of the vertex grid
    cols: I64  # sample columns of the vertex grid

    @property
    def address(self) -> str:
        return f"{self.level}-{self.x}-{self.y}"

    @property
    def stride(self) -> int:
        return int(self.rows[1] - self.rows[0]) if len(self.rows) > 1 else 1


@dataclass(frozen=True)
class Pyramid:
    shape: tuple[int, int]
    tile_cells: int
    depth: int

    def stride(self, level: int) -> int:
        return 1 << (self.depth - level)

    def spec(self, level: int, x: int, y: int) -> TileSpec | None:
        """The tile, or None when it lies outside the DEM."""
        s = self.stride(level)
        span = self.tile_cells * s
        rows = _axis(y * span, span, s, self.shape[0])
        cols = _axis(x * span, span, s, self.shape[1])
        if rows is None or cols is None:
            return None
        return TileSpec(level, x, y, rows, cols)

    def children(self, tile: TileSpec) -> list[TileSpec]:
        if tile.level == self.depth:
            return []
        out = []
        for dy in (0, 1):
            for dx in (0, 1):
                child = self.spec(tile.level + 1, 2 * tile.x + dx, 2 * tile.y + dy)
                if child is not None:
                    out.append(child)
        return out


def _axis(start: int, span: int, step: int, n: int) -> I64 | None:
    last = min(start + span, n - 1)
    if start >= last:
        return None
    idx = np.arange(start, last, step, dtype=np.int64)
    return np.append(idx, last)


def plan_pyramid(shape: tuple[int, int], tile_cells: int) -> Pyramid:
    if tile_cells < 2:
        raise InvalidInputError("terrain tiles need at least 2 cells a side")
    if min(shape) < 2:
        raise InvalidInputError("a DEM needs at least 2 x 2 samples")
    cells = max(shape) - 1
    depth = max(0, math.ceil(math.log2(cells / tile_cells))) if cells > tile_cells else 0
    return Pyramid(shape, tile_cells, depth)


def nodata_counts(heights: F32) -> npt.NDArray[np.int32]:
    """Summed-area table of nodata samples, (rows+1, cols+1)."""
    nan = (~np.isfinite(heights)).astype(np.int32)
    out = np.zeros((nan.shape[0] + 1, nan.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.cumsum(nan, axis=0), axis=1, out=out[1:, 1:])
    return out


def cell_valid(tile: TileSpec, counts: npt.NDArray[np.int32]) -> B:
    """(m-1, n-1): the cells whose every covered full-resolution sample has a height."""
    r0, r1 = tile.rows[:-1], tile.rows[1:] + 1
    c0, c1 = tile.cols[:-1], tile.cols[1:] + 1
    total = (
        counts[r1[:, None], c1[None, :]]
        - counts[r0[:, None], c1[None, :]]
        - counts[r1[:, None], c0[None, :]]
        + counts[r0[:, None], c0[None, :]]
    )
    return np.asarray(total == 0)


def has_data(tile: TileSpec, counts: npt.NDArray[np.int32]) -> bool:
    """Whether any sample of the tile's block has a height."""
    r0, r1 = int(tile.rows[0]), int(tile.rows[-1]) + 1
    c0, c1 = int(tile.cols[0]), int(tile.cols[-1]) + 1
    nodata = counts[r1, c1] - counts[r0, c1] - counts[r1, c0] + counts[r0, c0]
    return bool(nodata < (r1 - r0) * (c1 - c0))


def _locate(idx: I64, fine: I64) -> tuple[I64, F64]:
    k = np.clip(np.searchsorted(idx, fine, side="right") - 1, 0, len(idx) - 2)
    t = (fine - idx[k]) / (idx[k + 1] - idx[k])
    return k, t.astype(np.float64)


def tile_error(tile: TileSpec, heights: F32, valid: B) -> float:
    """Largest |DEM sample - mesh| over the full-resolution samples of the valid cells."""
    worst = 0.0
    rows, cols = tile.rows, tile.cols
    fine_cols = np.arange(cols[0], cols[-1] + 1, dtype=np.int64)
    cj, u = _locate(cols, fine_cols)
    per_strip = max(1, _STRIP_SAMPLES // max(1, len(fine_cols) * max(1, tile.stride)))
    for a in range(0, len(rows) - 1, per_strip):
        b = min(a + per_strip, len(rows) - 1)
        fine_rows = np.arange(rows[a], rows[b] + 1, dtype=np.int64)
        ci, t = _locate(rows, fine_rows)
        ok = valid[ci[:, None], cj[None, :]]
        if not ok.any():
            continue
        h = heights[fine_rows[:, None], fine_cols[None, :]].astype(np.float64)
        r0, r1 = rows[ci][:, None], rows[ci + 1][:, None]
        c0, c1 = cols[cj][None, :], cols[cj + 1][None, :]
        h00, h01 = heights[r0, c0].astype(np.float64), heights[r0, c1].astype(np.float64)
        h10, h11 = heights[r1, c0].astype(np.float64), heights[r1, c1].astype(np.float64)
        tt, uu = t[:, None], u[None, :]
        upper = h00 + uu * (h01 - h00) + tt * (h11 - h01)  # triangle (00, 01, 11): u >= t
        lower = h00 + tt * (h10 - h00) + uu * (h11 - h10)  # triangle (00, 10, 11): u < t
        mesh = np.where(uu >= tt, upper, lower)
        err = np.abs(h - mesh)[ok]
        if err.size:
            worst = max(worst, float(np.nanmax(err)))
    return worst


@dataclass(frozen=True)
class TerrainTileMesh:
    """One tile's mesh in the layer's ENU frame (positions relative to ``origin``)."""

    grid_positions: F64  # (m, n, 3) ENU of the vertex grid (nodata: height 0, unused)
    grid_normals: F32  # (m, n, 3)
    origin: tuple[float, float, float]
    positions: F64  # (k, 3) grid + skirt vertices, relative to origin
    normals: F32  # (k, 3)
    indices: npt.NDArray[np.uint32]  # (t*3,) surface triangles, then skirt triangles
    surface_triangles: int
    heights: F64  # (m, n) DEM heights of the grid (NaN = nodata)
    lon: F64  # (m, n) degrees
    lat: F64  # (m, n)


def build_tile_mesh(
    grid: TerrainGrid, tile: TileSpec, valid: B, *, skirt: float
) -> TerrainTileMesh | None:
    """The tile's surface + skirts, or None when no cell of it is valid."""
    if not valid.any():
        return None
    m, n = len(tile.rows), len(tile.cols)
    h = grid.heights[tile.rows[:, None], tile.cols[None, :]].astype(np.float64)
    ext_h, ext_p, lon, lat = _extended(grid, tile)
    pos = ext_p[1:-1, 1:-1]
    normals = _normals(ext_h, ext_p)
    mid = pos[m // 2, n // 2]
    origin = (float(mid[0]), float(mid[1]), float(mid[2]))
    vid = np.arange(m * n, dtype=np.int64).reshape(m, n)
    flip = _det(grid.transform) > 0  # rows run north: the cell winding turns the other way
    tris = _cell_triangles(vid, valid, flip)
    skirt_pos, skirt_nrm, skirt_tris = _skirts(pos, normals, vid, valid, skirt, flip)
    positions = np.concatenate([pos.reshape(-1, 3), skirt_pos]) - np.array(origin)
    return TerrainTileMesh(
        grid_positions=pos,
        grid_normals=normals,
        origin=origin,
        positions=positions,
        normals=np.concatenate([normals.reshape(-1, 3), skirt_nrm]).astype(np.float32),
        indices=np.concatenate([tris, skirt_tris]).astype(np.uint32),
        surface_triangles=len(tris) // 3,
        heights=h,
        lon=lon[1:-1, 1:-1],
        lat=lat[1:-1, 1:-1],
    )


def skirt_depth(error: float, parent_error: float | None, stride_m: float) -> float:
    """How far skirts hang: covers the gap to a neighbour one or two levels coarser."""
    reach = 2.0 * max(error, parent_error or 0.0)
    return max(reach, 0.5 * stride_m, 1.0)


def _det(t: tuple[float, float, float, float, float, float]) -> float:
    return t[0] * t[4] - t[1] * t[3]


def _cell_triangles(vid: I64, valid: B, flip: bool) -> I64:
    v00, v01 = vid[:-1, :-1][valid], vid[:-1, 1:][valid]
    v10, v11 = vid[1:, :-1][valid], vid[1:, 1:][valid]
    if flip:
        tri = np.stack([v00, v11, v10, v00, v01, v11], axis=1)
    else:
        tri = np.stack([v00, v10, v11, v00, v11, v01], axis=1)
    return tri.reshape(-1)


def _border_loop(m: int, n: int) -> list[tuple[int, int]]:
    """Grid (row, col) around the border: top left->right, right down, bottom, left up."""
    top = [(0, j) for j in range(n)]
    right = [(i, n - 1) for i in range(1, m)]
    bottom = [(m - 1, j) for j in range(n - 2, -1, -1)]
    left = [(i, 0) for i in range(m - 2, 0, -1)]
    return top + right + bottom + left + [(0, 0)]


def _skirts(
    pos: F64, normals: F32, vid: I64, valid: B, depth: float, flip: bool
) -> tuple[F64, F32, I64]:
    m, n = vid.shape
    loop = _border_loop(m, n)
    ring = np.array([vid[i, j] for i, j in loop[:-1]], dtype=np.int64)
    ring_rc = np.array(loop[:-1], dtype=np.int64)
    low = pos.reshape(-1, 3)[ring].copy()
    low[:, 2] -= depth
    low_ids = m * n + np.arange(len(ring), dtype=np.int64)
    tris: list[I64] = []
    for k in range(len(ring)):
        k2 = (k + 1) % len(ring)
        (i1, j1), (i2, j2) = ring_rc[k], ring_rc[k2]
        if not _edge_cell(i1, j1, i2, j2, valid):
            continue
        a, b, a_, b_ = ring[k], ring[k2], low_ids[k], low_ids[k2]
        # rows running south, the loop goes clockwise seen from above (the tile on its
        # right): outward faces are (a, b, b_), (a, b_, a_); a mirrored grid flips them
        quad = [a, a_, b_, a, b_, b] if flip else [a, b, b_, a, b_, a_]
        tris.append(np.array(quad, dtype=np.int64))
    skirt_tris = np.concatenate(tris) if tris else np.zeros(0, dtype=np.int64)
    return low, normals.reshape(-1, 3)[ring], skirt_tris


def _edge_cell(i1: int, j1: int, i2: int, j2: int, valid: B) -> bool:
    """Whether the border cell next to the edge (i1,j1)-(i2,j2) is valid."""
    ci = min(i1, i2, valid.shape[0] - 1)
    cj = min(j1, j2, valid.shape[1] - 1)
    return bool(valid[ci, cj])


def _extended(grid: TerrainGrid, tile: TileSpec) -> tuple[F64, F64, F64, F64]:
    """Heights, ENU positions, lon, lat of the vertex grid plus a ring one stride out."""
    s = tile.stride
    nr, nc = grid.shape
    rows = np.concatenate([[max(tile.rows[0] - s, 0)], tile.rows, [min(tile.rows[-1] + s, nr - 1)]])
    cols = np.concatenate([[max(tile.cols[0] - s, 0)], tile.cols, [min(tile.cols[-1] + s, nc - 1)]])
    h = grid.heights[rows[:, None], cols[None, :]].astype(np.float64)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    p, lon, lat = grid.enu_lonlat(rr, cc, np.nan_to_num(h, nan=0.0))
    return h, p, lon, lat


def _normals(h: F64, p: F64) -> F32:
    """Unit normals from central differences at the tile's stride (one-sided at nodata)."""
    ok = np.isfinite(h)
    centre = p[1:-1, 1:-1]
    c_ok = ok[1:-1, 1:-1, None]

    def pick(nb: F64, nb_ok: B) -> F64:
        return np.where(nb_ok[..., None] & c_ok, nb, centre)

    du = pick(p[1:-1, 2:], ok[1:-1, 2:]) - pick(p[1:-1, :-2], ok[1:-1, :-2])
    dv = pick(p[2:, 1:-1], ok[2:, 1:-1]) - pick(p[:-2, 1:-1], ok[:-2, 1:-1])
    nrm = np.cross(du, dv)
    nrm *= np.where(nrm[..., 2:3] < 0, -1.0, 1.0)
    length = np.linalg.norm(nrm, axis=-1, keepdims=True)
    up = np.array([0.0, 0.0, 1.0])
    out = np.where(length > 1e-12, nrm / np.where(length > 1e-12, length, 1.0), up)
    return out.astype(np.float32)
