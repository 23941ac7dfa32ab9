"""``twin ingest streets PATH --layer NAME``: street furniture and road surfaces -> 3D Tiles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.settings import Settings

if TYPE_CHECKING:  # the pipeline loads when the command runs
    from twin.pipeline.publish_streets import StreetPublishResult


def register_kind(kinds: Any) -> None:
    p = kinds.add_parser(
        "streets",
        help="street objects (trees, lamps, signs, benches, bus stops, bins) as instanced "
        "models, and road polygons/lines as draped surfaces",
    )
    p.add_argument("path", type=Path, help="any vector file (GeoPackage, GeoJSON, ...)")
    p.add_argument("--layer", required=True)
    p.add_argument("--source-layer", help="layer inside a multi-layer source (GeoPackage)")
    p.add_argument("--title")
    p.add_argument("--crs", help="CRS of the source (overrides the file's)")
    p.add_argument("--terrain", help="terrain layer to drape road surfaces and stand objects on")
    p.add_argument("--type-field", default="type", help="attribute holding the type (type)")
    p.add_argument("--report", type=Path, help="write the ingest report as JSON here")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tiles.partition import PartitionLimits
    from twin.cli.publishing import backends, write_report
    from twin.pipeline.publish_streets import publish_streets
    from twin.readers.streets import read_streets

    streets = read_streets(
        args.path,
        layer=args.layer,
        crs=args.crs,
        type_field=args.type_field,
        source_layer=args.source_layer,
    )
    progress = not args.no_progress and sys.stderr.isatty()
    with backends(settings) as (store, catalog):
        heights = None
        if args.terrain:
            from twin.terrain_height import TerrainHeight

            heights = TerrainHeight.load(store, catalog, args.terrain).height_at
        result = publish_streets(
            streets,
            store=store,
            catalog=catalog,
            heights=heights,
            limits=PartitionLimits(
                settings.tiling.max_features_per_tile, settings.tiling.max_bytes_per_tile
            ),
            title=args.title,
            progress=progress,
        )
    if result.report:
        for issue in result.report.rejected:
            print(
                f"rejected  feature {issue.source_id}: {issue.message} [{issue.code}]",
                file=sys.stderr,
            )
    write_report(args.report, result)
    print(summary(result))
    return 0


def summary(result: StreetPublishResult) -> str:
    counts = result.report.counts if result.report else {}
    by_type = ", ".join(f"{n} {k}" for k, n in counts.items()) or "none"
    rejected = len(result.report.rejected) if result.report else 0
    return (
        f"layer {result.layer} v{result.version}: {result.object_count} objects ({by_type}), "
        f"{result.surface_count} surfaces, {rejected} rejected, {result.tile_count} tiles, "
        f"{result.stored_bytes} bytes stored, {result.seconds:.1f} s"
    )
