"""``twin review MODEL.ifc --rules RULES.yaml ...``: check a BIM submission digitally.

Prints the report (zh-CN by default, ``--lang en``; ``--json`` for machines) and exits 0
whether the model passes or fails; 2 when an input cannot be read, with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from twin.cli.cmd_ingest_ifc import parse_origin
from twin.errors import InvalidInputError
from twin.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("review", help="check a BIM submission against planning conditions and IDS")
    p.add_argument("path", type=Path, help=".ifc or .ifczip")
    p.add_argument("--rules", type=Path, required=True, help="ruleset YAML (planning conditions)")
    p.add_argument("--site-area", type=_positive, metavar="M2", help="site area in m²")
    p.add_argument("--red-line", type=Path, help="GeoJSON polygon of the parcel's red line")
    p.add_argument("--ids", type=Path, help="an IDS 1.0 file of information requirements")
    p.add_argument("--bcf", type=Path, metavar="OUT.bcfzip", help="write failures as BCF 3.0")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--lang", choices=["zh-CN", "en"], default="zh-CN")
    p.add_argument("--author", default="twin", help="author of the BCF topics")
    p.add_argument("--crs", help="CRS of the model's map conversion (for the red line)")
    p.add_argument("--origin", type=parse_origin, help="LON,LAT,H of the model origin")
    p.add_argument("--rotation", type=float, help="degrees clockwise from north of model +Y")
    p.set_defaults(handler=run)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("--site-area wants a number of square metres") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("--site-area must be a positive number of m²")
    return value


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bim_ingest.georef import GeoOverride
    from bim_ingest.open_ifc import open_ifc
    from bim_ingest.review.report_json import report_json
    from bim_ingest.review.report_text import render_text
    from bim_ingest.review.review_issues import export_review_bcf
    from bim_ingest.review.review_model import ReviewInput, review_model
    from bim_ingest.review.ruleset import load_ruleset

    if args.bcf is not None and args.bcf.suffix.lower() != ".bcfzip":
        raise InvalidInputError("--bcf wants a .bcfzip file name")
    if args.bcf is not None and not args.bcf.parent.is_dir():
        raise InvalidInputError(f"--bcf: the folder {args.bcf.parent} does not exist")
    rules = load_ruleset(args.rules)
    model = open_ifc(args.path)
    override = None
    if args.origin is not None or args.crs is not None:
        override = GeoOverride(origin=args.origin, rotation_deg=args.rotation, crs=args.crs)
    given = ReviewInput(
        rules=rules,
        site_area_m2=args.site_area,
        red_line=args.red_line,
        ids=args.ids,
        override=override,
        fallback_origin=settings.bim.default_origin,
    )
    report = review_model(model, given, name=args.path.name)
    topics = None
    if args.bcf is not None:
        topics = export_review_bcf(model, report, args.bcf, author=args.author, lang=args.lang)
    if args.json:
        out = report_json(report)
        if topics is not None:
            out["bcf"] = {"path": str(args.bcf), "topics": topics}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report, args.lang))
        if topics is not None:
            sys.stdout.write(f"BCF: {args.bcf} ({topics} topics)\n")
    return 0
