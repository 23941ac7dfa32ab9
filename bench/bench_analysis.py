"""Landscape analysis benchmark on the demo city: a protected view corridor with its
max-height surface, and sunlight (大寒日, 08:00-16:00, 1-minute steps) at 10,000 facade
points, each timed in-process on a warm scene (the server keeps scenes cached), with the
cold scene build (reading every layer's tiles, building the BVH) reported apart.

    python -m bench.bench_analysis [--buildings 6000] [--points 10000] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from storage.factory import open_catalog, open_object_store
from twin.analysis.facade_points import facade_samples
from twin.analysis.run_corridor import max_height_tif
from twin.analysis.scenario import Scenario
from twin.analysis.service import AnalysisService
from twin.analysis.solar_terms import dahan_date
from twin.analysis.sunlight import sunlight_at
from twin.cli.cmd_demo import DEMO_LAYER
from twin.settings import Settings

OUT = Path(__file__).parent / "results" / "analysis.json"


def build_city(data_dir: Path, buildings: int) -> float:
    start = time.perf_counter()
    cmd = [
        sys.executable,
        "-m",
        "twin.cli.main",
        "--data-dir",
        str(data_dir),
        "--log-format",
        "text",
        "demo",
        "--no-serve",
        "--buildings",
        str(buildings),
    ]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def corridor_body(svc: AnalysisService) -> dict[str, Any]:
    w, s, e, n = svc.catalog.get_layer(DEMO_LAYER).bbox or (0.0, 0.0, 0.0, 0.0)
    lat = (s + n) / 2
    return {
        "viewpoint": {"lon": w + 0.05 * (e - w), "lat": lat, "h_above_ground": 0.0},
        "targets": [
            {"lon": e - 0.05 * (e - w), "lat": lat - 0.1 * (n - s), "h_above_ground": 60.0},
            {"lon": e - 0.05 * (e - w), "lat": lat + 0.1 * (n - s), "h_above_ground": 60.0},
        ],
        "threshold": {"kind": "plane", "target_height_m": 0.0},  # set below from the terrain
        "cell_m": 2.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buildings", type=int, default=6000)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="twin-bench-analysis-"))
    build_s = build_city(data_dir, args.buildings)
    settings = Settings(data_dir=data_dir, log_json=False)
    store, catalog = open_object_store(settings), open_catalog(settings)
    svc = AnalysisService.for_city(store, catalog)

    start = time.perf_counter()
    scene = svc.scenes.scenes(None, Scenario()).after
    cold_s = time.perf_counter() - start

    body = corridor_body(svc)
    ground = svc.ground(list(svc.scenes.scenes(None, Scenario()).layers))
    t = body["targets"][0]
    body["threshold"]["target_height_m"] = (
        float(ground(np.array([t["lon"]]), np.array([t["lat"]]))[0]) + 60.0
    )
    start = time.perf_counter()
    corridor = svc.corridor(body)
    corridor_s = time.perf_counter() - start
    start = time.perf_counter()
    tif = max_height_tif(svc, [corridor["id"]])
    tif_s = time.perf_counter() - start

    points, normals = [], []
    buildings = [i for i, f in enumerate(scene.features) if f.kind == "buildings"]
    for index in buildings:
        samples = facade_samples(scene, index)
        points.append(samples.points)
        normals.append(samples.normals_enu)
        if sum(len(p) for p in points) >= args.points:
            break
    pts = np.concatenate(points)[: args.points]
    nrm = np.concatenate(normals)[: args.points]
    day = dahan_date(2026)
    start = time.perf_counter()
    results = sunlight_at(scene, pts, nrm, day, ("08:00", "16:00"), 1.0, 2.0)
    sun_s = time.perf_counter() - start
    catalog.close()

    doc = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "demo_buildings": args.buildings,
        "demo_build_s": round(build_s, 2),
        "scene": {
            "triangles": scene.triangle_count,
            "features": len(scene.features),
            "cold_build_s": round(cold_s, 3),
        },
        "corridor": {
            "seconds": round(corridor_s, 3),
            "cells": corridor["cells"],
            "cell_m": corridor["cell_m"],
            "intrusions": len(corridor["intrusions"]),
            "max_height_tif_s": round(tif_s, 3),
            "max_height_tif_bytes": len(tif),
        },
        "sunlight": {
            "points": len(pts),
            "date": day.isoformat(),
            "steps": 480,
            "seconds": round(sun_s, 3),
            "points_per_s": round(len(pts) / sun_s),
            "passing": sum(1 for r in results if r.passes),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(doc, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
