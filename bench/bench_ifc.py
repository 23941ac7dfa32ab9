"""IFC ingest benchmark: twin vs ifcopenshell's own glTF serializer, file by file.

For every sample IFC (``$TWIN_TEST_SHARED_DATA/ifc``, default /work/shared/data/ifc) and one
generated model of ``--big-mb`` MB (bench/big_ifc.py), each as a child process whose whole
process tree is sampled for RSS:

* twin: ``twin ingest ifc FILE --layer bench_<n> --no-progress`` end to end (open, georeference,
  triangulate, tile, store the 3D Tiles in the local store, load the SQLite catalog, publish),
  with ``--origin 114.05,22.54,0`` for a file that has no georeference;
* peer: ``ifcopenshell.geom.serializers.gltf`` fed by ``ifcopenshell.geom.iterator`` on the
  same file: as many threads as twin, world coordinates, and twin's geometry kernel and
  exclusions (openings), so both triangulate the same elements the same way.

Both timings run from process start to exit (interpreter start, imports and opening the file
included). The median of ``--repeat`` runs is reported with the ratio twin/peer (target <= 1.5)
and, for the generated model, twin's peak RSS against the 2 GB target. twin's phases (from the
time stamps of its INFO log lines) and the peer's open/convert split are those of the first run.

    python -m bench.bench_ifc [--files A.ifc ...] [--big-mb 100] [--repeat 1] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from bench.bench_ingest import tree_rss

SAMPLES = Path(os.environ.get("TWIN_TEST_SHARED_DATA", "/work/shared/data")) / "ifc"
ORIGIN = "114.05,22.54,0"
TARGET_RATIO = 1.5
TARGET_BIG_RSS = 2 * 2**30
OUT = Path(__file__).parent / "results" / "ifc.json"
Row = dict[str, Any]


@dataclass(frozen=True)
class Run:
    started: float  # epoch seconds
    seconds: float
    peak_rss: int
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: list[str]) -> Run:
    """Run ``cmd``; wall time from start to exit and the peak RSS of its process tree."""
    env = {**os.environ, "TWIN_LOG_LEVEL": "INFO"}  # twin's phase marks, see twin_phases
    started, start = time.time(), time.perf_counter()
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    return Run(started, round(seconds, 3), peak, proc.returncode, out.decode(), err.decode())


PHASE_MARKS = {  # twin's INFO log line -> the phase it ends
    "ifc opened": "start_and_open_s",
    "triangulated": "geometry_s",
    "bim publish started": "georeference_s",
    "bim publish done": "publish_s",
}
_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO [\w.]+: (.*)$", re.M)


def twin_phases(run: Run) -> dict[str, float]:
    """Seconds per phase of a twin run, from the time stamps of its INFO log lines."""
    phases, last = {}, run.started
    for stamp, message in _LOG_LINE.findall(run.stderr):
        phase = next((p for m, p in PHASE_MARKS.items() if message.startswith(m)), None)
        if phase:
            at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
            phases[phase], last = round(at - last, 3), at
    phases["exit_s"] = round(run.started + run.seconds - last, 3)
    return phases


def twin_cmd(
    path: Path, data_dir: Path, layer: str, origin: bool, threads: int | None
) -> list[str]:
    cmd = [sys.executable, "-m", "twin.cli.main", "--data-dir", str(data_dir), "--log-format"]
    cmd += ["text", "ingest", "ifc", str(path), "--layer", layer, "--no-progress"]
    cmd += ["--report", str(data_dir.with_suffix(".report.json"))]
    cmd += ["--origin", ORIGIN] if origin else []
    return cmd + (["--threads", str(threads)] if threads else [])


def peer_cmd(path: Path, glb: Path, threads: int, kernel: str, exclude: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "bench.bench_ifc", "--peer-child", str(path), str(glb)]
    return [*cmd, "--threads", str(threads), "--kernel", kernel, "--exclude", *exclude]


def peer_convert(path: Path, glb: Path, threads: int, kernel: str, exclude: list[str]) -> Row:
    """In the child: IFC -> GLB with ifcopenshell's serializer; what it did, as a dict."""
    import ifcopenshell
    import ifcopenshell.geom

    geom: Any = ifcopenshell.geom  # untyped
    t0 = time.perf_counter()
    model = ifcopenshell.open(str(path))
    opened = time.perf_counter()
    settings = geom.settings()
    settings.set("use-world-coords", True)
    serializer = geom.serializers.gltf(str(glb), settings)
    serializer.setFile(model)
    serializer.writeHeader()
    it = geom.iterator(settings, model, threads, exclude=exclude, geometry_library=kernel)
    shapes = 0
    if it.initialize():
        while True:
            serializer.write(it.get())
            shapes += 1
            if not it.next():
                break
    serializer.finalize()
    done = time.perf_counter()
    return {
        "open_s": round(opened - t0, 3),
        "convert_s": round(done - opened, 3),
        "shapes": shapes,
        "glb_bytes": glb.stat().st_size,
        "ifcopenshell": ifcopenshell.version,
    }


