"""Vertex and index streams of a tile mesh, quantised for glTF (KHR_mesh_quantization).

Input is in the tile-local z-up frame (x east, y north, z up, metres); glTF is
y-up, so every vector becomes ``(x, z, -y)``. That map is a proper rotation, so
counter-clockwise triangles stay counter-clockwise.

Streams, each its own bufferView (every attribute starts on a 4-byte boundary):

* ``POSITION``: SHORT VEC3, not normalised, padded to 8 bytes; the node's
  ``translation`` + uniform ``scale`` dequantise it. When the step
  (largest extent / 65534) would exceed :data:`MAX_QUANTISATION_STEP`, FLOAT VEC3
  relative to the same translation (stride 12) instead.
* ``NORMAL``: BYTE VEC3 normalised, padded to 4 bytes.
* ``_FEATURE_ID_0``: UNSIGNED_BYTE (<= 256 features), UNSIGNED_SHORT (<= 65536) or
  FLOAT (exact up to 2**24), padded to 4 bytes.
* ``COLOR_0`` (only when the mesh has ``colors``): UNSIGNED_BYTE VEC4 normalised.
  glTF vertex colours are *linear*; callers pass display (sRGB) colours, as IFC
  surface styles and colour pickers give them, so RGB goes through the sRGB
  transfer function to linear and is rounded back to 8 bits here (alpha is
  coverage, not light: kept as is). 8-bit linear is coarse in the darks: sRGB
  levels 0-6 all become linear 0, and a dark level may come back a few sRGB levels
  off; from the mid-tones up the round trip is exact to +-1.
* indices: UNSIGNED_SHORT when there are at most 65535 vertices (65535 itself is
  the primitive-restart value and must not appear), else UNSIGNED_INT.

Triangles are grouped by translucency: those whose three vertices all have alpha
255 (every triangle when there are no colours) form the opaque group, the rest the
translucent group. Both groups index the same vertex streams; an empty group is
left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tiles.meshopt import optimise_order
from twin.errors import InvalidInputError

BYTE, UNSIGNED_BYTE, SHORT, UNSIGNED_SHORT, UNSIGNED_INT, FLOAT = 5120, 5121, 5122, 5123, 5125, 5126

#: positions use int16 only when one step of the grid is at most this many metres
MAX_QUANTISATION_STEP = 0.02
#: the validator's tolerance for |length - 1| of a unit vector is 0.00674
_NORMAL_LENGTH_TOLERANCE = 0.005
_MAX_FLOAT_FEATURES = 1 << 24
#: the 8 floor (False) / ceil (True) choices for the 3 components of a normal
_CORNERS = np.array([[(c >> k) & 1 for k in range(3)] for c in range(8)], dtype=bool)

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class MeshArrays:
    """One tile's triangles, z-up east/north/up metres in the tile-local frame.

    ``positions`` may also be float64 (used as given, no float32 round trip). The
    encoder reorders triangles and vertices for the GPU caches and drops vertices
    no triangle uses; feature ids and colours travel with their vertices.
    ``colors`` are display (sRGB) RGBA, 0-255, straight (not premultiplied) alpha.
    """

    positions: npt.NDArray[np.float32]  # (n, 3)
    normals: npt.NDArray[np.float32]  # (n, 3) unit normals, same frame
    feature_ids: npt.NDArray[np.uint32]  # (n,) 0..feature_count-1
    indices: npt.NDArray[np.uint32]  # (m*3,) counter-clockwise seen from outside
    colors: npt.NDArray[np.uint8] | None = None  # (n, 4) sRGB RGBA per vertex, 0-255


@dataclass(frozen=True)
class VertexStream:
    """One attribute, packed: ``rows`` is (count, stride) bytes, little-endian."""

    semantic: str
    rows: npt.NDArray[np.uint8]
    component_type: int
    type: Literal["SCALAR", "VEC3", "VEC4"]
    normalized: bool = False
    min: tuple[float, ...] | None = None
    max: tuple[float, ...] | None = None

    @property
    def count(self) -> int:
        return int(self.rows.shape[0])

    @property
    def stride(self) -> int:
        return int(self.rows.shape[1])


@dataclass(frozen=True)
class TriangleGroup:
    """Triangles drawn with one material: opaque, or translucent (alpha blended)."""

    indices: npt.NDArray[np.uint16] | npt.NDArray[np.uint32]  # little-endian
    translucent: bool


@dataclass(frozen=True)
class PackedMesh:
    streams: tuple[VertexStream, ...]
    groups: tuple[TriangleGroup, ...]  # the opaque group first; no empty group
    index_component_type: int
    vertex_count: int
    translation: tuple[float, float, float]  # y-up, dequantises with ``scale``
    scale: float | None  # None: positions are FLOAT, not quantised


def pack_mesh(mesh: MeshArrays, feature_count: int, *, reorder: bool = True) -> PackedMesh:
    """Check ``mesh``, optionally reorder it for the GPU caches, and pack its streams.

    Quantisation happens in the z-up frame; the axis swap to y-up is done on the
    packed integers (rint is symmetric, so this equals quantising in y-up).

    Reordering optimises each triangle group for the post-transform cache on its
    own, then orders the vertices by first use over the groups, the larger group
    first (it references a prefix of the vertices).
    """
    positions, normals, fids, indices, colors = _checked(mesh, feature_count)
    n = len(positions)
    groups = _split_by_alpha(indices, colors)
    if reorder and len(groups) == 1:
        order = optimise_order(groups[0][0], n)
        source, parts = order.source, [order.indices]
    else:
        if reorder:
            parts = []
            for group, _ in groups:
                order = optimise_order(group, n)
                parts.append(order.source[order.indices])
        else:
            parts = [group for group, _ in groups]
        source, parts = _shared_vertices(parts, n, by_first_use=reorder)
    take = source.astype(np.intp)
    p = np.take(positions, take, axis=0)
    count = len(source)

    lo, hi = (np.array(b) for b in _bounds(p))
    centre = (lo + hi) / 2.0
    extent = float((hi - lo).max())
    step = extent / 65534.0
    if step <= MAX_QUANTISATION_STEP:
        grid = step if step > 0.0 else 1.0
        scale: float | None = grid
        pos = _quantised_positions(p, centre, grid)
    else:
        scale = None
        pos = _float_positions(p, centre)
    nrm = _normal_stream(np.take(normals, take, axis=0))
    streams: tuple[VertexStream, ...] = (
        pos,
        nrm,
        _feature_stream(np.take(fids, take), feature_count),
    )
    if colors is not None:
        streams += (_color_stream(np.take(colors, take, axis=0)),)

    small = count <= 0xFFFF
    index_type = "<u2" if small else "<u4"
    return PackedMesh(
        streams=streams,
        groups=tuple(
            TriangleGroup(part.astype(index_type), translucent)
            for part, (_, translucent) in zip(parts, groups, strict=True)
        ),
        index_component_type=UNSIGNED_SHORT if small else UNSIGNED_INT,
        vertex_count=count,
        translation=(float(centre[0]), float(centre[2]), -float(centre[1])),
        scale=scale,
    )


def _split_by_alpha(
    indices: npt.NDArray[np.uint32], colors: npt.NDArray[np.uint8] | None
) -> list[tuple[npt.NDArray[np.uint32], bool]]:
    """(indices, translucent) per non-empty group: fully opaque triangles first, in input order."""
    if colors is None:
        return [(indices, False)]
    tri = indices.reshape(-1, 3)
    opaque = (colors[tri, 3] == 255).all(axis=1)
    groups = [(tri[opaque].reshape(-1), False), (tri[~opaque].reshape(-1), True)]
    return [g for g in groups if len(g[0])]


def _shared_vertices(
    parts: list[npt.NDArray[np.uint32]], n: int, *, by_first_use: bool
) -> tuple[npt.NDArray[np.uint32], list[npt.NDArray[np.uint32]]]:
    """The vertices the groups use and each group's indices remapped to them.

    ``by_first_use``: vertices in order of first use, the larger group's first,
    since the codec of meshopt TRIANGLES mode is cheapest for vertices numbered from
    0 in order of first use; otherwise in ascending input order.
    """
    swap = len(parts) == 2 and len(parts[1]) > len(parts[0])
    ordered = parts[::-1] if swap else parts
    joined = np.concatenate(ordered)
    used, first = np.unique(joined, return_index=True)
    source = (used[np.argsort(first, kind="stable")] if by_first_use else used).astype(np.uint32)
    remap = np.zeros(n, dtype=np.uint32)
    remap[source] = np.arange(len(source), dtype=np.uint32)
    remapped = np.split(remap[joined], np.cumsum([len(p) for p in ordered[:-1]]))
    return source, remapped[::-1] if swap else remapped


def _checked(
    mesh: MeshArrays, feature_count: int
) -> tuple[
    npt.NDArray[np.floating[Any]],
    F32,
    npt.NDArray[np.int64],
    npt.NDArray[np.uint32],
    npt.NDArray[np.uint8] | None,
]:
    positions = np.asarray(mesh.positions)
    if positions.dtype not in (np.float32, np.float64):
        positions = positions.astype(np.float64)
    normals = np.asarray(mesh.normals, dtype=np.float32)
    fids = np.asarray(mesh.feature_ids).astype(np.int64, copy=False)
    indices = np.asarray(mesh.indices).reshape(-1)
    n = len(positions)
    if positions.ndim != 2 or positions.shape[1] != 3 or normals.shape != positions.shape:
        raise InvalidInputError("mesh positions and normals must both be (n, 3) arrays")
    if fids.shape != (n,):
        raise InvalidInputError("the mesh needs one feature id per vertex")
    if len(indices) == 0 or len(indices) % 3:
        raise InvalidInputError("the mesh needs at least one triangle (indices in threes)")
    if indices.dtype.kind not in "iu":
        raise InvalidInputError("mesh indices must be integers")
    if int(indices.min()) < 0 or int(indices.max()) >= n:
        raise InvalidInputError("a mesh index points past the vertices")
    if not (np.isfinite(positions).all() and np.isfinite(normals).all()):
        raise InvalidInputError("mesh positions and normals must be finite")
    if not 1 <= feature_count <= _MAX_FLOAT_FEATURES:
        raise InvalidInputError(f"a tile holds 1 to {_MAX_FLOAT_FEATURES} features")
    if n and (int(fids.min()) < 0 or int(fids.max()) >= feature_count):
        raise InvalidInputError("a feature id is outside the property table")
    return positions, normals, fids, indices.astype(np.uint32, copy=False), _colors(mesh, n)


def _colors(mesh: MeshArrays, n: int) -> npt.NDArray[np.uint8] | None:
    if mesh.colors is None:
        return None
    colors = np.asarray(mesh.colors)
    if colors.shape != (n, 4):
        raise InvalidInputError("mesh colours must be an (n, 4) RGBA array, one row per vertex")
    if colors.dtype.kind not in "iu" or (n and (colors.min() < 0 or colors.max() > 255)):
        raise InvalidInputError("mesh colours must be integers from 0 to 255")
    return colors.astype(np.uint8, copy=False)


def _quantised_positions(
    p: npt.NDArray[np.floating[Any]], centre: F64, step: float
) -> VertexStream:
    scaled = np.subtract(p, centre, dtype=np.float64)
    scaled /= step
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32767.0, 32767.0, out=scaled)
    rows = np.zeros((len(p), 4), dtype="<i2")
    _put_y_up(rows, scaled)
    lo, hi = _bounds(scaled)
    return VertexStream(
        semantic="POSITION",
        rows=_bytes(rows),
        component_type=SHORT,
        type="VEC3",
        min=(lo[0], lo[2], -hi[1]),
        max=(hi[0], hi[2], -lo[1]),
    )


def _float_positions(p: npt.NDArray[np.floating[Any]], centre: F64) -> VertexStream:
    f = np.empty((len(p), 3), dtype="<f4")
    _put_y_up(f, np.subtract(p, centre, dtype=np.float64))
    lo, hi = _bounds(f)
    return VertexStream(
        semantic="POSITION", rows=_bytes(f), component_type=FLOAT, type="VEC3", min=lo, max=hi
    )


def _normal_stream(nrm: F32) -> VertexStream:
    return VertexStream(
        semantic="NORMAL",
        rows=_bytes(_normal_rows(nrm)),
        component_type=BYTE,
        type="VEC3",
        normalized=True,
    )


def _normal_rows(nrm: F32) -> npt.NDArray[np.int8]:
    """int8 snorm y-up normals whose length stays within the validator's tolerance of 1."""
    x, y, z = nrm[:, 0], nrm[:, 1], nrm[:, 2]
    length = np.sqrt(x * x + y * y + z * z)
    tiny = length < 1e-12
    scaled = nrm * (127.0 / np.where(tiny, 1.0, length))[:, None]
    if tiny.any():
        scaled[tiny] = (0.0, 0.0, 127.0)  # degenerate input: point up
    q = np.rint(scaled)
    qx, qy, qz = q[:, 0], q[:, 1], q[:, 2]
    err = np.abs(np.sqrt(qx * qx + qy * qy + qz * qz) / 127.0 - 1.0)
    bad = np.flatnonzero(err > _NORMAL_LENGTH_TOLERANCE)
    if len(bad):
        # try every floor/ceil combination and keep the one closest to unit length
        lo, hi = np.floor(scaled[bad]), np.ceil(scaled[bad])
        cand = np.where(_CORNERS[None, :, :], hi[:, None, :], lo[:, None, :])
        cerr = np.abs(np.linalg.norm(cand, axis=2) / 127.0 - 1.0)
        q[bad] = cand[np.arange(len(bad)), cerr.argmin(axis=1)]
    rows = np.zeros((len(q), 4), dtype=np.int8)
    _put_y_up(rows, q)  # |scaled| <= 127, so floor / ceil / rint stay in [-127, 127]
    return rows


