"""Small footprint sources in several CRSs for reader and pipeline tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

#: a custom city grid: transverse Mercator on CGCS2000's ellipsoid with local false origin
CITY_GRID_WKT = CRS.from_proj4(
    "+proj=tmerc +lat_0=22.5 +lon_0=114.05 +k=1 +x_0=50000 +y_0=30000 "
    "+ellps=GRS80 +units=m +no_defs"
).to_wkt()

CENTRE_LONLAT = (114.055, 22.541)  # Futian, Shenzhen


def local_squares(n: int = 12, size: float = 20.0, spacing: float = 40.0) -> list[shapely.Polygon]:
    out = []
    for i in range(n):
        x, y = (i % 4) * spacing, (i // 4) * spacing
        out.append(shapely.box(x, y, x + size, y + size))
    return out


def sample_frame(crs: str | CRS, n: int = 12) -> gpd.GeoDataFrame:
    """n footprints around Futian expressed in ``crs``; #0 has a courtyard, #1 is a MultiPolygon."""
    target = CRS.from_user_input(crs)
    to_target = Transformer.from_crs(4326, target, always_xy=True)
    ex, ny = to_target.transform(*CENTRE_LONLAT)
    geoms = local_squares(n)
    geoms[0] = shapely.Polygon(
        shapely.get_coordinates(geoms[0].exterior), [[(5, 5), (5, 15), (15, 15), (15, 5)]]
    )
    geoms[1] = shapely.MultiPolygon([geoms[1], shapely.box(40, 25, 50, 35)])
    if target.is_geographic:
        to_geo = Transformer.from_crs(4547, target, always_xy=True)
        ox, oy = Transformer.from_crs(4326, 4547, always_xy=True).transform(*CENTRE_LONLAT)
        geoms = [
            shapely.transform(
                shapely.affinity.translate(g, ox, oy),
                lambda c: np.column_stack(to_geo.transform(c[:, 0], c[:, 1])),
            )
            for g in geoms
        ]
    else:
        geoms = [shapely.affinity.translate(g, ex, ny) for g in geoms]
    return gpd.GeoDataFrame(
        {
            "bid": [f"B{i:03d}" for i in range(n)],
            "height": [10.0 + i for i in range(n)],
            "floors": [3 + i % 5 for i in range(n)],
            "use": ["住宅" if i % 2 else "商业" for i in range(n)],
        },
        geometry=geoms,
        crs=target,
    )
