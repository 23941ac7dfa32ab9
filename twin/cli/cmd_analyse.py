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
from pathlib import Path
from typing import Any

from twin.cli.publishing import backends
from twin.errors import InvalidInputError
from twin.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("analyse", help="sightlines, view corridors, sunlight and sky view")
    kinds = p.add_subparsers(dest="analysis", required=True, metavar="ANALYSIS")
    s = kinds.add_parser("sightline", help="is one point visible from another")
    s.add_argument("--from", dest="start", type=point_arg, required=True, metavar="LON,LAT,H")
    s.add_argument("--to", dest="end", type=point_arg, required=True, metavar="LON,LAT,H")
    _common(s)
    s.set_defaults(handler=run, build=_sightline_body, method="sightline")

    c = kinds.add_parser("corridor", help="protected view corridor (LVMF threshold plane)")
    c.add_argument("--viewpoint", type=point_arg, required=True, metavar="LON,LAT,H")
    c.add_argument(
        "--target",
        type=point_arg,
        action="append",
        required=True,
        metavar="LON,LAT,H",
        help="a landmark, or give left then right edges",
    )
    plane = c.add_mutually_exclusive_group(required=True)
    plane.add_argument("--plane", type=float, metavar="H", help="threshold height at the target")
    plane.add_argument("--clearance", type=float, metavar="M", help="metres below the sight line")
    c.add_argument("--eye-height", type=float, default=1.6)
    c.add_argument("--half-width", type=float, default=10.0, metavar="M")
    c.add_argument("--cell", type=float, default=2.0, metavar="M")
    c.add_argument(
        "--max-height", type=Path, metavar="OUT.tif", help="write the max-height surface"
    )
    _common(c)
    c.set_defaults(handler=run, build=_corridor_body, method="corridor")

    u = kinds.add_parser("sunlight", help="sunlight hours (日照) at points or on a building")
    where = u.add_mutually_exclusive_group(required=True)
    where.add_argument("--point", type=point_arg, action="append", metavar="LON,LAT,H")
    where.add_argument("--building", metavar="FEATURE_ID", help="sample this building's facades")
    u.add_argument("--date", help="YYYY-MM-DD (default: 大寒 of this year)")
    u.add_argument(
        "--window",
        type=_window,
        default=["08:00", "16:00"],
        metavar="HH:MM-HH:MM",
        help="true solar time (default 08:00-16:00)",
    )
    u.add_argument("--step", type=float, default=1.0, metavar="MIN", help="minutes per step")
    u.add_argument("--required-hours", type=float, default=2.0, metavar="H")
    u.add_argument("--spacing", type=float, default=3.0, metavar="M", help="facade sampling")
    _common(u)
    u.set_defaults(handler=run, build=_sunlight_body, method="sunlight")

    v = kinds.add_parser("svf", help="sky view factor at points")
    v.add_argument("--point", type=point_arg, action="append", required=True, metavar="LON,LAT,H")
    v.add_argument("--rays", type=int, default=2048)
    _common(v)
    v.set_defaults(handler=run, build=_svf_body, method="sky_view")

    k = kinds.add_parser("skyline", help="the visible share of a ridgeline, and its panorama")
    k.add_argument("--viewpoint", type=point_arg, required=True, metavar="LON,LAT,H")
    k.add_argument("--ridge", type=Path, help="GeoJSON LineString (or Feature) of the ridge")
    k.add_argument(
        "--azimuth",
        type=_pair,
        metavar="FROM,TO",
        help="degrees from north: derive the ridge from the terrain",
    )
    k.add_argument("--eye-height", type=float, default=1.6)
    k.add_argument("--panorama", type=Path, metavar="OUT.png", help="also write the panorama")
    _common(k)
    k.set_defaults(handler=run, build=_skyline_body, method="skyline")

    t = kinds.add_parser("streets", help="street height/width, sky view and green view")
    t.add_argument("streets", type=Path, help="GeoJSON FeatureCollection of centre lines")
    t.add_argument("--spacing", type=float, default=20.0, metavar="M")
    _common(t)
    t.set_defaults(handler=run, build=_streets_body, method="streets")


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


def _window(text: str) -> list[str]:
    start, sep, end = text.partition("-")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: a window is HH:MM-HH:MM")
    return [start.strip(), end.strip()]


def _pair(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 2:
        raise argparse.ArgumentTypeError(f"{text!r}: give two numbers FROM,TO")
    return values


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"{what}: cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInputError(f"{what}: {path} is not JSON") from None


def _corridor_body(args: argparse.Namespace) -> dict[str, Any]:
    if args.plane is not None:
        threshold: dict[str, Any] = {"kind": "plane", "target_height_m": args.plane}
    else:
        threshold = {"kind": "clearance", "metres": args.clearance}
    return {
        "viewpoint": wire_point(args, args.viewpoint),
        "targets": [wire_point(args, t) for t in args.target],
        "threshold": threshold,
        "eye_height_m": args.eye_height,
        "half_width_m": args.half_width,
        "cell_m": args.cell,
        **_scope(args),
    }


def _sunlight_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {
        "window": args.window,
        "step_min": args.step,
        "required_hours": args.required_hours,
        **_scope(args),
    }
    if args.date:
        body["date"] = args.date
    if args.building:
        body["building"] = args.building
        body["spacing_m"] = args.spacing
    else:
        body["points"] = [wire_point(args, p) for p in args.point]
    return body


def _svf_body(args: argparse.Namespace) -> dict[str, Any]:
    return {"points": [wire_point(args, p) for p in args.point], "rays": args.rays, **_scope(args)}


def _skyline_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {
        "viewpoint": wire_point(args, args.viewpoint),
        "eye_height_m": args.eye_height,
        **_scope(args),
    }
    if args.ridge is not None:
        ridge = _read_json(args.ridge, "--ridge")
        if isinstance(ridge, dict) and ridge.get("type") == "Feature":
            ridge = ridge.get("geometry")
        body["ridge"] = ridge
    if args.azimuth is not None:
        body["azimuth"] = args.azimuth
    return body


def _streets_body(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "streets": _read_json(args.streets, "streets"),
        "spacing_m": args.spacing,
        **_scope(args),
    }


def _sightline_body(args: argparse.Namespace) -> dict[str, Any]:
    return {"from": wire_point(args, args.start), "to": wire_point(args, args.end), **_scope(args)}


def run(args: argparse.Namespace, settings: Settings) -> int:
    # imported here: the ray engine and pvlib take seconds to load, and every twin command
    # would pay for them
    from twin.analysis import report_text
    from twin.analysis.run_corridor import max_height_tif
    from twin.analysis.service import AnalysisService

    body = args.build(args)
    with backends(settings) as (store, catalog):
        service = AnalysisService.for_city(store, catalog)
        result = getattr(service, args.method)(body)
        if getattr(args, "max_height", None) is not None:
            args.max_height.write_bytes(max_height_tif(service, [result["id"]]))
        if getattr(args, "panorama", None) is not None:
            args.panorama.write_bytes(service.panorama(body))
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(report_text.render(args.method, result, args.lang))
    return 0
