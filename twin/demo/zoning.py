"""From blocks to parcels: subdivision, land use, renewal status, year and names.

A superblock (the cells between arterials) has a character (CBD, residential,
village, mixed, industrial) that sets the odds of each parcel's layout, so uses
cluster the way they do in a real city.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass
from typing import Final

import numpy as np

from twin.demo import buildings as b
from twin.demo import names as n
from twin.demo.shapes import Rect

Rng = np.random.Generator

_CHARACTERS: Final = ("residential", "village", "mixed", "industrial")
_CHARACTER_P: Final = (0.55, 0.2, 0.15, 0.1)
_CBD: Final = {(0, 0), (-1, 0), (0, -1), (-1, -1)}

#: odds of each layout by superblock character
# fmt: off
_LAYOUT_P: Final[dict[str, dict[str, float]]] = {
    "cbd": {"office": 0.45, "commercial": 0.3, "towers": 0.1, "public": 0.05, "hospital": 0.03,
            "school": 0.02, "village": 0.05},
    "residential": {"towers": 0.4, "walkups": 0.2, "courtyard": 0.08, "school": 0.07,
                    "hospital": 0.03, "public": 0.05, "commercial": 0.07, "office": 0.04,
                    "village": 0.06},
    "village": {"village": 0.75, "towers": 0.12, "commercial": 0.05, "public": 0.04,
                "school": 0.04},
    "mixed": {"towers": 0.2, "walkups": 0.1, "courtyard": 0.05, "commercial": 0.2, "office": 0.2,
              "village": 0.1, "public": 0.05, "school": 0.05, "hospital": 0.05},
    "industrial": {"industrial": 0.7, "office": 0.1, "towers": 0.1, "village": 0.1},
}
# fmt: on

_USE: Final = {
    "towers": n.RESIDENTIAL,
    "walkups": n.RESIDENTIAL,
    "courtyard": n.RESIDENTIAL,
    "village": n.VILLAGE,
    "commercial": n.COMMERCIAL,
    "office": n.OFFICE,
    "school": n.EDUCATION,
    "hospital": n.MEDICAL,
    "industrial": n.INDUSTRIAL,
    "public": n.PUBLIC,
    "reserved": n.RESIDENTIAL,
}

_YEARS: Final = {
    "towers": (1995, 2024),
    "walkups": (1982, 2002),
    "courtyard": (1982, 2008),
    "village": (1980, 2005),
    "commercial": (1995, 2024),
    "office": (1998, 2024),
    "school": (1985, 2020),
    "hospital": (1985, 2020),
    "industrial": (1980, 2002),
    "public": (1988, 2024),
    "reserved": (2024, 2024),
}

_RENEWAL_P: Final = {"village": (0.35, 0.25, 0.3, 0.1), "other": (0.82, 0.08, 0.04, 0.06)}

_MAX_PARCEL_SIDE = 130.0

#: a point (local frame, metres) always inside block (0, -1) of any seed: its lot stays vacant,
#: land held for the proposed building of ``twin.demo.proposal_site``
RESERVED_POINT: Final = (100.0, -100.0)


@dataclass(frozen=True)
class Parcel:
    rect: Rect  # buildable area, inside the setback
    layout: str
    use: str
    renewal: str
    year: int
    place: str


def _choose(rng: Rng, options: tuple[str, ...], cumulative: tuple[float, ...]) -> str:
    return options[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _odds(p: dict[str, float]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return tuple(p), tuple(itertools.accumulate(p.values()))


_CHARACTER_ODDS: Final = _odds(dict(zip(_CHARACTERS, _CHARACTER_P, strict=True)))
_LAYOUT_ODDS: Final = {char: _odds(p) for char, p in _LAYOUT_P.items()}
_RENEWAL_ODDS: Final = {
    k: _odds(dict(zip(n.RENEWAL_STATES, p, strict=True))) for k, p in _RENEWAL_P.items()
}


@functools.cache
def character(seed: int, superblock: tuple[int, int]) -> str:
    if superblock in _CBD:
        return "cbd"
    rng = np.random.default_rng([seed, 300, superblock[0] + 10_000, superblock[1] + 10_000])
    return _choose(rng, *_CHARACTER_ODDS)


def subdivide(rng: Rng, r: Rect) -> list[Rect]:
    """Split a block recursively across its long side until no side exceeds 130 m."""
    if max(r.w, r.h) <= _MAX_PARCEL_SIDE:
        return [r]
    t = float(rng.uniform(0.35, 0.65))
    if r.w >= r.h:
        x = r.x0 + r.w * t
        halves = (Rect(r.x0, r.y0, x, r.y1), Rect(x, r.y0, r.x1, r.y1))
    else:
        y = r.y0 + r.h * t
        halves = (Rect(r.x0, r.y0, r.x1, y), Rect(r.x0, y, r.x1, r.y1))
    return subdivide(rng, halves[0]) + subdivide(rng, halves[1])


def _fits(layout: str, r: Rect) -> bool:
    long, short = max(r.w, r.h), min(r.w, r.h)
    if layout == "school":
        return long >= 90 and short >= 55
    if layout == "hospital":
        return long >= 60 and short >= 45
    return True


def make_parcel(
    rng: Rng, lot: Rect, char: str, district: str, superblock: tuple[int, int]
) -> Parcel:
    layout = _choose(rng, *_LAYOUT_ODDS[char])
    if lot.x0 <= RESERVED_POINT[0] < lot.x1 and lot.y0 <= RESERVED_POINT[1] < lot.y1:
        layout = "reserved"
    r = lot.inset(float(rng.uniform(3, 6)))
    if not _fits(layout, r):
        layout = "public"
    renewal = _choose(rng, *_RENEWAL_ODDS["village" if layout == "village" else "other"])
    if renewal == n.COMPLETED:
        if layout == "village":
            layout = "towers"  # a renewed village is rebuilt as residential towers
        year = int(rng.integers(2012, 2025))
    else:
        lo, hi = _YEARS[layout]
        year = int(rng.integers(lo, hi + 1))
    places = n.PLACES[district]
    if layout == "village":  # one village per superblock: its parcels share the name
        place = places[(7 * superblock[0] + 3 * superblock[1]) % len(places)]
    else:
        place = _pick(rng, places)
    return Parcel(r, layout, _USE[layout], renewal, year, place)


def _pick(rng: Rng, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def parcel_name(rng: Rng, p: Parcel, char: str) -> str | None:
    """The name of the estate, campus or complex on a parcel (None for some)."""
    named = rng.random()
    if p.layout == "reserved":
        return None
    if p.layout in ("towers", "walkups", "courtyard"):
        return f"{p.place}{_pick(rng, n.ESTATE_SUFFIXES)}" if named < 0.85 else None
    if p.layout == "office":
        if char == "cbd" and named < 0.35:
            return f"福田中心区{int(rng.integers(1, 40))}号楼"
        return f"{p.place}{_pick(rng, n.OFFICE_SUFFIXES)}" if named < 0.9 else None
    if p.layout == "commercial":
        return f"{p.place}{_pick(rng, n.MALL_SUFFIXES)}" if named < 0.9 else None
    if p.layout == "school":
        return f"{p.place}{_pick(rng, n.SCHOOL_SUFFIXES)}"
    if p.layout == "hospital":
        return f"{p.place}{_pick(rng, n.HOSPITAL_SUFFIXES)}"
    if p.layout == "public":
        return f"{p.place}{_pick(rng, n.PUBLIC_SUFFIXES)}"
    if p.layout == "industrial":
        return f"{p.place}工业区" if named < 0.4 else None
    return f"{p.place}村"


def footprints(rng: Rng, p: Parcel, name: str | None) -> list[b.Footprint]:
    r = p.rect
    if p.layout == "reserved":
        return []
    if p.layout == "towers":
        return b.residential_towers(rng, r, name)
    if p.layout == "walkups":
        return b.walkups(rng, r, name)
    if p.layout == "courtyard":
        return b.courtyards(rng, r, name)
    if p.layout == "village":
        return b.village(rng, r, name or f"{p.place}村", n.LANE_NAMES)
    if p.layout == "commercial":
        return b.commercial(rng, r, name)
    if p.layout == "office":
        return b.offices(rng, r, name, n.TOWER_LETTERS)
    if p.layout == "school":
        return b.school(rng, r, name)
    if p.layout == "hospital":
        return b.hospital(rng, r, name)
    if p.layout == "industrial":
        return b.industrial(rng, r, name)
    return b.public_service(rng, r, name)
