"""Point cloud ingest: ``twin ingest pointcloud`` vs ``py3dtiles convert``, side by side.

Both tools tile the same LAS and LAZ files (the AHN3 sample, the same points as plain
LAS, and a ~5.8M point cloud made by tiling the AHN3 crop 3x3 with a little jitter) into
3D Tiles 1.1 with GLB contents. Reported per file: wall seconds, points per second and
the peak RSS of each tool's whole process tree (sampled every 20 ms).

py3dtiles pins ``numpy<2.4`` and would break twin's venv, so it runs from its own venv
(``bench/.peer-venv``, created and filled with ``pip install py3dtiles`` on first use).
Its LAZ reading hangs in forked workers with lazrs' multithreaded backend; a run that
outlives ``--timeout`` is retried with laspy forced to the single-threaded backend
(a ``sitecustomize`` on PYTHONPATH) and the row says so.

    python -m bench.bench_pointcloud [--work DIR] [--timeout S]  -> bench/results/pointcloud.json
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

import laspy
import numpy as np
import psutil
from pyproj import CRS

from bench.bench_ingest import tree_rss

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("TWIN_TEST_SHARED_DATA", "/work/shared/data")) / "pointcloud"
PEER_VENV = Path(__file__).parent / ".peer-venv"
OUT = Path(__file__).parent / "results" / "pointcloud.json"
TARGETS = {"throughput_vs_peer_min": 1.0, "peak_rss_vs_peer_max": 1.2}
SINGLE_THREAD_LAZ = """\
import laspy
_available = laspy.LazBackend.detect_available
laspy.LazBackend.detect_available = staticmethod(
    lambda: tuple(b for b in _available() if b is not laspy.LazBackend.LazrsParallel)
)
"""
Row = dict[str, Any]


def peer_python() -> Path:
    py = PEER_VENV / "bin" / "python"
    if not (PEER_VENV / "bin" / "py3dtiles").is_file():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(py), "-m", "pip", "install", "-q", "py3dtiles", "laspy", "lazrs"]
        subprocess.run(pip, check=True)
    return py


def peer_versions(py: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({p: m.version(p) for p in ('py3dtiles','laspy','lazrs','numpy')}))"
    )
    return dict(json.loads(subprocess.check_output([str(py), "-c", code], text=True)))


def measure(cmd: list[str], env: dict[str, str], timeout: float) -> Row:
    start = time.perf_counter()
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc))
        if time.perf_counter() - start > timeout:
            for child in proc.children(recursive=True):
                child.kill()
            proc.kill()
            proc.wait()
            return {"seconds": None, "peak_rss_mib": round(peak / 2**20, 1), "timed_out": True}
        time.sleep(0.02)
    out = proc.communicate()[0].decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}): {out[-2000:]}")
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "peak_rss_mib": round(peak / 2**20, 1)}


def twin_cmd(path: Path, data_dir: Path, crs: str | None) -> list[str]:
    cmd = [sys.executable, "-m", "twin.cli.main", "--data-dir"]
    cmd += [str(data_dir), "--log-format", "text", "ingest", "pointcloud", str(path)]
    cmd += ["--layer", "bench", "--no-progress"]
    return cmd + (["--crs", crs] if crs else [])


def peer_cmd(py: Path, path: Path, out: Path, epsg: int) -> list[str]:
    cmd = [str(py.parent / "py3dtiles"), "convert", str(path), "--out", str(out), "--overwrite"]
    cmd += ["--srs_in", str(epsg), "--srs_out", "4978", "--spec-version", "1.1", "--jobs"]
    return [*cmd, str(os.cpu_count() or 1)]


def make_inputs(work: Path) -> list[tuple[Path, str | None, int]]:
    """(file, --crs for twin, points): the AHN3 sample as LAZ and LAS, and a 3x3 tiling."""
    ahn3 = SAMPLES / "ahn3_cropped_1.laz"
    las = laspy.read(ahn3)
    crs = CRS.from_epsg(28992)
    small_las = work / "ahn3.las"
    if not small_las.exists():
        las.header.add_crs(crs)
        las.write(small_las)
    big_las, big_laz = work / "ahn3x9.las", work / "ahn3x9.laz"
    if not big_laz.exists():
        rng = np.random.default_rng(0)
        x, y, z = np.asarray(las.x), np.asarray(las.y), np.asarray(las.z)
        header = laspy.LasHeader(point_format=las.header.point_format, version="1.2")
        header.offsets, header.scales = las.header.offsets, las.header.scales
        header.add_crs(crs)
        for target in (big_las, big_laz):
            with laspy.open(target, mode="w", header=header) as writer:
                for i in range(3):
                    for j in range(3):
                        tile = laspy.ScaleAwarePointRecord.zeros(len(las.points), header=header)
                        for name in ("intensity", "classification", "return_number", "gps_time"):
                            tile[name] = las[name]
                        tile.x = x + 200.0 * i + rng.normal(0, 0.02, len(x))
                        tile.y = y + 240.0 * j + rng.normal(0, 0.02, len(y))
                        tile.z = z
                        writer.write_points(tile)
    n_small, n_big = len(las.points), 9 * len(las.points)
    return [
        (ahn3, "EPSG:28992", n_small),
        (small_las, None, n_small),
        (big_las, None, n_big),
        (big_laz, None, n_big),
    ]


def bench_file(
    path: Path, crs: str | None, points: int, py: Path, work: Path, timeout: float
) -> Row:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        twin = measure(twin_cmd(path, Path(tmp) / "twin-data", crs), env, timeout)
    peer_env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        peer = measure(peer_cmd(py, path, Path(tmp) / "out", 28992), peer_env, timeout)
        if peer.get("timed_out"):
            patch = Path(tmp) / "patch"
            patch.mkdir()
            (patch / "sitecustomize.py").write_text(SINGLE_THREAD_LAZ)
            forced = {**peer_env, "PYTHONPATH": str(patch)}
            peer = measure(peer_cmd(py, path, Path(tmp) / "out", 28992), forced, timeout)
            peer["forced_single_thread_laz"] = True
    row: Row = {"file": path.name, "points": points, "bytes": path.stat().st_size}
    for name, r in (("twin", twin), ("py3dtiles", peer)):
        secs = r.get("seconds")
        row[name] = {**r, "points_per_s": round(points / secs) if secs else None}
    if twin["seconds"] and peer.get("seconds"):
        row["throughput_vs_peer"] = round(peer["seconds"] / twin["seconds"], 2)
        row["peak_rss_vs_peer"] = round(twin["peak_rss_mib"] / peer["peak_rss_mib"], 2)
        row["meets_targets"] = (
            row["throughput_vs_peer"] >= TARGETS["throughput_vs_peer_min"]
            and row["peak_rss_vs_peer"] <= TARGETS["peak_rss_vs_peer_max"]
        )
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="where inputs and outputs go (default: a tmp dir)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is a hang")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="twin-bench-pc-"))
    work.mkdir(parents=True, exist_ok=True)
    py = peer_python()
    rows = []
    for path, crs, points in make_inputs(work):
        row = bench_file(path, crs, points, py, work, args.timeout)
        print(json.dumps(row), flush=True)
        rows.append(row)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "versions": {"laspy": laspy.__version__, "peer": peer_versions(py)},
        "targets": TARGETS,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
