"""The site of the demo's proposed building: a vacant parcel of the demo city.

The demo city keeps one lot vacant on purpose (the lot holding
``zoning.RESERVED_POINT``, in block (0, -1) next to the Futian CBD for every
seed). This module finds that lot again from the street plan, takes it as the
parcel (its boundary is the planning red line) and places the footprint of a
south-facing residential slab inside it, ``SETBACK_M`` metres behind the red
line, aligned with the street grid.

``floor_plan`` lays out one storey of that slab in the building frame (metres,
x along the slab, y towards its north face, origin at the footprint's
south-west corner): exterior and party walls, rooms, windows and doors. Upper
floors hold four flats around a central core (one lift lobby, four flats:
"一梯四户"); the ground floor holds two shops and the residents' lobby.
``model_frame`` and ``geographic_origin`` tie that frame to EPSG:4547 and WGS84.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer

from twin.demo.plan import ROTATION_DEG, Block, CityPlan, make_plan
from twin.demo.shapes import Rect
from twin.demo.zoning import RESERVED_POINT, subdivide
from twin.errors import InvalidInputError

__all__ = [
    "EXTERIOR_WALL_M",
    "FOOTPRINT_DEPTH_M",
    "FOOTPRINT_LENGTH_M",
    "INTERIOR_WALL_M",
    "OPENING_SIZES",
    "SETBACK_M",
    "FloorPlan",
    "GeographicOrigin",
    "ModelFrame",
    "Opening",
    "ProposalSite",
    "Room",
    "Wall",
    "floor_plan",
    "geographic_origin",
    "model_frame",
    "proposal_site",
]

F64 = npt.NDArray[np.float64]

#: the building line: how far the building stands behind the red line on every side
SETBACK_M = 8.0
#: nominal footprint of the slab: length along the street grid's east axis, depth north-south
FOOTPRINT_LENGTH_M = 44.0
FOOTPRINT_DEPTH_M = 16.0
_MIN_SIDE_M = 12.0
#: a plan this large (metres either side of the centre) always holds block (0, -1)
_PLAN_EXTENT_M = 600.0
_MAX_BUILDINGS = 500_000


@dataclass(frozen=True)
class ProposalSite:
    parcel_id: str
    parcel: shapely.Polygon  # EPSG:4547 metres: the parcel boundary (planning red line)
    footprint: shapely.Polygon  # EPSG:4547: the building's footprint, SETBACK_M inside the parcel
    rotation_deg: float  # building axis vs grid north, clockwise (follows the street grid)


def proposal_site(n_buildings: int = 6000, seed: int = 20261121) -> ProposalSite:
    """The vacant parcel of ``generate_demo_city(n_buildings, seed)`` and the proposal on it.

    The parcel lies near the city centre, so it is the same for every
    ``n_buildings`` (a city too small to reach it simply has not grown there).
    """
    _check(n_buildings, seed)
    plan = make_plan(seed, _PLAN_EXTENT_M, _PLAN_EXTENT_M)
    block = _reserved_block(plan)
    # the lots of a block are the first draws of the block's stream (see demo_city._add_block)
    rng = np.random.default_rng([seed, 1, block.key[0] + 100_000, block.key[1] + 100_000])
    lots = subdivide(rng, block.rect)
    index = next(i for i, lot in enumerate(lots) if _holds(lot, RESERVED_POINT))
    lot = lots[index]
    footprint = _footprint(lot)
    if shapely.intersects(plan.open_space, shapely.box(lot.x0, lot.y0, lot.x1, lot.y1)):
        raise InvalidInputError("the demo city of this seed has no room for the proposal")
    parcel_id = f"FT{block.key[0] + 50:02d}{block.key[1] + 50:02d}-{index + 1:02d}"
    return ProposalSite(
        parcel_id=parcel_id,
        parcel=_projected(plan, lot),
        footprint=_projected(plan, footprint),
        rotation_deg=ROTATION_DEG,
    )


@dataclass(frozen=True)
class ModelFrame:
    """The building's model axes in EPSG:4547 and the footprint's size along them (metres)."""

    easting: float  # the origin: the footprint's south-west corner
    northing: float
    length: float  # along x, the street grid's east axis
    depth: float  # along y, towards the north face
    rotation_deg: float  # of the axes, clockwise from grid east / grid north

    def to_model(self, east: F64, north: F64) -> tuple[F64, F64]:
        """EPSG:4547 eastings and northings to model x, y (metres)."""
        t = math.radians(self.rotation_deg)
        de, dn = east - self.easting, north - self.northing
        return de * math.cos(t) - dn * math.sin(t), de * math.sin(t) + dn * math.cos(t)


def model_frame(site: ProposalSite) -> ModelFrame:
    """The model axes of the building on ``site``; its footprint must be a rectangle along them."""
    xy = shapely.get_coordinates(site.footprint.exterior)
    first = ModelFrame(float(xy[0, 0]), float(xy[0, 1]), 0.0, 0.0, site.rotation_deg)
    x, y = first.to_model(xy[:, 0], xy[:, 1])
    length, depth = float(x.max() - x.min()), float(y.max() - y.min())
    if abs(length * depth - site.footprint.area) > 0.01 * site.footprint.area:
        raise InvalidInputError("the proposal's footprint must be a rectangle along its rotation")
    t = math.radians(site.rotation_deg)
    ox, oy = float(x.min()), float(y.min())
    east = first.easting + ox * math.cos(t) + oy * math.sin(t)
    north = first.northing - ox * math.sin(t) + oy * math.cos(t)
    return ModelFrame(
        round(east, 3), round(north, 3), round(length, 3), round(depth, 3), site.rotation_deg
    )


@dataclass(frozen=True)
class GeographicOrigin:
    longitude: float  # WGS84 degrees of the model origin
    latitude: float
    north: tuple[float, float]  # unit vector of geographic north in model axes


def geographic_origin(frame: ModelFrame) -> GeographicOrigin:
    """Where the model origin is on the globe, and which way true north points in the model."""
    lon, lat = Transformer.from_crs(4547, 4326, always_xy=True).transform(
        frame.easting, frame.northing
    )
    e, n = Transformer.from_crs(4326, 4547, always_xy=True).transform(lon, lat + 0.001)
    x, y = frame.to_model(np.array([e]), np.array([n]))
    norm = math.hypot(x[0], y[0])
    north = (round(float(x[0]) / norm, 9), round(float(y[0]) / norm, 9))
    return GeographicOrigin(float(lon), float(lat), north)


def _check(n_buildings: int, seed: int) -> None:
    if isinstance(n_buildings, bool) or not isinstance(n_buildings, int):
        raise InvalidInputError("n_buildings must be an integer")
    if not 1 <= n_buildings <= _MAX_BUILDINGS:
        raise InvalidInputError(f"n_buildings must be between 1 and {_MAX_BUILDINGS}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError("seed must be a non-negative integer")


def _holds(r: Rect, point: tuple[float, float]) -> bool:
    return r.x0 <= point[0] < r.x1 and r.y0 <= point[1] < r.y1


def _reserved_block(plan: CityPlan) -> Block:
    for block in plan.blocks():
        if _holds(block.rect, RESERVED_POINT):
            return block
    raise InvalidInputError("the demo city of this seed has no vacant parcel")


def _footprint(lot: Rect) -> Rect:
    """A slab on the north side of the buildable area (the south is left to gardens and sun)."""
    room = lot.inset(SETBACK_M)
    length = min(FOOTPRINT_LENGTH_M, room.w)
    depth = min(FOOTPRINT_DEPTH_M, room.h)
    if min(length, depth) < _MIN_SIDE_M:
        raise InvalidInputError("the vacant parcel of this seed is too small for the proposal")
    x0 = round(room.x0 + (room.w - length) / 2, 3)
    y1 = round(room.y1, 3)
    return Rect(x0, y1 - depth, x0 + length, y1)


def _projected(plan: CityPlan, r: Rect) -> shapely.Polygon:
    corners = np.array([(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1)], dtype=np.float64)
    return shapely.Polygon(plan.to_projected(corners))


#: wall thicknesses (m): exterior walls and the shear walls between flats and core
EXTERIOR_WALL_M = 0.2
INTERIOR_WALL_M = 0.2
_CORE_M = 6.0  # width of the core (stairs and lifts) between wall centre lines
#: width, height and sill (m) of each window / door type, named the Chinese way (C: 窗, M: 门)
OPENING_SIZES: dict[str, tuple[float, float, float]] = {
    "C1815": (1.8, 1.5, 0.9),
    "C3024": (3.0, 2.4, 0.3),
    "M1824": (1.8, 2.4, 0.0),
}


@dataclass(frozen=True)
class Wall:
    key: str  # "S", "E", "N", "W" (exterior) or "P1".. (party / core walls)
    start: tuple[float, float]
    direction: tuple[float, float]  # a unit vector along a frame axis
    length: float
    thickness: float  # the wall is the band of this width on the left of its direction
    external: bool


@dataclass(frozen=True)
class Opening:
    key: str
    wall: str  # key of the wall it is cut in
    along: float  # where it starts along its wall (m from the wall's start)
    kind: str  # a key of OPENING_SIZES


@dataclass(frozen=True)
class Room:
    key: str  # "A".."D", "K" (core), "S1", "S2", "L" (lobby)
    long_name: str
    use: str  # 住宅 or 商业
    net: tuple[float, float, float, float]  # x0, y0, x1, y1 between wall faces
    gross: tuple[float, float, float, float]  # to the outer face / centre line of walls


@dataclass(frozen=True)
class FloorPlan:
    walls: tuple[Wall, ...]
    rooms: tuple[Room, ...]
    openings: tuple[Opening, ...]


def floor_plan(length: float, depth: float, *, ground: bool) -> FloorPlan:
    """One storey of a ``length`` x ``depth`` metre slab (ground floor or a typical floor)."""
    te, ti = EXTERIOR_WALL_M, INTERIOR_WALL_M
    flat = (length - _CORE_M) / 4
    if ground:
        cuts = [2 * flat, 2 * flat + _CORE_M]
        spec = [("S1", "商铺 1", "商业"), ("L", "住宅门厅", "住宅"), ("S2", "商铺 2", "商业")]
    else:
        cuts = [flat, 2 * flat, 2 * flat + _CORE_M, 3 * flat + _CORE_M]
        spec = [("A", "住宅套型 A", "住宅"), ("B", "住宅套型 B", "住宅"), ("K", "核心筒", "住宅")]
        spec += [("C", "住宅套型 C", "住宅"), ("D", "住宅套型 D", "住宅")]
    walls = [
        Wall("S", (0.0, 0.0), (1.0, 0.0), length, te, True),
        Wall("E", (length, te), (0.0, 1.0), depth - 2 * te, te, True),
        Wall("N", (length, depth), (-1.0, 0.0), length, te, True),
        Wall("W", (0.0, depth - te), (0.0, -1.0), depth - 2 * te, te, True),
    ]
    walls += [
        Wall(f"P{i + 1}", (c + ti / 2, te), (0.0, 1.0), depth - 2 * te, ti, False)
        for i, c in enumerate(cuts)
    ]
    edges = [0.0, *cuts, length]
    rooms: list[Room] = []
    openings: list[Opening] = []
    for i, (key, long_name, use) in enumerate(spec):
        x0, x1 = edges[i], edges[i + 1]
        net_x0 = te if i == 0 else x0 + ti / 2
        net_x1 = length - te if i == len(spec) - 1 else x1 - ti / 2
        rooms.append(
            Room(key, long_name, use, (net_x0, te, net_x1, depth - te), (x0, 0, x1, depth))
        )
        openings += _room_openings(key, x0, x1, length, ground)
    for side in ("E", "W"):
        kind = "C3024" if ground else "C1815"
        openings.append(Opening(side, side, depth / 2 - te - OPENING_SIZES[kind][0] / 2, kind))
    return FloorPlan(tuple(walls), tuple(rooms), tuple(openings))


def _room_openings(key: str, x0: float, x1: float, length: float, ground: bool) -> list[Opening]:
    """Windows and doors of one room in the south (``S``) and north (``N``) walls."""
    south: list[tuple[float, str]]
    north: list[tuple[float, str]]
    if key == "L":  # the residents' entrance from the north
        south, north = [], [(0.5, "M1824")]
    elif ground:  # shop fronts and shop doors on the south
        south, north = [(0.2, "C3024"), (0.5, "M1824"), (0.8, "C3024")], []
    elif key == "K":  # the stair window
        south, north = [], [(0.5, "C1815")]
    else:  # living room and bedroom to the south, kitchen to the north
        south, north = [(0.27, "C1815"), (0.73, "C1815")], [(0.5, "C1815")]
    out: list[Opening] = []
    for wall, where in (("S", south), ("N", north)):
        for j, (t, kind) in enumerate(where):
            centre = x0 + t * (x1 - x0)
            along = centre if wall == "S" else length - centre
            out.append(
                Opening(f"{key}{wall}{j + 1}", wall, along - OPENING_SIZES[kind][0] / 2, kind)
            )
    return out
