"""Ingest benchmark: N synthetic CGCS2000 footprints -> published 3D Tiles in the local store.

Runs ``twin ingest buildings`` as a child process (end to end: read GeoParquet,
validate, tile on a Dask LocalCluster, gzip, write objects, load the catalog,
publish) and samples the RSS of the whole process tree, workers included.

    python -m bench.bench_ingest --n 200000 [--repeat 3] [--out bench/results/ingest-200k.json]

Peer: pg2b3dm (PostGIS -> 3D Tiles, .NET) publishes about 1,400-3,800 features/s by
its own published figures; it needs a .NET runtime, which these machines do not
have, so it is not run side by side here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.synthetic import synthetic_footprints


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def run(n: int, workdir: Path, workers: int | None, repeat: int = 1) -> dict[str, object]:
    source = workdir / f"synthetic-{n}.parquet"
    t0 = time.perf_counter()
    synthetic_footprints(n).to_parquet(source)
    generate_s = time.perf_counter() - t0
    runs = [run_once(n, source, workdir / f"twin-data-{i}", workers) for i in range(repeat)]
    best = sorted(runs, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
    median = best[len(best) // 2]
    return {
        **median,
        "runs": [{k: r[k] for k in ("seconds", "buildings_per_s", "peak_rss_mib")} for r in runs],
        "median_of": repeat,
        "generate_input_s": round(generate_s, 3),
    }


def run_once(n: int, source: Path, data_dir: Path, workers: int | None) -> dict[str, object]:
    cmd = [
        sys.executable,
        "-m",
        "twin.cli.main",
        "--data-dir",
        str(data_dir),
        "--log-format",
        "text",
        "ingest",
        "buildings",
        str(source),
        "--layer",
        "bench",
        "--height-field",
        "height",
        "--id-field",
        "bid",
        "--no-progress",
    ]
    if workers:
        cmd += ["--workers", str(workers)]
    env = {**os.environ, "TWIN_LOG_LEVEL": "WARNING"}
    start = time.perf_counter()
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    objects = data_dir / "objects" / "layers" / "bench"
    files = [p for p in objects.rglob("*") if p.is_file()]
    stored = sum(p.stat().st_size for p in files)
    tiles = sum(1 for p in files if p.suffix == ".glb")
    return {
        "benchmark": "ingest_buildings",
        "n": n,
        "seconds": round(seconds, 3),
        "buildings_per_s": round(n / seconds, 1),
        "stored_bytes": stored,
        "stored_bytes_per_building": round(stored / n, 1),
        "peak_rss_bytes": peak,
        "peak_rss_mib": round(peak / 2**20, 1),
        "tiles_written": tiles,
        "cli_output": out.decode().strip(),
        "peer": {
            "name": "pg2b3dm",
            "features_per_s": "1400-3800 (published figures; not runnable here: no .NET runtime)",
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "targets": {
            "buildings_per_s": 20000,
            "bytes_per_building": 300,
            "peak_rss_1m_bytes": 4 * 2**30,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
        result = run(args.n, Path(tmp), args.workers, args.repeat)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    out = args.out or Path(__file__).parent / "results" / f"ingest-{args.n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
