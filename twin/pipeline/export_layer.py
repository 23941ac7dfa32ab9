"""Export a layer's current tileset as plain files any 3D Tiles tool can read."""

from __future__ import annotations

import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.errors import InvalidInputError, NotFoundError
from twin.naming import version_prefix


@dataclass(frozen=True)
class ExportResult:
    layer: str
    version: int
    files: int
    bytes: int
    tileset: Path


def export_layer(layer: str, target: Path, *, store: ObjectStore, catalog: Catalog) -> ExportResult:
    record = catalog.get_layer(layer)
    if record.version is None:
        raise NotFoundError(f"layer {layer!r} has no published version yet")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInputError(f"export target {target} exists and is not an empty directory")
    prefix = version_prefix(layer, record.version)
    target.mkdir(parents=True, exist_ok=True)
    files = 0
    total = 0
    for info in store.list(prefix):
        relative = info.key[len(prefix) :]
        out = target.joinpath(*relative.split("/"))
        if target.resolve() not in out.resolve().parents:
            raise InvalidInputError(f"refusing to write outside the export directory: {relative}")
        out.parent.mkdir(parents=True, exist_ok=True)
        gz = info.content_encoding == "gzip"
        inflater = zlib.decompressobj(wbits=31) if gz else None
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as fh:
            for chunk in store.iter_chunks(info.key):
                data = inflater.decompress(chunk) if inflater else chunk
                fh.write(data)
                total += len(data)
            if inflater:
                tail = inflater.flush()
                fh.write(tail)
                total += len(tail)
        os.replace(tmp, out)
        files += 1
    return ExportResult(layer, record.version, files, total, target / "tileset.json")
