"""``twin ingest buildings PATH --layer NAME ...``"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.cli import (
    cmd_ingest_citymodel,
    cmd_ingest_ifc,
    cmd_ingest_pointcloud,
    cmd_ingest_streets,
    cmd_ingest_terrain,
)
from twin.errors import IngestError
from twin.settings import Settings, TilingSettings

if TYPE_CHECKING:  # the pipeline (Dask, GDAL) is imported when a command runs, not to parse
    from twin.pipeline.executor import TileCluster
    from twin.readers.footprints import FootprintSet


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="ingest city data into a layer")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    b = kinds.add_parser("buildings", help="2D footprints with heights -> LOD1 3D Tiles")
    b.add_argument("path", type=Path)
    b.add_argument("--layer", required=True)
    b.add_argument("--title")
    h = b.add_mutually_exclusive_group(required=True)
    h.add_argument("--height-field", help="attribute with the building height in metres")
    h.add_argument("--floors-field", help="attribute with the number of floors")
    h.add_argument("--height", type=float, help="one height in metres for every building")
    b.add_argument("--storey-height", type=float, default=3.0, help="metres per floor (3.0)")
    b.add_argument("--base-height-field", help="attribute with the base height in metres")
    b.add_argument("--id-field", help="attribute with a stable id (default: the source FID)")
    b.add_argument("--parent-field", help="attribute with the source id of a parent feature")
    b.add_argument("--crs", help="source CRS: EPSG code, WKT, PROJ string or .prj/.wkt file")
    b.add_argument("--terrain", help="terrain layer to stand the buildings on (clamps each base)")
    b.add_argument("--source-layer", help="layer inside a multi-layer source (GeoPackage)")
    b.add_argument("--scheduler", help="address of an existing Dask scheduler")
    b.add_argument("--workers", type=int, help="local worker processes (pool or Dask)")
    b.add_argument("--report", type=Path, help="write the per-feature report as JSON here")
    b.add_argument("--strict", action="store_true", help="fail if any feature is rejected")
    b.add_argument("--no-progress", action="store_true")
    b.set_defaults(handler=run)
    cmd_ingest_ifc.register_kind(kinds)
    cmd_ingest_streets.register_kind(kinds)
    cmd_ingest_citymodel.register_kind(kinds)
    cmd_ingest_terrain.register_kind(kinds)
    cmd_ingest_pointcloud.register_kind(kinds)


def load(args: argparse.Namespace) -> FootprintSet:
    from twin.readers.footprints import HeightRule, load_footprints, read_vector

    frame = read_vector(args.path, args.source_layer)
    rule = HeightRule(
        field=args.height_field,
        floors_field=args.floors_field,
        storey_height=args.storey_height,
        constant=args.height,
        base_field=args.base_height_field,
    )
    return load_footprints(
        frame,
        layer=args.layer,
        rule=rule,
        id_field=args.id_field,
        parent_field=args.parent_field,
        crs_text=args.crs,
        source=args.path.name,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from twin.pipeline.executor import TileCluster

    tiling = settings.tiling.model_copy(
        update={
            k: v for k, v in {"scheduler": args.scheduler, "n_workers": args.workers}.items() if v
        }
    )
    from twin.readers.footprints import count_features

    with TileCluster(tiling) as cluster:
        # Dask only for big layers (or a given scheduler): then its workers boot while the
        # input is read; a source whose size is not in its metadata decides after reading
        if tiling.runs_on_dask(count_features(args.path, args.source_layer) or 0):
            cluster.start()
        return ingest(args, settings, tiling, cluster)


def ingest(
    args: argparse.Namespace, settings: Settings, tiling: TilingSettings, cluster: TileCluster
) -> int:
    from twin.cli.publishing import publish_with_settings

    fps = load(args)
    if args.terrain:
        fps = _clamp(fps, args.terrain, settings)
    report = fps.report
    assert report is not None
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    for issue in report.repaired:
        print(f"repaired  #{issue.index} id={issue.source_id}: {issue.message}", file=sys.stderr)
    for issue in report.rejected:
        print(
            f"rejected  #{issue.index} id={issue.source_id}: [{issue.code}] {issue.message}",
            file=sys.stderr,
        )
    if report.rejected and args.strict:
        raise IngestError(f"{len(report.rejected)} of {report.total} features rejected (--strict)")
    result = publish_with_settings(
        fps,
        settings,
        tiling=tiling,
        cluster=cluster,
        title=args.title,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    print(
        f"layer {result.layer} v{result.version}: {result.feature_count} buildings "
        f"({len(report.rejected)} rejected, {len(report.repaired)} repaired) in "
        f"{result.tile_count} tiles, {result.stored_bytes} bytes stored, {result.seconds:.1f} s"
    )
    return 0


def _clamp(fps: FootprintSet, terrain: str, settings: Settings) -> FootprintSet:
    """Stand every building on the terrain layer: base = lowest ground under it."""
    from storage.factory import open_catalog, open_object_store
    from twin.terrain_height import TerrainHeight, clamp_footprints

    catalog = open_catalog(settings)
    try:
        heights = TerrainHeight.load(open_object_store(settings), catalog, terrain)
    finally:
        catalog.close()
    clamp = clamp_footprints(fps, heights)
    if clamp.outside:
        print(
            f"warning   {clamp.outside} of {len(fps)} buildings are outside terrain "
            f"{terrain}: base kept",
            file=sys.stderr,
        )
    return clamp.footprints
