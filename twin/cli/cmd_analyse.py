"""``twin analyse sightline|corridor|sunlight|svf|skyline|streets``: the analyses of
``/api/analysis`` on the command line, against the published layers of the data directory.

Each prints a short report (zh-CN by default, ``--lang en``) or, with ``--json``, exactly
what the API answers. Points are ``LON,LAT,H`` (H above the ellipsoid, as in the tiles;
with ``--above-ground`` every H is metres above the terrain).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from twin.analysis import report_text
from twin.analysis.service import AnalysisService
from twin.cli.publishing import backends
from twin.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("analyse", help="sightlines, view corridors, sunlight and sky view")
    kinds = p.add_subparsers(dest="analysis", required=True, metavar="ANALYSIS")
    s = kinds.add_parser("sightline", help="is one point visible from another")
    s.add_argument("--from", dest="start", type=point_arg, required=True, metavar="LON,LAT,H")
    s.add_argument("--to", dest="end", type=point_arg, required=True, metavar="LON,LAT,H")
    _common(s)
    s.set_defaults(handler=run, build=_sightline_body, method="sightline")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layers", type=_names, help="layers to trace against (comma-separated)")
    p.add_argument("--add", type=_names, default=[], help="scenario: layers added")
    p.add_argument("--remove", type=_names, default=[], help="scenario: feature ids removed")
    p.add_argument("--compare", action="store_true", help="before and after side by side")
    p.add_argument("--above-ground", action="store_true", help="point heights above the terrain")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--lang", choices=["zh-CN", "en"], default="zh-CN")


def point_arg(text: str) -> list[float]:
    parts = text.split(",")
    try:
        values = [float(v) for v in parts]
    except ValueError:
        values = []
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"{text!r}: a point is LON,LAT,H (three numbers)")
    return values


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one name")
    return names


def wire_point(args: argparse.Namespace, p: list[float]) -> Any:
    if args.above_ground:
        return {"lon": p[0], "lat": p[1], "h_above_ground": p[2]}
    return p


def _scope(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.layers:
        out["layers"] = args.layers
    if args.add or args.remove or args.compare:
        out["scenario"] = {"add": args.add, "remove": args.remove, "compare": args.compare}
    return out


def _sightline_body(args: argparse.Namespace) -> dict[str, Any]:
    return {"from": wire_point(args, args.start), "to": wire_point(args, args.end), **_scope(args)}


def run(args: argparse.Namespace, settings: Settings) -> int:
    body = args.build(args)
    with backends(settings) as (store, catalog):
        service = AnalysisService.for_city(store, catalog)
        result = getattr(service, args.method)(body)
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(report_text.render(args.method, result, args.lang))
    return 0
