"""Encode one tile of BIM elements: coloured triangle meshes, one feature per element.

Positions arrive in the layer's east-north-up frame in float64; the tile keeps
them as small float32 offsets from its own centre (the GLB node carries the
centre), so a building far from the frame origin stays free of jitter. Every
element's 2D footprint (the convex hull of its vertices, in frame metres) is
returned with the GLB for the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from tiles.gltf import MeshArrays, PropertyTable, encode_glb
from tiles.gltf_geometry import relative_to_centre
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ElementMeshArrays:
    """Triangles of several elements in frame metres; ``feature_ids`` index the table rows."""

    positions: F64  # (n, 3)
    normals: npt.NDArray[np.float32]  # (n, 3) unit
    colors: npt.NDArray[np.uint8]  # (n, 4) display RGBA
    feature_ids: npt.NDArray[np.uint32]  # (n,)
    indices: npt.NDArray[np.uint32]  # (m * 3,)


@dataclass(frozen=True)
class EncodedElementTile:
    glb: bytes
    hulls: npt.NDArray[np.object_]  # (features,) shapely geometries in frame metres (2D)


def encode_element_tile(
    mesh: ElementMeshArrays, table: PropertyTable, *, compress: bool = True
) -> EncodedElementTile:
    if len(mesh.positions) == 0:
        raise InvalidInputError("an element tile needs at least one vertex")
    positions, origin = relative_to_centre(mesh.positions)
    arrays = MeshArrays(
        positions=positions,
        normals=mesh.normals,
        feature_ids=mesh.feature_ids,
        indices=mesh.indices,
        colors=mesh.colors,
    )
    glb = encode_glb(
        arrays,
        table,
        compress=compress,
        origin=origin,
        double_sided=True,  # IFC meshes do not promise a consistent winding
    )
    return EncodedElementTile(glb=glb, hulls=footprint_hulls(mesh, table.count))


def footprint_hulls(mesh: ElementMeshArrays, count: int) -> npt.NDArray[np.object_]:
    """The convex hull of each feature's vertices seen from above (frame metres, 2D)."""
    order = np.argsort(mesh.feature_ids, kind="stable")
    ids = mesh.feature_ids[order].astype(np.int64)
    points = shapely.multipoints(mesh.positions[order, :2], indices=ids)
    hulls: npt.NDArray[np.object_] = np.empty(count, dtype=object)
    present = np.unique(ids)
    if len(present) != count:
        raise InvalidInputError("every element of a tile needs at least one vertex")
    hulls[present] = shapely.convex_hull(points)
    return hulls