def _feature_stream(fids: npt.NDArray[np.int64], feature_count: int) -> VertexStream:
    if feature_count <= 0x100:
        rows8 = np.zeros((len(fids), 4), dtype=np.uint8)
        rows8[:, 0] = fids
        rows, ctype = rows8, UNSIGNED_BYTE
    elif feature_count <= 0x10000:
        rows16 = np.zeros((len(fids), 2), dtype="<u2")
        rows16[:, 0] = fids
        rows, ctype = _bytes(rows16), UNSIGNED_SHORT
    else:
        rows, ctype = _bytes(fids.astype("<f4")), FLOAT
    return VertexStream(
        semantic="_FEATURE_ID_0",
        rows=rows,
        component_type=ctype,
        type="SCALAR",
    )


def _srgb_to_linear_table() -> npt.NDArray[np.uint8]:
    """8-bit sRGB level -> 8-bit linear level (IEC 61966-2-1 transfer function)."""
    c = np.arange(256, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return np.rint(linear * 255.0).astype(np.uint8)


_SRGB_TO_LINEAR = _srgb_to_linear_table()


def _color_stream(colors: npt.NDArray[np.uint8]) -> VertexStream:
    rows = np.empty((len(colors), 4), dtype=np.uint8)
    rows[:, :3] = _SRGB_TO_LINEAR[colors[:, :3]]
    rows[:, 3] = colors[:, 3]
    return VertexStream(
        semantic="COLOR_0",
        rows=rows,
        component_type=UNSIGNED_BYTE,
        type="VEC4",
        normalized=True,
    )


def _bounds(v: npt.NDArray[Any]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-column min and max (column by column: much faster than ``axis=0`` on (n, 3))."""
    cols = range(v.shape[1])
    return tuple(float(v[:, k].min()) for k in cols), tuple(float(v[:, k].max()) for k in cols)


def _put_y_up(out: npt.NDArray[Any], v: npt.NDArray[Any]) -> None:
    """Write z-up (E, N, U) rows of ``v`` as y-up (E, U, -N) into the first 3 columns of ``out``."""
    out[:, 0] = v[:, 0]
    out[:, 1] = v[:, 2]
    out[:, 2] = v[:, 1]
    np.negative(out[:, 2], out=out[:, 2])


def _bytes(a: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """View a C-contiguous (n, ...) array as (n, bytes per row) uint8."""
    c = np.ascontiguousarray(a)
    return c.view(np.uint8).reshape(len(c), -1)


def relative_to_centre(
    positions: npt.NDArray[np.floating[Any]],
) -> tuple[npt.NDArray[np.float32], tuple[float, float, float]]:
    """Positions as float32 offsets from their bounding-box centre, and that centre.

    The centre goes into the glTF node (float64), so vertices far from the frame origin
    keep their precision.
    """
    lo = positions.min(axis=0)
    hi = positions.max(axis=0)
    centre = (lo + hi) / 2
    return (positions - centre).astype(np.float32), (
        float(centre[0]),
        float(centre[1]),
        float(centre[2]),
    )
