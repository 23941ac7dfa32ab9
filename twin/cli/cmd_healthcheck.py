"""``twin healthcheck import|export|report|sweep|delete``: the city health check from the
command line.

``import FILE --kind indicators|problems|projects`` reads an XLSX, GeoJSON or GeoPackage
file (any error refuses the whole file: exit 2 with the rows and columns at fault) and
imports it in one transaction; ``export --what indicators|problems -o FILE.xlsx`` writes the
indicator table or the problem list; ``report -o FILE.pdf`` the printable report;
``sweep`` raises and clears the overdue and idle flags; ``delete problem|project ID``
removes one (its links go, the other ends stay; see ``storage.healthcheck.deletes``).
Changes are recorded as
``cli:<login>``, and reach open viewers as overlay events like any other change.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.errors import InvalidInputError
from twin.settings import Settings

if TYPE_CHECKING:
    import geopandas as gpd

    from storage.healthcheck.store import HealthStore

KINDS = ("indicators", "problems", "projects")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "healthcheck", help="city health check: import, export, report, sweep, delete"
    )
    ops = p.add_subparsers(dest="op", required=True, metavar="OP")
    imp = ops.add_parser("import", help="import indicators, problems or projects from a file")
    imp.add_argument("file", type=Path, help="an .xlsx, .geojson/.json or .gpkg file")
    imp.add_argument("--kind", required=True, choices=KINDS)
    imp.set_defaults(handler=run_import)
    exp = ops.add_parser("export", help="the indicator table or the problem list as XLSX")
    exp.add_argument("--what", required=True, choices=("indicators", "problems"))
    exp.add_argument("-o", "--output", required=True, type=Path, help="FILE.xlsx")
    exp.add_argument("--district", help="only this district (indicators: this area)")
    exp.add_argument("--year", type=int, help="indicators of this year only")
    exp.set_defaults(handler=run_export)
    rep = ops.add_parser("report", help="the printable report (PDF)")
    rep.add_argument("-o", "--output", required=True, type=Path, help="FILE.pdf")
    rep.add_argument("--district", help="a report of one district")
    rep.add_argument("--title", default="城市体检报告")
    rep.set_defaults(handler=run_report)
    sw = ops.add_parser("sweep", help="raise or clear the overdue and idle flags now")
    sw.add_argument("--json", action="store_true")
    sw.set_defaults(handler=run_sweep)
    de = ops.add_parser("delete", help="delete a problem or a renewal project")
    de.add_argument("kind", choices=("problem", "project"))
    de.add_argument("id", help="its id")
    de.add_argument("--note", default="", help="why (kept in its history)")
    de.set_defaults(handler=run_delete)


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"


@contextmanager
def health_store(settings: Settings) -> Iterator[HealthStore]:
    """The health-check store of the configured catalog and object store (migrated)."""
    from storage.healthcheck.store import HealthStore
    from twin.cli.publishing import backends
    from twin.healthcheck.clock import local_today
    from twin.healthcheck.stages import load_stages

    hc = settings.healthcheck
    with backends(settings) as (objects, catalog):
        yield HealthStore(
            catalog,
            objects,
            load_stages(hc.stages_file),
            local_today(hc.timezone),
            max_photo_mb=hc.max_photo_mb,
        )


def _write(path: Path, data: bytes, suffix: str) -> None:
    """``data`` to ``path`` in one step (a temporary file beside it, then renamed)."""
    if path.suffix.lower() != suffix:
        raise InvalidInputError(f"output: {path.name!r} should end in {suffix}")
    if not path.parent.is_dir():
        raise InvalidInputError(f"output: no folder {str(path.parent)!r}")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from twin.healthcheck.io_read import read_items

    path: Path = args.file
    if not path.is_file():
        raise InvalidInputError(f"{path.name}: no such file")
    with health_store(settings) as store:
        items = read_items(
            args.kind,
            path,
            store.stages,
            store.today(),
            max_bytes=settings.healthcheck.max_import_mb * 2**20,
        )
        store.import_batch(items.indicators, items.problems, items.projects, actor())
        swept = store.sweep()
    n = len(getattr(items, args.kind))
    print(f"imported {n} {args.kind} from {path.name}")
    if swept["raised"]:
        print(f"{len(swept['raised'])} overdue or idle flags raised")
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from twin.healthcheck.io_xlsx import write_indicators_xlsx, write_problems_xlsx

    with health_store(settings) as store:
        if args.what == "indicators":
            values = store.list_indicators(year=args.year, area=args.district)
            data, n = write_indicators_xlsx(values), len(values)
        else:
            problems = store.list_problems(district=args.district)
            data, n = write_problems_xlsx(problems, store.today()), len(problems)
    _write(args.output, data, ".xlsx")
    print(f"exported {n} {args.what} to {args.output}")
    return 0


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from twin.healthcheck.report_pdf import render_report_pdf

    with health_store(settings) as store:
        summary = store.summary(args.district)
        data = render_report_pdf(
            summary,
            store.list_indicators(),
            store.list_problems(),
            store.list_projects(),
            store.stages,
            title=args.title,
            district=args.district,
        )
    _write(args.output, data, ".pdf")
    t = summary["totals"]
    print(
        f"report as of {summary['as_of']} to {args.output}: {t['problems_open']} open problems "
        f"({t['problems_overdue']} overdue), {t['projects_active']} active projects "
        f"({t['projects_overdue']} overdue, {t['projects_idle']} idle)"
    )
    return 0


def run_sweep(args: argparse.Namespace, settings: Settings) -> int:
    with health_store(settings) as store:
        result = store.sweep()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"sweep as of {result['as_of']}: {len(result['raised'])} flags raised, "
            f"{len(result['cleared'])} cleared"
        )
        for change in result["raised"]:
            print(f"  {change['action']}: {change['kind']} {change['id']}")
    return 0


def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    with health_store(settings) as store:
        if args.kind == "problem":
            gone_problem = store.delete_problem(args.id, actor(), args.note)
            links = gone_problem.project_ids
        else:
            gone_project = store.delete_project(args.id, actor(), args.note)
            links = gone_project.problem_ids
    unlinked = f", unlinked from {', '.join(links)}" if links else ""
    print(f"deleted {args.kind} {args.id}{unlinked}")
    return 0


def load_demo(settings: Settings, city: gpd.GeoDataFrame, seed: int) -> None:
    """The demo city's health-check data (``twin demo``), imported like a file would be."""
    from twin.demo.healthcheck import demo_healthcheck

    with health_store(settings) as store:
        demo = demo_healthcheck(city, store.stages, store.today(), seed)
        store.import_batch(demo.indicators, demo.problems, demo.projects, "demo")
        store.sweep()
        t = store.summary()["totals"]
    print(
        f"demo health check: {len(demo.indicators)} indicator values, {len(demo.problems)} "
        f"problems ({t['problems_overdue']} overdue), {len(demo.projects)} projects "
        f"({t['projects_overdue']} overdue, {t['projects_idle']} idle)"
    )