def has_georeference(path: Path) -> bool:
    """An IfcMapConversion, an IFC2X3 ePSet_MapConversion or an IfcSite lat/lon."""
    import ifcopenshell

    model = ifcopenshell.open(str(path))
    if model.schema != "IFC2X3" and model.by_type("IfcMapConversion"):
        return True
    if any(p.Name == "ePSet_MapConversion" for p in model.by_type("IfcPropertySet")):
        return True
    return any(s.RefLatitude and s.RefLongitude for s in model.by_type("IfcSite"))


def _median(runs: list[Run], key: str) -> float:
    return float(statistics.median(getattr(r, key) for r in runs))


def bench_file(
    path: Path, n: int, work: Path, args: argparse.Namespace, georeferenced: bool
) -> Row:
    from bim_ingest.geometry import EXCLUDED_CLASSES, GEOMETRY_LIBRARY

    threads = args.threads or os.cpu_count() or 1
    exclude = list(EXCLUDED_CLASSES)
    twin_runs: list[Run] = []
    peer_runs: list[Run] = []
    for r in range(args.repeat):  # alternate, so slow phases of a busy machine hit both
        data_dir = work / f"twin-{n}-{r}"
        twin_runs.append(
            measure(twin_cmd(path, data_dir, f"bench_{n}", not georeferenced, args.threads))
        )
        peer_runs.append(
            measure(peer_cmd(path, work / f"peer-{n}-{r}.glb", threads, GEOMETRY_LIBRARY, exclude))
        )
    failed = [("twin", r) for r in twin_runs if r.returncode] + [
        ("peer", r) for r in peer_runs if r.returncode
    ]
    result: Row = {
        "file": path.name,
        "bytes": path.stat().st_size,
        "georeferenced": georeferenced,
    }
    result["origin"] = None if georeferenced else ORIGIN
    if failed:
        who, run = failed[0]
        return result | {"error": f"{who} exited {run.returncode}: {run.stderr.strip()[-2000:]}"}
    report = json.loads((work / f"twin-{n}-0.report.json").read_text())
    peer_info = json.loads(peer_runs[0].stdout)
    twin_s, peer_s = _median(twin_runs, "seconds"), _median(peer_runs, "seconds")
    twin_rss, peer_rss = _median(twin_runs, "peak_rss"), _median(peer_runs, "peak_rss")
    return result | {
        "elements": report["element_count"],
        "elements_without_geometry": len(report["report"].get("failures", [])),
        "peer_shapes": peer_info["shapes"],
        "twin_seconds": twin_s,
        "peer_seconds": peer_s,
        "ratio": round(twin_s / peer_s, 3),
        "meets_ratio": twin_s / peer_s <= TARGET_RATIO,
        "twin_peak_rss_mib": round(twin_rss / 2**20, 1),
        "peer_peak_rss_mib": round(peer_rss / 2**20, 1),
        "twin": {
            "cli_output": twin_runs[0].stdout.strip(),
            "georeference": report["report"].get("georeference", {}).get("source"),
            "features": report["feature_count"],
            "tiles": report["tile_count"],
            "stored_bytes": report["stored_bytes"],
            "phases_s": twin_phases(twin_runs[0]),
        },
        "peer": peer_info,
        "runs": [
            {
                "twin_s": t.seconds,
                "peer_s": p.seconds,
                "twin_rss_mib": round(t.peak_rss / 2**20, 1),
                "peer_rss_mib": round(p.peak_rss / 2**20, 1),
            }
            for t, p in zip(twin_runs, peer_runs, strict=True)
        ],
    }


