"""A tile tree with one subtree per group (e.g. per building storey) under an empty root.

Inside a group the usual adaptive partition applies (:func:`tiles.partition.partition`):
bounded features and bytes per tile, the largest features nearest the root. Keeping
groups apart means a tile never mixes storeys, so isolating a storey in the viewer
hides whole tiles and a storey's elements load together.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tiles.partition import PartitionLimits, TileNode, partition
from twin.errors import InvalidInputError

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def partition_groups(
    group: I64, x: F64, y: F64, size: F64, nbytes: F64, limits: PartitionLimits
) -> TileNode:
    """``group``: a group number per feature; the other arrays as for ``partition``.

    The root has no content; its geometric error is the largest feature (drawing
    nothing at all leaves that much out). Child ``k`` holds group ``k``'s subtree
    (groups in ascending order), its addresses prefixed ``0_g<k>``.
    """
    if len(x) == 0:
        raise InvalidInputError("nothing to tile: no features")
    children: list[TileNode] = []
    for k, g in enumerate(np.unique(group)):
        members = np.flatnonzero(group == g)
        sub = partition(x[members], y[members], size[members], nbytes[members], limits)
        children.append(_relabel(sub, members, f"0_g{k}"))
    return TileNode("0", np.empty(0, dtype=np.int64), tuple(children), float(size.max()))


def _relabel(node: TileNode, members: I64, prefix: str) -> TileNode:
    """Map a subtree's local feature indices back to global ones and prefix its addresses."""
    suffix = node.address[1:]  # partition() addresses start with "0"
    return TileNode(
        address=prefix + suffix,
        content=np.sort(members[node.content]),
        children=tuple(_relabel(c, members, prefix) for c in node.children),
        geometric_error=node.geometric_error,
    )
