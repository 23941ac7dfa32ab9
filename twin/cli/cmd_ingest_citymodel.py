"""``twin ingest citymodel PATH --layer NAME``: CityJSON / CityGML buildings -> 3D Tiles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.settings import Settings

if TYPE_CHECKING:  # the pipeline loads when the command runs
    from twin.pipeline.publish_citymodel import CityModelPublishResult


def register_kind(kinds: Any) -> None:
    p = kinds.add_parser(
        "citymodel",
        help="a 3D city model (CityJSON 1.1/2.0, CityJSONSeq, CityGML 2.0) -> building 3D Tiles",
    )
    p.add_argument("path", type=Path, help=".json (CityJSON), .jsonl (CityJSONSeq) or .gml")
    p.add_argument("--layer", required=True)
    p.add_argument("--title")
    p.add_argument("--crs", help="CRS of the coordinates (overrides the file's)")
    p.add_argument(
        "--lod",
        type=int,
        choices=(1, 2),
        default=2,
        help="the highest level of detail to use per building (default 2; lower if absent)",
    )
    p.add_argument("--report", type=Path, help="write the publish result as JSON here")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tiles.partition import PartitionLimits
    from twin.cli.publishing import backends, write_report
    from twin.pipeline.publish_citymodel import publish_citymodel, read_city_model

    progress = not args.no_progress and sys.stderr.isatty()
    model = read_city_model(args.path, lod=args.lod, crs=args.crs)
    with backends(settings) as (store, catalog):
        result = publish_citymodel(
            model,
            layer=args.layer,
            store=store,
            catalog=catalog,
            crs=args.crs,
            title=args.title,
            limits=PartitionLimits(
                settings.tiling.max_features_per_tile, settings.tiling.max_bytes_per_tile
            ),
            progress=progress,
        )
    for warning in result.warnings:
        print(f"warning   {warning}", file=sys.stderr)
    write_report(args.report, result)
    print(summary(result))
    return 0


def summary(result: CityModelPublishResult) -> str:
    return (
        f"layer {result.layer} v{result.version}: {result.format}, "
        f"{result.feature_count} buildings and parts ({result.tiled_count} with geometry), "
        f"{result.tile_count} tiles, {result.stored_bytes} bytes stored, {result.seconds:.1f} s"
    )
