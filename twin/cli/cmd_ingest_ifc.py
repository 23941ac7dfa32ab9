"""``twin ingest ifc FILE --layer NAME ...``: a BIM submission -> element 3D Tiles + catalog."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.errors import IngestError, InvalidInputError
from twin.settings import Settings

if TYPE_CHECKING:  # ifcopenshell and the pipeline load when the command runs
    from twin.pipeline.publish_ifc import IfcPublishResult, IfcSubmission


def register_kind(kinds: Any) -> None:
    p = kinds.add_parser(
        "ifc", help="an IFC model (IFC2X3/IFC4/IFC4X3) -> element 3D Tiles with full semantics"
    )
    p.add_argument("path", type=Path, help=".ifc or .ifczip")
    p.add_argument("--layer", required=True)
    p.add_argument("--title")
    p.add_argument("--crs", help="CRS of the model's map conversion (overrides the file's)")
    p.add_argument(
        "--origin",
        type=parse_origin,
        help="LON,LAT,H: place the model origin here (overrides the file's georeference)",
    )
    p.add_argument(
        "--rotation", type=float, help="degrees clockwise from north of the model's +Y axis"
    )
    p.add_argument("--threads", type=int, help="geometry threads (default: every core)")
    p.add_argument("--report", type=Path, help="write the ingest report as JSON here")
    p.add_argument("--strict", action="store_true", help="fail if any element's geometry fails")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def parse_origin(text: str) -> tuple[float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError("--origin wants LON,LAT,H in degrees and metres") from None
    if len(values) == 2:
        values.append(0.0)
    if len(values) != 3:
        raise argparse.ArgumentTypeError("--origin wants LON,LAT,H in degrees and metres")
    lon, lat, h = values
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and abs(h) < 10_000):
        raise argparse.ArgumentTypeError("--origin is out of range (lon, lat in degrees, h in m)")
    return lon, lat, h


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bim_ingest.georef import GeoOverride
    from twin.cli.publishing import publish_ifc_file, write_report

    if args.rotation is not None and args.origin is None:
        raise InvalidInputError("--rotation goes with --origin")
    bim = settings.bim
    if args.threads:
        bim = bim.model_copy(update={"geometry_threads": args.threads})
    override = GeoOverride(origin=args.origin, rotation_deg=args.rotation, crs=args.crs)

    def inspect(sub: IfcSubmission) -> None:
        for warning in sub.georef.warnings:
            print(f"warning   georeference: {warning}", file=sys.stderr)
        for failure in sub.geometry.failures:
            print(
                f"failed    {failure.ifc_class} {failure.global_id}: {failure.message}",
                file=sys.stderr,
            )
        if sub.geometry.failures and args.strict:
            raise IngestError(f"{len(sub.geometry.failures)} elements have no geometry (--strict)")

    result = publish_ifc_file(
        args.path,
        settings,
        layer=args.layer,
        title=args.title,
        bim=bim,
        override=override,
        progress=not args.no_progress and sys.stderr.isatty(),
        inspect=inspect,
    )
    write_report(args.report, result)
    print(summary(result))
    return 0


def summary(result: IfcPublishResult) -> str:
    geo = result.report.georeference
    return (
        f"layer {result.layer} v{result.version}: {result.element_count} elements "
        f"({len(result.report.failures)} without geometry), {result.feature_count} features, "
        f"{result.tile_count} tiles, {result.stored_bytes} bytes stored, "
        f"placed by {geo.get('source')} ({geo.get('crs')}), {result.seconds:.1f} s"
    )
