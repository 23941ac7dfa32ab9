"""``twin ingest terrain DEM.tif --layer NAME ...``: a GeoTIFF DEM -> terrain mesh 3D Tiles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.settings import Settings

if TYPE_CHECKING:  # rasterio and the pipeline load when the command runs
    from twin.pipeline.publish_terrain import TerrainPublishResult


def register_kind(kinds: Any) -> None:
    p = kinds.add_parser(
        "terrain", help="a GeoTIFF DEM (any CRS, nodata -> holes) -> terrain mesh 3D Tiles"
    )
    p.add_argument("path", type=Path, help="GeoTIFF DEM (band 1 = heights in metres)")
    p.add_argument("--layer", required=True)
    p.add_argument("--title")
    p.add_argument("--crs", help="CRS of the DEM (required when the file has none)")
    p.add_argument(
        "--vertical-offset",
        type=float,
        default=0.0,
        metavar="M",
        help="metres added to every height (heights are taken as ellipsoidal: no geoid)",
    )
    p.add_argument("--tile-cells", type=int, default=128, help="cells per tile side (default 128)")
    p.add_argument("--threads", type=int, help="tiling threads (default: every core)")
    p.add_argument("--report", type=Path, help="write the publish result as JSON here")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from twin.cli.publishing import backends, write_report
    from twin.pipeline.publish_terrain import publish_terrain
    from twin.readers.dem import read_dem

    dem = read_dem(args.path, crs_text=args.crs, vertical_offset=args.vertical_offset)
    with backends(settings) as (store, catalog):
        result = publish_terrain(
            dem,
            layer=args.layer,
            store=store,
            catalog=catalog,
            title=args.title,
            tile_cells=args.tile_cells,
            threads=args.threads,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    write_report(args.report, result)
    print(summary(result))
    return 0


def summary(result: TerrainPublishResult) -> str:
    errors = ", ".join(f"{e:.2f}" for e in result.max_error_by_level)
    return (
        f"layer {result.layer} v{result.version}: terrain, {result.levels} levels, "
        f"{result.tile_count} tiles (max error per level m: {errors}), "
        f"{result.stored_bytes} bytes stored, {result.seconds:.1f} s"
    )
