"""``twin export --layer NAME DIR``"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from storage.factory import open_catalog, open_object_store
from twin.pipeline.export_layer import export_layer
from twin.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write a layer's current tileset as plain files")
    p.add_argument("--layer", required=True)
    p.add_argument("dir", type=Path)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        result = export_layer(
            args.layer, args.dir, store=open_object_store(settings), catalog=catalog
        )
    finally:
        catalog.close()
    print(
        f"exported {result.layer} v{result.version}: {result.files} files, "
        f"{result.bytes} bytes -> {result.tileset}"
    )
    return 0
