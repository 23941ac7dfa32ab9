"""Terrain tiling benchmark: a synthetic N x N DEM -> terrain layer (local store + SQLite).

The DEM (smooth hills plus noise, float32, 2 m cells in EPSG:2056, a nodata lake) is
written as a GeoTIFF, then ``read_dem`` + ``publish_terrain`` run in this process,
timed separately. Peak RSS is this process's maximum resident set (getrusage).

    python -m bench.bench_terrain [--size 4000] [--tile-cells 128] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "terrain.json"


def synthetic_dem(path: Path, size: int) -> None:
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(42)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    h = 800 + 300 * np.sin(6 * x) * np.cos(4 * y) + 80 * np.sin(23 * x + 17 * y)
    h += rng.normal(0, 0.5, (size, size)).astype(np.float32)
    h[size // 3 : size // 3 + size // 20, size // 2 : size // 2 + size // 15] = -9999
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:2056",
        "transform": from_origin(2_600_000, 1_200_000, 2.0, 2.0),
        "nodata": -9999,
        "tiled": True,
        "compress": "lzw",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(h.astype(np.float32), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--tile-cells", type=int, default=128)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import rasterio

    from storage.factory import open_catalog, open_object_store
    from twin.pipeline.publish_terrain import publish_terrain
    from twin.readers.dem import read_dem
    from twin.settings import Settings

    with tempfile.TemporaryDirectory(prefix="twin-bench-terrain-") as tmp:
        dem_path = Path(tmp) / "dem.tif"
        synthetic_dem(dem_path, args.size)
        settings = Settings(data_dir=Path(tmp) / "data", log_json=False)
        store, catalog = open_object_store(settings), open_catalog(settings)
        catalog.migrate()
        t0 = time.perf_counter()
        dem = read_dem(dem_path)
        t1 = time.perf_counter()
        result = publish_terrain(
            dem, layer="bench", store=store, catalog=catalog, tile_cells=args.tile_cells
        )
        t2 = time.perf_counter()
        catalog.close()
        stored = sum(p.stat().st_size for p in (Path(tmp) / "data").rglob("*") if p.is_file())
    out = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "rasterio": rasterio.__version__,
        "dem": {"rows": args.size, "cols": args.size, "cell_m": 2.0, "dtype": "float32"},
        "tile_cells": args.tile_cells,
        "seconds": round(t2 - t0, 2),
        "seconds_read": round(t1 - t0, 2),
        "seconds_tiling": round(t2 - t1, 2),
        "tiles": result.tile_count,
        "levels": result.levels,
        "max_error_by_level_m": [round(e, 3) for e in result.max_error_by_level],
        "bytes": result.stored_bytes,
        "glb_bytes_uncompressed": result.glb_bytes,
        "bytes_on_disk": stored,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
