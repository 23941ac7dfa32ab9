"""Typed wrappers around the ``meshoptimizer`` package (an untyped ctypes binding).

The binding writes into caller-provided arrays without checking their dtype or
layout, so every wrapper here hands it fresh, contiguous arrays of exactly the
type the C library expects.

Bitstreams: ``encode_vertex_buffer`` writes vertex codec version 0 (header
``0xa0``) and ``encode_index_buffer`` index codec version 1 (header ``0xe1``),
the versions EXT_meshopt_compression specifies. The versions are pinned once at
import so that a future default cannot silently produce data the extension does
not allow.
"""

from __future__ import annotations

from dataclasses import dataclass

import meshoptimizer
import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]

#: ``meshopt_optimizeVertexFetchRemap`` marks vertices no triangle uses with ~0
UNUSED = np.uint32(0xFFFFFFFF)

meshoptimizer.encode_vertex_version(0)
meshoptimizer.encode_index_version(1)


@dataclass(frozen=True)
class Reorder:
    """A vertex-cache and vertex-fetch friendly order of a triangle mesh.

    ``indices`` index the new vertex order; ``source[k]`` is the input vertex
    that becomes output vertex ``k`` (vertices no triangle uses are dropped).
    """

    indices: U32
    source: U32


def optimise_order(indices: U32, vertex_count: int) -> Reorder:
    """Reorder triangles for the post-transform cache, then vertices by first use."""
    src = np.ascontiguousarray(indices, dtype=np.uint32)
    tri = np.empty_like(src)
    meshoptimizer.optimize_vertex_cache(tri, src, len(src), vertex_count)
    remap = np.empty(vertex_count, dtype=np.uint32)
    unique = int(meshoptimizer.optimize_vertex_fetch_remap(remap, tri, len(tri), vertex_count))
    used = remap != UNUSED
    source = np.empty(unique, dtype=np.uint32)
    source[remap[used]] = np.flatnonzero(used).astype(np.uint32)
    return Reorder(indices=remap[tri], source=source)


def encode_attributes(rows: npt.NDArray[np.generic], stride: int) -> bytes:
    """Encode ``rows`` (one row of ``stride`` bytes per vertex) in ATTRIBUTES mode."""
    data = np.ascontiguousarray(rows)
    count = len(data)
    if stride % 4 or stride > 256 or data.nbytes != count * stride:
        raise ValueError(f"vertex rows of {data.nbytes} bytes do not fit stride {stride}")
    return bytes(meshoptimizer.encode_vertex_buffer(data, count, stride))


def encode_triangles(indices: U32, vertex_count: int) -> bytes:
    """Encode a triangle list in TRIANGLES mode (decodes to 2- or 4-byte indices alike)."""
    src = np.ascontiguousarray(indices, dtype=np.uint32)
    if len(src) % 3:
        raise ValueError("a triangle list needs a multiple of 3 indices")
    return bytes(meshoptimizer.encode_index_buffer(src, len(src), vertex_count))
