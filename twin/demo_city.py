"""A synthetic, deterministic demo city in Shenzhen's Futian and Luohu districts.

``generate_demo_city`` builds a few thousand building footprints with heights
and Chinese attributes from code alone (no downloads): a street grid rotated
12 degrees from north with arterials and local streets, a diagonal avenue, a
river with its park (the district boundary here), blocks cut into parcels and
buildings laid out per parcel by use (slab towers, courtyard blocks, villages-
in-city, podiums with towers, offices, L/U shaped schools and hospitals, sheds).

The same ``(n_buildings, seed)`` always gives the same frame. Coordinates are
CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547). The city grows outwards
from the Futian CBD; up to about 8,000 buildings it stays inside 114.03-114.10E,
22.52-22.56N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from twin.demo import names
from twin.demo.plan import ASPECT, CRS_EPSG, Block, CityPlan, community_of, make_plan
from twin.demo.zoning import character, footprints, make_parcel, parcel_name, subdivide
from twin.errors import InvalidInputError

__all__ = [
    "COLUMNS",
    "MAX_BUILDINGS",
    "demo_city_open_space",
    "generate_demo_city",
    "write_demo_city",
]

MAX_BUILDINGS = 500_000
COLUMNS = (
    "id",
    "name",
    "use",
    "floors",
    "height",
    "year_built",
    "district",
    "community",
    "renewal_status",
    "parent_id",
    "parcel_id",
)
#: buildings per square kilometre assumed when sizing the plan (below the real density)
_DENSITY_GUESS = 300.0


@dataclass
class _Rows:
    """Column-wise accumulator of buildings in the local frame (private to this module)."""

    geoms: list[shapely.Geometry] = field(default_factory=list)
    name: list[str | None] = field(default_factory=list)
    use: list[str] = field(default_factory=list)
    floors: list[int] = field(default_factory=list)
    height: list[float] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    renewal: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    parcel: list[int] = field(default_factory=list)
    superblock: list[tuple[int, int]] = field(default_factory=list)
    parcels: int = 0

    def __len__(self) -> int:
        return len(self.geoms)


def _add_block(plan: CityPlan, block: Block, rows: _Rows) -> None:
    seed = plan.seed
    rng = np.random.default_rng([seed, 1, block.key[0] + 100_000, block.key[1] + 100_000])
    char = character(seed, block.superblock)
    for lot in subdivide(rng, block.rect):
        district = plan.district_at((lot.x0 + lot.x1) / 2, (lot.y0 + lot.y1) / 2)
        parcel = make_parcel(rng, lot, char, district, block.superblock)
        prints = footprints(rng, parcel, parcel_name(rng, parcel, char))
        if not prints:
            continue
        blocked = shapely.intersects(plan.open_space, [f.geometry for f in prints])
        kept: dict[int, int] = {}
        storey = names.STOREY_HEIGHT[parcel.use]
        for k, fp in enumerate(prints):
            noise = float(rng.uniform(-0.3, 0.3))
            if blocked[k] or (fp.parent >= 0 and fp.parent not in kept):
                continue
            kept[k] = len(rows)
            rows.geoms.append(fp.geometry)
            rows.name.append(fp.name)
            rows.use.append(parcel.use)
            rows.floors.append(fp.floors)
            rows.height.append(round(fp.floors * storey + noise, 1))
            rows.year.append(min(2024, parcel.year + int(rng.integers(0, 3))))
            rows.renewal.append(parcel.renewal)
            rows.parent.append(kept[fp.parent] if fp.parent >= 0 else -1)
            rows.parcel.append(rows.parcels)
            rows.superblock.append(block.superblock)
        rows.parcels += 1


def _collect(plan: CityPlan, n_buildings: int) -> _Rows | None:
    rows = _Rows()
    for block in plan.blocks():
        _add_block(plan, block, rows)
        if len(rows) >= n_buildings:
            return rows
    return None


def _frame(plan: CityPlan, rows: _Rows, n: int) -> gpd.GeoDataFrame:
    local = np.array(rows.geoms[:n], dtype=object)
    centres = shapely.get_coordinates(shapely.centroid(local))
    districts = plan.districts(centres[:, 0], centres[:, 1])
    geoms = shapely.orient_polygons(shapely.transform(local, plan.to_projected))
    data = {
        "id": [f"B{i + 1:06d}" for i in range(n)],
        "name": rows.name[:n],
        "use": rows.use[:n],
        "floors": np.array(rows.floors[:n], dtype=np.int64),
        "height": np.array(rows.height[:n], dtype=np.float64),
        "year_built": np.array(rows.year[:n], dtype=np.int64),
        "district": districts,
        "community": [community_of(d, s) for d, s in zip(districts, rows.superblock, strict=False)],
        "renewal_status": rows.renewal[:n],
        "parent_id": [f"B{p + 1:06d}" if p >= 0 else None for p in rows.parent[:n]],
        "parcel_id": [f"P{p + 1:05d}" for p in rows.parcel[:n]],
    }
    return gpd.GeoDataFrame(data, geometry=geoms, crs=f"EPSG:{CRS_EPSG}")


def generate_demo_city(n_buildings: int = 6000, seed: int = 20261121) -> gpd.GeoDataFrame:
    """Exactly ``n_buildings`` buildings of a synthetic Futian/Luohu city (EPSG:4547).

    Columns: ``COLUMNS`` plus ``geometry`` (Polygon or MultiPolygon). A tower
    standing on a podium has the podium's id as ``parent_id``; buildings of
    different parcels never overlap.
    """
    _check(n_buildings, seed)
    plan, rows = _build(n_buildings, seed)
    return _frame(plan, rows, n_buildings)


def demo_city_open_space(n_buildings: int = 6000, seed: int = 20261121) -> shapely.Geometry:
    """The river, its park and the diagonal avenue of that demo city (EPSG:4547): no buildings."""
    _check(n_buildings, seed)
    plan, _ = _build(n_buildings, seed)
    return shapely.transform(plan.open_space, plan.to_projected)


def _check(n_buildings: int, seed: int) -> None:
    if isinstance(n_buildings, bool) or not isinstance(n_buildings, int):
        raise InvalidInputError("n_buildings must be an integer")
    if not 1 <= n_buildings <= MAX_BUILDINGS:
        raise InvalidInputError(f"n_buildings must be between 1 and {MAX_BUILDINGS}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError("seed must be a non-negative integer")


def _build(n_buildings: int, seed: int) -> tuple[CityPlan, _Rows]:
    half_v = math.sqrt(n_buildings / _DENSITY_GUESS / (math.pi * ASPECT)) * 1000.0 + 400.0
    while True:
        plan = make_plan(seed, ASPECT * half_v, half_v)
        rows = _collect(plan, n_buildings)
        if rows is not None:
            return plan, rows
        half_v *= 1.5


def write_demo_city(path: Path, n_buildings: int = 6000, seed: int = 20261121) -> Path:
    """Write the demo city to a GeoPackage at ``path`` (layer "buildings"), replacing it."""
    city = generate_demo_city(n_buildings, seed)
    try:
        path.unlink(missing_ok=True)
        pyogrio.write_dataframe(city, path, layer="buildings", driver="GPKG")
    except (OSError, pyogrio.errors.DataSourceError) as exc:
        raise InvalidInputError("the demo city could not be written to the given path") from exc
    return path
