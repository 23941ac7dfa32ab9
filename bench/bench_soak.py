"""Soak benchmark: 200 concurrent clients mixing reads and overlay writes for 10 minutes
against ``twin serve --workers 2`` on PostGIS.

Set-up: a fresh PostGIS database (``--admin-url``), ``twin ingest buildings`` of
``--buildings`` synthetic footprints (bench/synthetic.py; real tiles in a local store),
an admin API token (``TWIN_AUTH__TOKENS``) for the writers, ``--problems`` problems created
through ``POST /api/problems``. Then ``--clients`` clients (asyncio + httpx, spread over
``--client-procs`` processes) each loop for ``--duration`` seconds, each request one of:

* ``tileset``: ``GET /tiles/<layer>/tileset.json``;
* ``tile``: a random content of it (``/tiles/<layer>/v/<v>/...glb``);
* ``features``: ``GET /api/layers/<layer>/features?bbox=<random 300 m box>&limit=50``;
* ``ogc_cql2``: ``GET /ogc/collections/<layer>/items?bbox=...&filter="use" = '住宅' AND
  "height" > 20&filter-lang=cql2-text&limit=50``;
* ``overlay_update``: ``PATCH /api/problems/<id>`` (severity and description), which writes
  the problem, its history and an overlay event in one transaction (NOTIFY at commit).

weighted by ``--mix`` (default tile 40, tileset 10, features 20, ogc_cql2 20,
overlay_update 10). Every non-2xx answer and every transport error counts as an error.
Output (bench/results/soak.json): per kind count, errors (by status), p50/p95/p99/max ms;
totals and requests per second.

    python -m bench.bench_soak [--duration 600] [--clients 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from bench.bench_overlays import fresh_database, percentiles, postgis_twin, twin_env
from bench.synthetic import ORIGIN_LONLAT, synthetic_footprints

OUT = Path(__file__).parent / "results" / "soak.json"
ADMIN_URL = os.environ.get(
    "TWIN_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
LAYER = "soak"
TOKEN = "bench-soak-admin-token-0123456789"
CQL2 = '"use" = \'住宅\' AND "height" > 20'
DEFAULT_MIX = "tile=40,tileset=10,features=20,ogc_cql2=20,overlay_update=10"
BOX_DEG = 0.003  # ~300 m


def _mix(text: str) -> dict[str, float]:
    kinds = {"tile", "tileset", "features", "ogc_cql2", "overlay_update"}
    mix = {k: float(v) for k, v in (part.split("=") for part in text.split(","))}
    unknown = set(mix) - kinds
    if unknown:
        raise SystemExit(f"--mix: unknown kinds {sorted(unknown)}")
    return mix


def _box(rng: random.Random, extent: tuple[float, float, float, float]) -> str:
    w, s, e, n = extent
    x = rng.uniform(w, max(w, e - BOX_DEG))
    y = rng.uniform(s, max(s, n - BOX_DEG))
    return f"{x:.6f},{y:.6f},{x + BOX_DEG:.6f},{y + BOX_DEG:.6f}"


async def _client(
    i: int, http: httpx.AsyncClient, plan: dict[str, Any], until: float, out: dict[str, Any]
) -> None:
    rng = random.Random(i)
    kinds, weights = zip(*plan["mix"].items(), strict=True)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    n = 0
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        n += 1
        if kind == "tile":
            req = ("GET", rng.choice(plan["contents"]), None, None, None)
        elif kind == "tileset":
            req = ("GET", f"tiles/{LAYER}/tileset.json", None, None, None)
        elif kind == "features":
            params = {"bbox": _box(rng, plan["extent"]), "limit": "50"}
            req = ("GET", f"api/layers/{LAYER}/features", params, None, None)
        elif kind == "ogc_cql2":
            params = {"bbox": _box(rng, plan["extent"]), "filter": CQL2,
                      "filter-lang": "cql2-text", "limit": "50"}  # fmt: skip
            req = ("GET", f"ogc/collections/{LAYER}/items", params, None, None)
        else:
            body = {"severity": rng.randint(1, 3), "description": f"soak client {i} #{n}"}
            req = ("PATCH", f"api/problems/{rng.choice(plan['problems'])}", None, body, auth)
        method, url, params, body, headers = req
        started = time.perf_counter()
        try:
            r = await http.request(method, url, params=params, json=body, headers=headers)
            await r.aread()
            status = r.status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        ms = (time.perf_counter() - started) * 1000.0
        bucket = out.setdefault(kind, {"ms": [], "errors": {}})
        bucket["ms"].append(ms)
        if not (isinstance(status, int) and 200 <= status < 300):
            bucket["errors"][str(status)] = bucket["errors"].get(str(status), 0) + 1


async def _clients(base: str, ids: list[int], plan: dict[str, Any], duration: float) -> Any:
    limits = httpx.Limits(max_connections=len(ids), max_keepalive_connections=len(ids))
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        until = time.monotonic() + duration
        await asyncio.gather(*(_client(i, http, plan, until, out) for i in ids))
    return out


def _client_proc(base: str, ids: list[int], plan: dict[str, Any], duration: float, q: Any) -> None:
    q.put(asyncio.run(_clients(base, ids, plan, duration)))


def _prepare(base: str, n_problems: int) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, timeout=60) as http:
        tileset = http.get(f"tiles/{LAYER}/tileset.json").raise_for_status().json()
        layer = http.get(f"api/layers/{LAYER}").raise_for_status().json()
        problems = []
        for k in range(n_problems):
            lon = ORIGIN_LONLAT[0] + (k % 10) * 0.001
            lat = ORIGIN_LONLAT[1] + (k // 10) * 0.001
            body = {"title": f"积水点 {k}", "lon": lon, "lat": lat, "severity": 2,
                    "department": "水务局", "district": "福田区"}  # fmt: skip
            r = http.post("api/problems", json=body, headers=auth)
            if r.status_code != 201:
                raise SystemExit(f"POST /api/problems: {r.status_code} {r.text[:300]}")
            problems.append(r.json()["id"])
    contents: list[str] = []

    def walk(tile: dict[str, Any]) -> None:
        uri = tile.get("content", {}).get("uri")
        if uri:  # relative to the tileset's URL
            contents.append(urljoin(f"{base}tiles/{LAYER}/tileset.json", uri))
        for child in tile.get("children", []):
            walk(child)

    walk(tileset["root"])
    bbox = layer.get("bbox") or layer["extent"]
    return {"contents": contents, "extent": tuple(bbox), "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--buildings", type=int, default=20_000)
    parser.add_argument("--problems", type=int, default=50)
    parser.add_argument("--mix", default=DEFAULT_MIX)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    mix = _mix(args.mix)
    tokens = json.dumps([{"token": TOKEN, "user": "soak", "roles": ["admin"]}])

    with (
        tempfile.TemporaryDirectory(prefix="twin-bench-soak-") as tmp,
        fresh_database(args.admin_url) as url,
    ):
        work = Path(tmp)
        source = work / "buildings.parquet"
        synthetic_footprints(args.buildings).to_parquet(source)
        ingest = [sys.executable, "-m", "twin.cli.main", "ingest", "buildings", str(source),
                  "--layer", LAYER, "--height-field", "height", "--id-field", "bid",
                  "--no-progress"]  # fmt: skip
        started = time.monotonic()
        subprocess.run(ingest, check=True, env=twin_env(work / "twin-data", url), stdout=sys.stderr)
        ingest_s = time.monotonic() - started
        with postgis_twin(work, url, workers=args.workers, TWIN_AUTH__TOKENS=tokens) as served:
            plan = {"mix": mix, **_prepare(served.base, args.problems)}
            ctx = mp.get_context("fork")
            q = ctx.Queue()
            ids = list(range(args.clients))
            shares = [ids[k :: args.client_procs] for k in range(args.client_procs)]
            procs = [ctx.Process(target=_client_proc, args=(served.base, s, plan, args.duration, q))
                     for s in shares]  # fmt: skip
            t0 = time.monotonic()
            for p in procs:
                p.start()
            parts = [q.get(timeout=args.duration + 300) for _ in procs]
            for p in procs:
                p.join(timeout=30)
            wall = time.monotonic() - t0
            server_alive = served.log.exists()
            tracebacks = served.log.read_text(errors="replace").count("Traceback")

    kinds: dict[str, Any] = {}
    for part in parts:
        for kind, b in part.items():
            k = kinds.setdefault(kind, {"ms": [], "errors": {}})
            k["ms"] += b["ms"]
            for status, c in b["errors"].items():
                k["errors"][status] = k["errors"].get(status, 0) + c
    per_kind = {
        kind: {"count": len(b["ms"]), "errors": sum(b["errors"].values()),
               "errors_by_status": b["errors"], "latency_ms": percentiles(b["ms"])}
        for kind, b in sorted(kinds.items())
    }  # fmt: skip
    total = sum(v["count"] for v in per_kind.values())
    errors = sum(v["errors"] for v in per_kind.values())
    all_ms = [m for b in kinds.values() for m in b["ms"]]
    result = {
        "benchmark": "soak",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "workers": args.workers,
        "clients": args.clients,
        "client_procs": args.client_procs,
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "buildings": args.buildings,
        "ingest_s": round(ingest_s, 1),
        "tile_contents": len(plan["contents"]),
        "problems": len(plan["problems"]),
        "mix": mix,
        "requests": total,
        "requests_per_s": round(total / wall, 1),
        "errors": errors,
        "latency_ms": percentiles(all_ms),
        "per_kind": per_kind,
        "server_tracebacks": tracebacks if server_alive else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
