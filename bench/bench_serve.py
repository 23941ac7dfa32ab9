"""Serving benchmark: twin's scene server vs nginx, the same gzip bytes, side by side.

    python -m bench.bench_serve [--buildings 6000] [--workers 1,2] [--duration 15]
                                [--out bench/results/serve.json]

Builds the demo city into a temporary data dir (embedded backend), lists every content
URL of the live tileset, copies the stored (gzip) objects to a tree that nginx serves
with ``gzip_static always`` (+ ``gunzip on`` for clients that refuse gzip, as twin
does), checks that both servers send identical bytes, then runs ``wrk`` against
``twin serve --workers N`` and nginx ``worker_processes N`` one after the other with the
same URL set and settings, in two scenarios: full GETs (200, gzip) and conditional GETs
(``If-None-Match`` -> 304). Needs ``wrk`` and ``nginx`` (Debian packages ``wrk``,
``nginx-light``). wrk runs on the same machine as the servers and competes for its CPUs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from bench.serve_http import check_server, content_paths
from bench.serve_procs import NGINX, child_env, nginx_server, tool_version, twin_server
from bench.serve_wrk import WRK, WrkRun, WrkSettings, lua_script, run_wrk
from scene_api.services.tiles import version_prefix
from storage.factory import open_catalog, open_object_store
from twin.settings import Settings

LAYER = "demo-buildings"
SCENARIOS = ("get_gzip_200", "if_none_match_304")
ServerFactory = Callable[[int], AbstractContextManager[int]]


def build_demo(data_dir: Path, buildings: int) -> None:
    twin = Path(sys.executable).parent / "twin"
    cmd = [str(twin), "--log-format", "text", "demo", "--no-serve"]
    cmd += ["--buildings", str(buildings)]
    done = subprocess.run(cmd, env=child_env(data_dir), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"twin demo failed ({done.returncode}):\n{done.stderr[-3000:]}")


def stored_objects(data_dir: Path, paths: Sequence[str]) -> dict[str, bytes]:
    """The stored bytes behind each ``/tiles/{layer}/v/{version}/{rel}`` URL path."""
    settings = Settings(data_dir=data_dir, database_url=None, storage_url=None)
    catalog = open_catalog(settings)
    try:
        layer = catalog.get_layer(LAYER)
    finally:
        catalog.close()
    if layer.version is None or not layer.tileset_key:
        raise RuntimeError("the demo layer has no published version")
    store = open_object_store(settings)
    out: dict[str, bytes] = {}
    for path in paths:
        head = f"/tiles/{LAYER}/v/"
        if not path.startswith(head):
            raise RuntimeError(f"unexpected content URL {path}")
        version, _, rel = path[len(head) :].partition("/")
        key = version_prefix(layer.tileset_key, layer.version, int(version)) + rel
        if store.head(key).content_encoding != "gzip":
            raise RuntimeError(f"{key} is not stored gzip-encoded")
        out[path] = store.get_bytes(key)
    return out


def nginx_tree(root: Path, stored: dict[str, bytes]) -> None:
    """Each stored object as ``{url path}.gz``, for ``gzip_static``."""
    for path, data in stored.items():
        target = root / (path.lstrip("/") + ".gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def measure(
    server: str,
    workers: int,
    factory: ServerFactory,
    stored: dict[str, bytes],
    wrk: WrkSettings,
    scripts: Path,
) -> list[dict[str, Any]]:
    paths = list(stored)
    rows = []
    with factory(workers) as port:
        etags = check_server(f"{server} (workers={workers})", port, stored)
        for scenario in SCENARIOS:
            script = scripts / f"{server}-w{workers}-{scenario}.lua"
            conditional = etags if scenario == "if_none_match_304" else None
            script.write_text(lua_script(paths, conditional))
            run_wrk(port, script, wrk, seconds=wrk.warmup_s)
            load = os.getloadavg()
            run = run_wrk(port, script, wrk, seconds=wrk.duration_s)
            rows.append(row(server, workers, scenario, run, load, stored))
            print(_progress(rows[-1]), file=sys.stderr, flush=True)
    return rows


def row(
    server: str,
    workers: int,
    scenario: str,
    run: WrkRun,
    load: tuple[float, float, float],
    stored: dict[str, bytes],
) -> dict[str, Any]:
    lat = run.latency_us
    per_response = run.bytes / run.requests if run.requests else 0.0
    problems = []
    if run.errors:
        problems.append(f"{run.errors} errors")
    if scenario == "get_gzip_200" and per_response < min(len(b) for b in stored.values()):
        problems.append("responses shorter than the smallest content: not all were 200s")
    if scenario == "if_none_match_304" and per_response > 1024:
        problems.append("responses too long for 304s")
    return {
        "server": server,
        "workers": workers,
        "scenario": scenario,
        "rps": round(run.rps, 1),
        "p50_ms": round(lat["p50"] / 1000, 3),
        "p75_ms": round(lat["p75"] / 1000, 3),
        "p90_ms": round(lat["p90"] / 1000, 3),
        "p99_ms": round(lat["p99"] / 1000, 3),
        "p999_ms": round(lat["p999"] / 1000, 3),
        "mean_ms": round(lat["mean"] / 1000, 3),
        "max_ms": round(lat["max"] / 1000, 3),
        "transfer_mb_s": round(run.bytes / run.duration_s / 1e6, 2),
        "bytes_per_response": round(per_response, 1),
        "requests": run.requests,
        "duration_s": round(run.duration_s, 2),
        "errors": run.errors,
        "error_detail": {"status_4xx_5xx": run.status_errors, **run.socket_errors},
        "load_avg_1m_before": round(load[0], 2),
        "problems": problems,
    }


def ratios(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_key = {(r["server"], r["workers"], r["scenario"]): r for r in results}
    out = []
    for (server, workers, scenario), twin in by_key.items():
        nginx = by_key.get(("nginx", workers, scenario))
        if server != "twin" or nginx is None:
            continue
        out.append(
            {
                "workers": workers,
                "scenario": scenario,
                "rps": round(twin["rps"] / nginx["rps"], 3),
                "p99": round(twin["p99_ms"] / nginx["p99_ms"], 3),
                "p50": round(twin["p50_ms"] / nginx["p50_ms"], 3),
            }
        )
    return out


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "twin": dist_version("twin"),
        "uvicorn": dist_version("uvicorn"),
        "nginx": tool_version([NGINX, "-v"]),
        "wrk": tool_version([WRK, "-v"]),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }


def run(tmp: Path, buildings: int, workers: Sequence[int], wrk: WrkSettings) -> dict[str, Any]:
    info = machine()
    data_dir = tmp / "data"
    build_demo(data_dir, buildings)
    with twin_server(data_dir, 1, tmp) as port:
        paths = content_paths(port, LAYER)
    stored = stored_objects(data_dir, paths)
    root = tmp / "www"
    nginx_tree(root, stored)
    tmp.chmod(0o755)  # started by root, nginx's workers run as "nobody": let them read www/
    factories: dict[str, ServerFactory] = {
        "twin": lambda w: twin_server(data_dir, w, tmp),
        "nginx": lambda w: nginx_server(root, w, tmp / f"nginx-w{w}"),
    }
    results: list[dict[str, Any]] = []
    for server, factory in factories.items():
        for w in workers:
            results += measure(server, w, factory, stored, wrk, tmp)
    pairs = ratios(results)
    main_pair = next(
        (p for p in pairs if p["scenario"] == "get_gzip_200" and p["workers"] == max(workers)),
        None,
    )
    info["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    sizes = [len(b) for b in stored.values()]
    return {
        "benchmark": "serve_tiles",
        "ok": not any(r["problems"] for r in results),
        "machine": info,
        "layer": LAYER,
        "buildings": buildings,
        "urls": len(paths),
        "url_paths": paths,
        "bytes_per_response_avg": round(sum(sizes) / len(sizes), 1),
        "bytes_per_response_min_max": [min(sizes), max(sizes)],
        "wrk": {
            "threads": wrk.threads,
            "connections": wrk.connections,
            "duration_s": wrk.duration_s,
            "warmup_s": wrk.warmup_s,
            "accept_encoding": "gzip",
        },
        "nginx_setup": "gzip_static always + gunzip on, stored gzip bytes as X.glb.gz, "
        "sendfile on, access_log off",
        "twin_setup": "twin serve (uvicorn), embedded backend, log level WARNING (no access log)",
        "results": results,
        "ratio_twin_vs_nginx": main_pair,
        "ratios": pairs,
    }


def _progress(r: dict[str, Any]) -> str:
    return (
        f"{r['server']:5} w={r['workers']} {r['scenario']:17} {r['rps']:9.1f} req/s "
        f"p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
        f"{r['transfer_mb_s']:.1f} MB/s  errors {r['errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--buildings", type=int, default=6000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds before each one")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    for tool in (WRK, NGINX):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install wrk nginx-light")
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    wrk = WrkSettings(args.threads, args.connections, args.duration, args.warmup)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="twin-bench-serve-") as tmp:
        result = run(Path(tmp), args.buildings, workers, wrk)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    out = args.out or Path(__file__).parent / "results" / "serve.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    if not result["ok"]:
        raise SystemExit("some measurements had errors or unexpected responses (see problems)")


if __name__ == "__main__":
    main()
