"""``twin layers [--json]``"""

from __future__ import annotations

import argparse
import json
from typing import Any

from storage.factory import open_catalog
from twin.domain import LayerRecord
from twin.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("layers", help="list layers")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=run)


def layer_json(layer: LayerRecord) -> dict[str, Any]:
    return {
        "id": layer.id,
        "kind": layer.kind,
        "title": layer.title,
        "crs": layer.crs,
        "version": layer.version,
        "feature_count": layer.feature_count,
        "bbox": list(layer.bbox) if layer.bbox else None,
        "zmin": layer.zmin,
        "zmax": layer.zmax,
        "tileset": layer.tileset_key,
        "attribute_schema": dict(layer.attribute_schema),
        "updated_at": layer.updated_at.isoformat() if layer.updated_at else None,
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        layers = catalog.list_layers()
    finally:
        catalog.close()
    if args.json:
        print(json.dumps([layer_json(x) for x in layers], ensure_ascii=False, indent=1))
        return 0
    if not layers:
        print("no layers")
    for x in layers:
        bbox = ", ".join(f"{v:.5f}" for v in x.bbox) if x.bbox else "-"
        print(f"{x.id:20} {x.kind:10} v{x.version or 0:<4} {x.feature_count:>9} features  [{bbox}]")
    return 0
