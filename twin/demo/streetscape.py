"""Street furniture along the demo's streets, ready for ``twin ingest streets``.

Given street centre lines in a projected metric CRS, :func:`street_objects_along`
places, deterministically for a seed:

* trees every ``spacing_m`` on alternating sides, ``half_width_m + 1.5`` m out;
* street lamps half a spacing further on, on the opposite side, arms over the road;
* benches and bins every few trees (on the tree's side, facing the road) and a bus
  stop every ~300 m (open side to the road);
* a sign at each corner where two lines cross, facing the approaching traffic.

Orientations are degrees clockwise from north, the convention of
:mod:`twin.readers.streets`; heights and sizes vary a little around each type's
default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from tiles.street_models import DEFAULTS
from twin.errors import InvalidInputError

BUS_STOP_EVERY_M = 300.0


def street_objects_along(
    lines: Sequence[shapely.LineString],
    spacing_m: float,
    seed: int,
    *,
    half_width_m: float = 10.0,
    crs: str = "EPSG:4547",
) -> gpd.GeoDataFrame:
    if not spacing_m > 1.0 or not math.isfinite(spacing_m):
        raise InvalidInputError("spacing_m must be a number of metres above 1")
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, float, float, float, float, float]] = []  # type, x, y, h, size, deg

    def add(kind: str, x: float, y: float, facing: float) -> None:
        h0, s0 = DEFAULTS[kind]
        jitter = 1.0 + 0.1 * rng.uniform(-1.0, 1.0, 2) if kind == "tree" else np.ones(2)
        rows.append((kind, x, y, round(h0 * jitter[0], 2), round(s0 * jitter[1], 2), facing % 360))

    for line in lines:
        length = line.length
        count = int(length // spacing_m)
        for i in range(count):
            d = (i + 0.5) * spacing_m
            side = 1.0 if i % 2 == 0 else -1.0
            x, y, nx, ny, heading = _frame_at(line, d)
            to_road = _heading(-side * nx, -side * ny)
            off = half_width_m + 1.5
            add("tree", x + side * nx * off, y + side * ny * off, heading)
            lx, ly, lnx, lny, _ = _frame_at(line, min(d + spacing_m / 2, length))
            loff = -side * (half_width_m + 0.5)
            add("street_lamp", lx + lnx * loff, ly + lny * loff, _heading(side * lnx, side * lny))
            seat = half_width_m + 3.0
            if i % 4 == 1:
                add("bench", x + side * nx * seat + 2.0, y + side * ny * seat, to_road)
            if i % 3 == 2:
                add("bin", x + side * nx * seat, y + side * ny * seat, to_road)
        for j in range(int(length // BUS_STOP_EVERY_M)):
            x, y, nx, ny, _ = _frame_at(line, (j + 0.5) * BUS_STOP_EVERY_M + spacing_m / 4)
            off = half_width_m + 2.5
            add("bus_stop", x + nx * off, y + ny * off, _heading(-nx, -ny))
    for a in range(len(lines)):
        for b in range(a + 1, len(lines)):
            cross = lines[a].intersection(lines[b])
            for p in getattr(cross, "geoms", [cross]):
                if p.is_empty or p.geom_type != "Point":
                    continue
                for line in (lines[a], lines[b]):
                    d = line.project(p)
                    for step in (-1.0, 1.0):
                        at = min(max(d - step * (half_width_m + 3.0), 0.0), line.length)
                        x, y, nx, ny, heading = _frame_at(line, at)
                        off = step * (half_width_m + 1.0)
                        add("sign", x + nx * off, y + ny * off, heading + (180 if step > 0 else 0))
    kinds, xs, ys, hs, sizes, degs = zip(*rows, strict=True) if rows else ([],) * 6
    return gpd.GeoDataFrame(
        {
            "type": list(kinds),
            "height": list(hs),
            "size": list(sizes),
            "orientation": [round(float(d), 1) for d in degs],
        },
        geometry=gpd.points_from_xy(list(xs), list(ys)),
        crs=crs,
    )


def _frame_at(line: shapely.LineString, d: float) -> tuple[float, float, float, float, float]:
    """Point at distance ``d``, the unit normal to its left, and the line's heading there."""
    p = line.interpolate(d)
    q = line.interpolate(min(d + 0.5, line.length))
    r = line.interpolate(max(d - 0.5, 0.0))
    dx, dy = q.x - r.x, q.y - r.y
    norm = math.hypot(dx, dy) or 1.0
    dx, dy = dx / norm, dy / norm
    return p.x, p.y, -dy, dx, _heading(dx, dy)


def _heading(dx: float, dy: float) -> float:
    return math.degrees(math.atan2(dx, dy)) % 360.0
