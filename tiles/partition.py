"""Adaptive spatial partition of features into a tile tree with additive refinement.

Each tile holds at most ``max_features`` features and about ``max_bytes`` of
content. When a cell holds more, the largest features stay in the cell's own
content (a city seen from afar shows its big buildings first) and the rest is
split into four children at the medians of their centres, so crowded
districts get deep trees and empty land gets none.

A tile's geometric error is the size of the largest feature *not* shown when
only this tile (and its ancestors) is drawn: zero for leaves. That is exactly
the error the renderer makes by stopping here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from twin.errors import InvalidInputError

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TileNode:
    address: str
    content: I64
    children: tuple[TileNode, ...]
    geometric_error: float

    def walk(self) -> list[TileNode]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class PartitionLimits:
    max_features: int = 2000
    max_bytes: int = 2_000_000

    def __post_init__(self) -> None:
        if self.max_features < 1 or self.max_bytes < 1:
            raise InvalidInputError("tile limits must be positive")


def partition(x: F64, y: F64, size: F64, nbytes: F64, limits: PartitionLimits) -> TileNode:
    """``x``/``y``: feature centres (m); ``size``: feature extent; ``nbytes``: bytes estimate."""
    if len(x) == 0:
        raise InvalidInputError("nothing to tile: no features")
    return _build(np.arange(len(x)), "0", x, y, size, nbytes, limits)


def _fits(idx: I64, nbytes: F64, limits: PartitionLimits) -> bool:
    return len(idx) <= limits.max_features and float(nbytes[idx].sum()) <= limits.max_bytes


def _build(
    idx: I64, address: str, x: F64, y: F64, size: F64, nbytes: F64, limits: PartitionLimits
) -> TileNode:
    if _fits(idx, nbytes, limits):
        return TileNode(address, np.sort(idx), (), 0.0)
    order = idx[np.argsort(-size[idx], kind="stable")]
    within = np.cumsum(nbytes[order]) <= limits.max_bytes
    within[0] = True  # a single oversized feature still gets a tile of its own
    take = int(min(limits.max_features, int(np.argmin(within)) if not within.all() else len(order)))
    take = max(take, 1)
    content, rest = order[:take], order[take:]
    children: list[TileNode] = []
    if len(rest):
        for i, group in enumerate(_quarter(rest, x, y)):
            if len(group):
                children.append(_build(group, f"{address}_{i}", x, y, size, nbytes, limits))
    error = float(size[rest].max()) if len(rest) else 0.0
    return TileNode(address, np.sort(content), tuple(children), error)


def _quarter(idx: I64, x: F64, y: F64) -> list[I64]:
    """Split at the median of x, then each half at the median of y (always makes progress)."""
    by_x = idx[np.argsort(x[idx], kind="stable")]
    half = len(by_x) // 2
    out: list[I64] = []
    for part in (by_x[:half], by_x[half:]):
        by_y = part[np.argsort(y[part], kind="stable")]
        h = len(by_y) // 2
        out.extend([by_y[:h], by_y[h:]])
    return out