COLUMNS = (  # header, row key, width, format
    ("file", "file", 40, ""),
    ("MB", "mb", 7, ".2f"),
    ("elements", "elements", 8, ""),
    ("twin s", "twin_seconds", 8, ".2f"),
    ("peer s", "peer_seconds", 8, ".2f"),
    ("ratio", "ratio", 6, ".2f"),
    ("twin MiB", "twin_peak_rss_mib", 9, ".0f"),
    ("peer MiB", "peer_peak_rss_mib", 9, ".0f"),
)


def table(rows: list[Row]) -> str:
    """A plain-text table of the per-file results."""
    align = ["<", *">" * (len(COLUMNS) - 1)]
    head = " ".join(f"{h:{a}{w}}" for a, (h, _, w, _) in zip(align, COLUMNS, strict=True))
    lines = [head, "-" * len(head)]
    for row in rows:
        r = {**row, "mb": row["bytes"] / 1e6}
        if "error" in r:
            lines.append(f"{r['file']:<40} {r['mb']:>7.2f} error: {str(r['error'])[:120]}")
            continue
        cells = zip(align, COLUMNS, strict=True)
        lines.append(" ".join(f"{r[k]:{a}{w}{f}}" for a, (_, k, w, f) in cells))
    return "\n".join(lines)


def run(args: argparse.Namespace, work: Path) -> Row:
    from bim_ingest.geometry import EXCLUDED_CLASSES, GEOMETRY_LIBRARY

    files = [Path(f) for f in args.files] if args.files else sorted(SAMPLES.glob("*.ifc"))
    load = [os.getloadavg()]
    rows = [bench_file(p, i + 1, work, args, has_georeference(p)) for i, p in enumerate(files)]
    big: Row | None = None
    if args.big_mb > 0:
        from bench.big_ifc import write_big_ifc

        generated = write_big_ifc(work / f"big-{args.big_mb:g}mb.ifc", int(args.big_mb * 1e6))
        row = bench_file(
            Path(str(generated["path"])), len(files) + 1, work, args, georeferenced=True
        )
        rss = row.get("twin_peak_rss_mib")
        row["big"] = {
            "generator": {k: v for k, v in generated.items() if k != "path"},
            "twin_peak_rss_vs_target": None
            if rss is None
            else round(float(rss) * 2**20 / TARGET_BIG_RSS, 3),
            "meets_rss_target": None if rss is None else float(rss) * 2**20 <= TARGET_BIG_RSS,
        }
        rows.append(row)
        big = {"file": row["file"], "twin_peak_rss_mib": rss, **row["big"]}
    load.append(os.getloadavg())
    import ifcopenshell

    return {
        "benchmark": "ingest_ifc",
        "median_of": args.repeat,
        "files": rows,
        "big": big,
        "peer": {
            "name": "ifcopenshell glTF serializer (serializers.gltf + geom.iterator)",
            "ifcopenshell": ifcopenshell.version,
            "threads": args.threads or os.cpu_count(),
            "geometry_library": GEOMETRY_LIBRARY,
            "exclude": list(EXCLUDED_CLASSES),
            "settings": {"use-world-coords": True},
        },
        "targets": {"ratio_twin_vs_peer_max": TARGET_RATIO, "big_peak_rss_bytes": TARGET_BIG_RSS},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_start_end": load,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--files", nargs="+", help="IFC files (default: every sample in $TWIN_TEST_SHARED_DATA/ifc)"
    )
    parser.add_argument(
        "--big-mb", type=float, default=100.0, help="generated model size; 0 skips it"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per file; the median is reported"
    )
    parser.add_argument(
        "--threads", type=int, help="geometry threads for both (default: every core)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--peer-child", nargs=2, type=Path, metavar=("IFC", "GLB"), help=argparse.SUPPRESS
    )
    parser.add_argument("--kernel", help=argparse.SUPPRESS)
    parser.add_argument("--exclude", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_child:
        ifc, glb = args.peer_child
        print(json.dumps(peer_convert(ifc, glb, args.threads, args.kernel, args.exclude)))
        return
    with tempfile.TemporaryDirectory(prefix="twin-bench-ifc-") as tmp:
        result = run(args, Path(tmp))
    rows = result["files"]
    assert isinstance(rows, list)
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"written to {args.out}")
    if any("error" in r for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
