"""``twin ingest pointcloud FILE --layer NAME [--crs CRS]``: LAS/LAZ/COPC -> point 3D Tiles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from twin.settings import Settings


def register_kind(kinds: Any) -> None:
    p = kinds.add_parser("pointcloud", help="a LAS/LAZ/COPC point cloud -> octree point 3D Tiles")
    p.add_argument("path", type=Path, help=".las, .laz or .copc.laz")
    p.add_argument("--layer", required=True)
    p.add_argument("--title")
    p.add_argument(
        "--crs",
        help="source CRS (EPSG code, WKT, PROJ string, .prj): required without one in the file",
    )
    p.add_argument("--max-points", type=int, default=150_000, help="points per tile (150000)")
    p.add_argument("--report", type=Path, help="write the publish result as JSON here")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from tiles.pointcloud_tiles import OctreeLimits
    from twin.cli.publishing import backends, write_report
    from twin.errors import InvalidInputError
    from twin.naming import validate_layer_id
    from twin.pipeline.publish_pointcloud import publish_pointcloud
    from twin.readers.pointcloud import open_pointcloud, read_points

    validate_layer_id(args.layer)
    if args.max_points < 1000:
        raise InvalidInputError("--max-points must be at least 1000")
    progress = not args.no_progress and sys.stderr.isatty()
    head = open_pointcloud(args.path, args.crs)
    for warning in head.warnings:
        print(f"warning   crs: {warning}", file=sys.stderr)
    bar = tqdm(total=head.point_count, desc=f"read {head.label}", unit="pt", disable=not progress)

    def advance(done: int) -> None:
        bar.n = done
        bar.refresh()

    try:
        points = read_points(head, progress=advance)
    finally:
        bar.close()
    with backends(settings) as (store, catalog):
        result = publish_pointcloud(
            head,
            points,
            layer=args.layer,
            store=store,
            catalog=catalog,
            title=args.title,
            limits=OctreeLimits(max_points=args.max_points),
            progress=progress,
        )
    write_report(args.report, result)
    print(
        f"layer {result.layer} v{result.version}: {result.point_count} points in "
        f"{result.tile_count} tiles (depth {result.depth}), {result.stored_bytes} bytes stored, "
        f"CRS {result.crs if len(result.crs) < 60 else 'custom WKT'} ({result.crs_source}), "
        f"{result.seconds:.1f} s"
    )
    return 0
