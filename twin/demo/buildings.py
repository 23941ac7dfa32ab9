"""Building footprints of one parcel, by use, in the local frame.

Each layout keeps every footprint inside the parcel rectangle it is given
(already shrunk by the parcel's setback) and footprints of one parcel apart,
except a tower, which stands on its podium and names it as ``parent``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from twin.demo import shapes
from twin.demo.shapes import Rect

Rng = np.random.Generator


@dataclass(frozen=True)
class Footprint:
    geometry: shapely.Geometry
    floors: int
    name: str | None
    parent: int = -1  # index, within the parcel, of the footprint this one stands on


def _pack(span: float, size: float, gap: float) -> list[tuple[float, float]]:
    """Slots of ``size`` metres separated by ``gap`` metres, centred in ``span``."""
    n = max(1, math.floor((span + gap) / (size + gap)))
    size = min(size, span)
    used = n * size + (n - 1) * gap
    start = (span - used) / 2
    return [(start + i * (size + gap), start + i * (size + gap) + size) for i in range(n)]


def _u(rng: Rng, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _floors(rng: Rng, base: int, spread: int, lo: int, hi: int) -> int:
    return min(hi, max(lo, base + int(rng.integers(-spread, spread + 1))))


def _named(name: str | None, suffix: str) -> str | None:
    return None if name is None else f"{name}{suffix}"


def residential_towers(rng: Rng, r: Rect, estate: str | None) -> list[Footprint]:
    """Slab towers in rows facing south, or a grid of point towers; 18-33 floors."""
    base = int(rng.integers(18, 34))
    point = rng.random() < 0.3
    depth = _u(rng, 20, 28) if point else _u(rng, 12, 18)
    length = depth if point else _u(rng, 32, 70)
    rows = _pack(r.h, depth, _u(rng, 24, 36))
    cols = _pack(r.w, length, _u(rng, 14, 22))
    chamfer = point and rng.random() < 0.4
    out: list[Footprint] = []
    for y0, y1 in rows:
        for x0, x1 in cols:
            shrink_x, shrink_y = _u(rng, 0, 2), _u(rng, 0, 1)
            cell = Rect(r.x0 + x0 + shrink_x, r.y0 + y0 + shrink_y, r.x0 + x1 - shrink_x, r.y0 + y1)
            geom = shapes.chamfered(cell, 3.0) if chamfer else shapes.rect(cell)
            floors = _floors(rng, base, 3, 18, 33)
            out.append(Footprint(geom, floors, _named(estate, f"{len(out) + 1}栋")))
    return out


def walkups(rng: Rng, r: Rect, estate: str | None) -> list[Footprint]:
    """An older estate of 6-9 floor walk-up slabs in tight rows."""
    rows = _pack(r.h, _u(rng, 10, 13), _u(rng, 12, 18))
    cols = _pack(r.w, _u(rng, 30, 60), _u(rng, 8, 12))
    out: list[Footprint] = []
    for y0, y1 in rows:
        for x0, x1 in cols:
            geom = shapes.rect(Rect(r.x0 + x0, r.y0 + y0, r.x0 + x1, r.y0 + y1))
            out.append(
                Footprint(geom, int(rng.integers(6, 10)), _named(estate, f"{len(out) + 1}栋"))
            )
    return out


def courtyards(rng: Rng, r: Rect, estate: str | None) -> list[Footprint]:
    """Mid-rise perimeter blocks around a courtyard (polygons with a hole); 6-12 floors."""
    depth = _u(rng, 11, 15)
    w = min(r.w, _u(rng, 45, 80))
    h = min(r.h, _u(rng, 40, 80))
    if min(w, h) < 2 * depth + 12:
        return residential_towers(rng, r, estate)
    out: list[Footprint] = []
    for y0, y1 in _pack(r.h, h, 14.0)[:2]:
        for x0, x1 in _pack(r.w, w, 14.0)[:2]:
            geom = shapes.courtyard(Rect(r.x0 + x0, r.y0 + y0, r.x0 + x1, r.y0 + y1), depth)
            floors = int(rng.integers(6, 13))
            out.append(Footprint(geom, floors, _named(estate, f"{len(out) + 1}栋")))
    return out


def village(rng: Rng, r: Rect, village_name: str, lanes: tuple[str, ...]) -> list[Footprint]:
    """A village-in-city: a dense grid of 5-8 floor 'handshake' houses along narrow alleys."""
    cell = _u(rng, 11.5, 14.5)
    alley = _u(rng, 1.2, 2.5)
    cols = _pack(r.w, cell, alley)
    rows = _pack(r.h, cell, alley)
    lane_col = int(rng.integers(1, len(cols) - 1)) if len(cols) >= 4 and rng.random() < 0.6 else -1
    lane_row = int(rng.integers(1, len(rows) - 1)) if len(rows) >= 4 and rng.random() < 0.6 else -1
    lane = lanes[int(rng.integers(len(lanes)))]
    out: list[Footprint] = []
    for j, (y0, y1) in enumerate(rows):
        i = 0
        while i < len(cols):
            if i == lane_col or j == lane_row or rng.random() < 0.07:
                i += 1
                continue
            x0, x1 = cols[i]
            if i + 1 < len(cols) and i + 1 != lane_col and rng.random() < 0.15:
                x1 = cols[i + 1][1]  # two plots built as one house
                i += 1
            i += 1
            jx0, jx1, jy0, jy1 = (_u(rng, 0, 0.7) for _ in range(4))
            geom = shapes.rect(
                Rect(r.x0 + x0 + jx0, r.y0 + y0 + jy0, r.x0 + x1 - jx1, r.y0 + y1 - jy1)
            )
            name = f"{village_name}{lane}{len(out) + 1}号" if rng.random() < 0.4 else None
            out.append(Footprint(geom, int(rng.integers(5, 9)), name))
    return out


def commercial(rng: Rng, r: Rect, mall: str | None) -> list[Footprint]:
    """A 3-6 floor podium (sometimes two wings: a MultiPolygon) and often a 20-45 floor tower."""
    w = min(r.w, _u(rng, 50, 80))
    h = min(r.h, _u(rng, 40, 75))
    x = _u(rng, 0, r.w - w)
    y = _u(rng, 0, r.h - h)
    podium = r.sub(x, y, w, h)
    geom: shapely.Geometry
    base = podium
    if max(w, h) >= 50 and rng.random() < 0.5:
        gap = _u(rng, 8, 12)
        geom = shapes.split_podium(podium, gap)
        base = (
            Rect(podium.x0, podium.y0, podium.x0 + (w - gap) / 2, podium.y1)
            if w >= h
            else Rect(podium.x0, podium.y0, podium.x1, podium.y0 + (h - gap) / 2)
        )
    else:
        geom = shapes.rect(podium)
    out = [Footprint(geom, int(rng.integers(3, 7)), mall)]
    room = base.inset(3.0)
    if rng.random() < 0.75 and min(room.w, room.h) >= 20:
        tw, th = min(room.w, _u(rng, 24, 36)), min(room.h, _u(rng, 24, 36))
        tower = room.sub(_u(rng, 0, room.w - tw), _u(rng, 0, room.h - th), tw, th)
        floors = int(rng.integers(20, 46))
        out.append(Footprint(shapes.rect(tower), floors, _named(mall, "塔楼"), parent=0))
    return out


def offices(rng: Rng, r: Rect, name: str | None, letters: tuple[str, ...]) -> list[Footprint]:
    """One or two office towers of 20-60 floors, some with chamfered corners."""
    count = 2 if r.w >= 80 and rng.random() < 0.6 else 1
    half = (r.w - 20.0) / 2
    slots = [(0.0, half), (r.w - half, r.w)] if count == 2 else [(0.0, r.w)]
    base = int(rng.integers(20, 61))
    out: list[Footprint] = []
    for k, (x0, x1) in enumerate(slots):
        a, b = min(x1 - x0, _u(rng, 26, 45)), min(r.h, _u(rng, 26, 45))
        cell = r.sub(x0 + _u(rng, 0, x1 - x0 - a), _u(rng, 0, r.h - b), a, b)
        geom = shapes.chamfered(cell, _u(rng, 3, 7)) if rng.random() < 0.4 else shapes.rect(cell)
        suffix = letters[k] if count == 2 else ""
        out.append(Footprint(geom, _floors(rng, base, 6, 20, 60), _named(name, suffix)))
    return out


def _winged(rng: Rng, r: Rect, w: float, h: float, floors: int, name: str | None) -> Footprint:
    box = r.sub(_u(rng, 0, r.w - w), _u(rng, 0, r.h - h), w, h)
    arm, orientation = _u(rng, 12, 16), int(rng.integers(8))
    make = shapes.u_shape if rng.random() < 0.5 else shapes.l_shape
    return Footprint(make(box, arm, orientation), floors, name)


def school(rng: Rng, r: Rect, name: str | None) -> list[Footprint]:
    """An L or U shaped teaching building of 3-6 floors beside an open sports field."""
    if r.w >= r.h:
        half = Rect(r.x0, r.y0, r.x0 + r.w * 0.5, r.y1)
    else:
        half = Rect(r.x0, r.y0, r.x1, r.y0 + r.h * 0.5)
    w, h = min(half.w, _u(rng, 45, 75)), min(half.h, _u(rng, 40, 60))
    return [_winged(rng, half, w, h, int(rng.integers(3, 7)), _named(name, "教学楼"))]


def hospital(rng: Rng, r: Rect, name: str | None) -> list[Footprint]:
    """An L or U shaped hospital of 4-14 floors."""
    w, h = min(r.w, _u(rng, 50, 80)), min(r.h, _u(rng, 45, 75))
    return [_winged(rng, r, w, h, int(rng.integers(4, 15)), _named(name, "住院楼"))]


def industrial(rng: Rng, r: Rect, name: str | None) -> list[Footprint]:
    """Rows of 1-3 floor sheds."""
    rows = _pack(r.h, _u(rng, 20, 40), _u(rng, 10, 16))
    cols = _pack(r.w, _u(rng, 30, 80), _u(rng, 10, 16))
    out: list[Footprint] = []
    for y0, y1 in rows:
        for x0, x1 in cols:
            geom = shapes.rect(Rect(r.x0 + x0, r.y0 + y0, r.x0 + x1, r.y0 + y1))
            out.append(Footprint(geom, int(rng.integers(1, 4)), _named(name, f"{len(out) + 1}栋")))
    return out


def public_service(rng: Rng, r: Rect, name: str | None) -> list[Footprint]:
    """One low building, a box or an L, of 2-5 floors, in a square."""
    w, h = min(r.w, _u(rng, 22, 50)), min(r.h, _u(rng, 20, 40))
    floors = int(rng.integers(2, 6))
    if rng.random() < 0.5 and min(w, h) >= 30:
        return [_winged(rng, r, w, h, floors, name)]
    cell = r.sub(_u(rng, 0, r.w - w), _u(rng, 0, r.h - h), w, h)
    return [Footprint(shapes.rect(cell), floors, name)]
