"""Footprint shapes in the local (unrotated) frame of the city grid, in metres.

Every function returns a valid shapely geometry lying inside the rectangle it
was given. Non-convex shapes (L, U) come in eight orientations.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def inset(self, d: float) -> Rect:
        return Rect(self.x0 + d, self.y0 + d, self.x1 - d, self.y1 - d)

    def sub(self, x: float, y: float, w: float, h: float) -> Rect:
        """The rectangle of size w x h whose lower-left corner is at (x0 + x, y0 + y)."""
        return Rect(self.x0 + x, self.y0 + y, self.x0 + x + w, self.y0 + y + h)


def rect(r: Rect) -> Polygon:
    return shapely.box(r.x0, r.y0, r.x1, r.y1)


def chamfered(r: Rect, c: float) -> Polygon:
    """A rectangle with its four corners cut at 45 degrees by ``c`` metres."""
    return Polygon(
        [
            (r.x0 + c, r.y0),
            (r.x1 - c, r.y0),
            (r.x1, r.y0 + c),
            (r.x1, r.y1 - c),
            (r.x1 - c, r.y1),
            (r.x0 + c, r.y1),
            (r.x0, r.y1 - c),
            (r.x0, r.y0 + c),
        ]
    )


def courtyard(r: Rect, depth: float) -> Polygon:
    """A perimeter block: the rectangle with a courtyard hole ``depth`` metres inside."""
    inner = r.inset(depth)
    hole = [(inner.x0, inner.y0), (inner.x0, inner.y1), (inner.x1, inner.y1), (inner.x1, inner.y0)]
    return Polygon(rect(r).exterior.coords, [hole])


def _place(coords: list[tuple[float, float]], r: Rect, orientation: int) -> Polygon:
    """Map canonical coordinates (in a box of r's size, maybe transposed) into r.

    ``orientation`` bit 0 mirrors x, bit 1 mirrors y, bit 2 transposes.
    """
    out: list[tuple[float, float]] = []
    for cx, cy in coords:
        x, y = (cy, cx) if orientation & 4 else (cx, cy)
        if orientation & 1:
            x = r.w - x
        if orientation & 2:
            y = r.h - y
        out.append((r.x0 + x, r.y0 + y))
    return Polygon(out)


def _canonical_size(r: Rect, orientation: int) -> tuple[float, float]:
    return (r.h, r.w) if orientation & 4 else (r.w, r.h)


def l_shape(r: Rect, arm: float, orientation: int) -> Polygon:
    """Two wings ``arm`` metres thick meeting at a corner of r."""
    w, h = _canonical_size(r, orientation)
    t = min(arm, w / 2, h / 2)
    coords = [(0.0, 0.0), (w, 0.0), (w, t), (t, t), (t, h), (0.0, h)]
    return _place(coords, r, orientation)


def u_shape(r: Rect, arm: float, orientation: int) -> Polygon:
    """A base wing along one side of r and two wings ``arm`` metres thick rising from it."""
    w, h = _canonical_size(r, orientation)
    t = min(arm, w / 3, h / 2)
    coords = [
        (0.0, 0.0),
        (w, 0.0),
        (w, h),
        (w - t, h),
        (w - t, t),
        (t, t),
        (t, h),
        (0.0, h),
    ]
    return _place(coords, r, orientation)


def split_podium(r: Rect, gap: float) -> MultiPolygon:
    """Two halves of r separated by a pedestrian lane ``gap`` metres wide (along the long side)."""
    if r.w >= r.h:
        mid = r.x0 + r.w / 2
        a = Rect(r.x0, r.y0, mid - gap / 2, r.y1)
        b = Rect(mid + gap / 2, r.y0, r.x1, r.y1)
    else:
        mid = r.y0 + r.h / 2
        a = Rect(r.x0, r.y0, r.x1, mid - gap / 2)
        b = Rect(r.x0, mid + gap / 2, r.x1, r.y1)
    return MultiPolygon([rect(a), rect(b)])
