"""Ray engine benchmark: rays/s on a ~1M-triangle city, twin's paths against embreex itself.

The city is ``bench.synthetic`` footprints (about 13 triangles per building) published as a
buildings layer in a temporary local store; the triangles are read back from its tiles as
every analysis reads them. The same rays (sky-view rays: origins 1.5 m above random ground
points, cosine-weighted directions over the upper hemisphere, 2 km long) are traced by:

* ``embreex_direct``: one ``EmbreeScene.run(..., query="OCCLUDED")`` call on one thread,
  the scene built straight from the arrays: what the library does alone;
* ``embreex_direct_threads``: the same calls split over the machine's cores by hand (the
  limit of the library on this machine);
* ``engine``: ``RayScene.occluded`` (what every analysis calls);
* ``api``: ``POST /api/analysis/svf`` through the ASGI app (JSON in and out, the scene cached
  as in a running server): rays counted as points x rays per point, over the wall time.

Target: ``api`` >= 1,000,000 rays/s on this 2-core machine.

    python -m bench.bench_rays [--buildings 86000] [--rays 2000000] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh

from bench.synthetic import synthetic_footprints
from storage.factory import open_catalog, open_object_store
from twin.analysis.frame_points import to_lonlath
from twin.analysis.ray_scene import RayScene
from twin.analysis.scenario import Scenario, SceneBuilder
from twin.pipeline.publish_buildings import publish_buildings
from twin.readers.footprints import HeightRule, load_footprints
from twin.settings import Settings, TilingSettings

OUT = Path(__file__).parent / "results" / "rays.json"
TARGET = 1_000_000
LENGTH_M = 2000.0


def sky_rays(scene: RayScene, n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lo = scene.vertices.min(axis=0)
    hi = scene.vertices.max(axis=0)
    origins = np.stack(
        [rng.uniform(lo[0], hi[0], n), rng.uniform(lo[1], hi[1], n), np.full(n, 1.5)], axis=1
    )
    r = np.sqrt(rng.random(n))
    phi = rng.random(n) * 2 * np.pi
    directions = np.stack([r * np.cos(phi), r * np.sin(phi), np.sqrt(1 - r * r)], axis=1)
    return origins, directions


def timed(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buildings", type=int, default=86_000)
    parser.add_argument("--rays", type=int, default=2_000_000)
    parser.add_argument("--api-points", type=int, default=1000)
    parser.add_argument("--api-rays", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="twin-bench-rays-"))
    settings = Settings(data_dir=tmp, log_json=False)
    store, catalog = open_object_store(settings), open_catalog(settings)
    catalog.migrate()
    fps = load_footprints(
        synthetic_footprints(args.buildings),
        layer="city",
        rule=HeightRule(field="height"),
        id_field="bid",
    )
    publish_buildings(fps, store=store, catalog=catalog, client=None, tiling=TilingSettings())

    builder = SceneBuilder(store, catalog)
    start = time.perf_counter()
    scene = builder.scenes(None, Scenario()).after
    cold_s = time.perf_counter() - start
    start = time.perf_counter()
    builder.scenes(None, Scenario())
    warm_s = time.perf_counter() - start
    origins, directions = sky_rays(scene, args.rays)

    direct = rtcore_scene.EmbreeScene()
    TriangleMesh(direct, scene.vertices.astype(np.float32), scene.triangles.astype(np.int32))
    o32 = (origins + directions * 1e-3).astype(np.float32)
    d32 = directions.astype(np.float32)
    dist = np.full(len(o32), LENGTH_M, np.float32)
    direct.run(o32[:1000], d32[:1000], dists=dist[:1000], query="OCCLUDED")  # warm up

    def embreex_direct() -> None:
        direct.run(o32, d32, dists=dist, query="OCCLUDED")

    cores = os.cpu_count() or 1
    parts = np.array_split(np.arange(len(o32)), cores)

    def embreex_threads() -> None:
        with ThreadPoolExecutor(cores) as pool:
            list(
                pool.map(
                    lambda p: direct.run(o32[p], d32[p], dists=dist[p], query="OCCLUDED"), parts
                )
            )

    def engine() -> None:
        scene.occluded(origins, directions, LENGTH_M)

    results: dict[str, Any] = {}
    for name, fn in (
        ("embreex_direct", embreex_direct),
        ("embreex_direct_threads", embreex_threads),
        ("engine", engine),
    ):
        seconds = timed(fn, args.repeat)
        results[name] = {"seconds": round(seconds, 4), "rays_per_s": round(len(o32) / seconds)}
        print(name, results[name], flush=True)

    results["api"] = api_path(settings, scene, args.api_points, args.api_rays, args.repeat)
    print("api", results["api"], flush=True)
    catalog.close()
    doc = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": cores, "platform": platform.platform()},
        "buildings": args.buildings,
        "triangles": scene.triangle_count,
        "rays": len(o32),
        "ray_length_m": LENGTH_M,
        "scene_cold_s": round(cold_s, 3),
        "scene_cached_s": round(warm_s, 6),
        "results": results,
        "target_api_rays_per_s": TARGET,
        "api_meets_target": results["api"]["rays_per_s"] >= TARGET,
        "engine_vs_direct_threads": round(
            results["engine"]["rays_per_s"] / results["embreex_direct_threads"]["rays_per_s"], 3
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


def api_path(
    settings: Settings, scene: RayScene, points: int, rays: int, repeat: int
) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from scene_api import create_app

    rng = np.random.default_rng(5)
    lo, hi = scene.vertices.min(axis=0), scene.vertices.max(axis=0)
    local = np.stack(
        [rng.uniform(lo[0], hi[0], points), rng.uniform(lo[1], hi[1], points), np.zeros(points)],
        axis=1,
    )
    ll = to_lonlath(scene.frame, local)
    body = {
        "points": [{"lon": float(p[0]), "lat": float(p[1]), "h_above_ground": 1.5} for p in ll],
        "rays": rays,
    }
    app = create_app(settings)
    with TestClient(app) as client:
        first = client.post("/api/analysis/svf", json=body)  # builds and caches the scene
        first.raise_for_status()

        def call() -> None:
            client.post("/api/analysis/svf", json=body).raise_for_status()

        seconds = timed(call, repeat)
    return {
        "seconds": round(seconds, 4),
        "points": points,
        "rays_per_point": rays,
        "rays_per_s": round(points * rays / seconds),
    }


if __name__ == "__main__":
    main()
