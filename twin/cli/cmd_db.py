"""``twin db migrate``"""

from __future__ import annotations

import argparse
from typing import Any

from storage.factory import open_catalog
from twin.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("db", help="catalog database maintenance")
    ops = p.add_subparsers(dest="op", required=True, metavar="OP")
    m = ops.add_parser("migrate", help="apply pending catalog migrations (idempotent)")
    m.set_defaults(handler=run_migrate)


def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    catalog = open_catalog(settings)
    try:
        applied = catalog.migrate()
    finally:
        catalog.close()
    print("applied: " + ", ".join(applied) if applied else "catalog is up to date")
    return 0
