"""The demo city's main streets as centre lines in EPSG:4547 (for street furniture)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from twin.demo.plan import CityPlan, StreetLine, make_plan
from twin.demo.terrain import to_local

#: how far past the last building a street is furnished
_MARGIN_M = 20.0


def main_street_lines(
    city: gpd.GeoDataFrame, seed: int
) -> list[tuple[shapely.LineString, StreetLine]]:
    """The main axes and the arterials nearest the centre, as far as the city's buildings go."""
    plan: CityPlan = make_plan(seed, 4000.0, 3000.0)  # streets near the centre: extent-stable
    cx, cy = shapely.get_coordinates(city.geometry.centroid).T
    u, v = to_local(cx, cy, plan.origin)
    uv = np.column_stack([u, v])
    out: list[tuple[shapely.LineString, StreetLine]] = []
    for axis, lines in ((0, plan.u_lines), (1, plan.v_lines)):
        pos = [s for s in lines if s.arterial and s.centre > 0]
        neg = [s for s in lines if s.arterial and s.centre < 0]
        for line in [s for s in lines if s.index == 0] + pos[:1] + neg[-1:]:
            near = np.abs(uv[:, axis] - line.centre) < line.width / 2 + 60.0
            if not near.any():
                continue
            lo = float(uv[near, 1 - axis].min()) - _MARGIN_M
            hi = float(uv[near, 1 - axis].max()) + _MARGIN_M
            ends = np.array([[line.centre, lo], [line.centre, hi]])
            if axis == 1:
                ends = ends[:, ::-1]
            out.append((shapely.LineString(plan.to_projected(ends)), line))
    return out
