"""BIM review benchmark: ``twin review`` of the ~100 MB generated IFC next to ``twin ingest
ifc`` of the same file, each a child process from start to exit (imports and opening the
file included), with the peak RSS of its process tree.

Target: the review adds at most 50% to the ingest time (review s / ingest s <= 0.5) and
stays under 2 GB peak RSS. The review checks a ruleset of every planning condition and an
IDS file (buildingSMART's SimpleBIM example, from the shared sample data, when present).

    python -m bench.bench_review [--big-mb 100] [--out FILE.json]
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

import psutil

from bench.bench_ifc import SAMPLES, Run
from bench.bench_ingest import tree_rss

OUT = Path(__file__).parent / "results" / "review.json"
TARGET_RATIO = 0.5
TARGET_RSS = 2 * 2**30
RULES = """name: bench parcel
site_area_m2: 60000
max_height_m: 60
max_far: 4.0
min_far: 1.0
max_coverage: 0.4
min_green_ratio: 0.3
max_storeys: 18
"""


def measure(cmd: list[str], out: Path) -> Run:
    """Like ``bench_ifc.measure``, but stdout goes to ``out``: a report bigger than a pipe's
    buffer would block the child while nobody reads it."""
    env = {**os.environ, "TWIN_LOG_LEVEL": "INFO"}
    started, start = time.time(), time.perf_counter()
    with out.open("wb") as sink:
        proc = psutil.Popen(cmd, env=env, stdout=sink, stderr=subprocess.PIPE)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc))
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        _, err = proc.communicate()
    return Run(started, round(seconds, 3), peak, proc.returncode, "", err.decode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=float, default=100.0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    from bench.big_ifc import write_big_ifc

    with tempfile.TemporaryDirectory(prefix="twin-bench-review-") as tmp:
        work = Path(tmp)
        generated = write_big_ifc(work / f"big-{args.big_mb:g}mb.ifc", int(args.big_mb * 1e6))
        model = Path(str(generated["path"]))
        rules = work / "rules.yaml"
        rules.write_text(RULES, encoding="utf-8")
        ids = SAMPLES.parent / "ids" / "IDS_SimpleBIM_examples.ids"
        twin = [sys.executable, "-m", "twin.cli.main", "--log-format", "text"]
        ingest = measure(
            [
                *twin,
                "--data-dir",
                str(work / "data"),
                "ingest",
                "ifc",
                str(model),
                "--layer",
                "big",
                "--no-progress",
            ],
            work / "ingest.out",
        )
        review_cmd = [
            *twin,
            "--data-dir",
            str(work / "data"),
            "review",
            str(model),
            "--rules",
            str(rules),
            "--json",
            "--bcf",
            str(work / "review.bcfzip"),
        ]
        if ids.is_file():
            review_cmd += ["--ids", str(ids)]
        review = measure(review_cmd, work / "review.json")
        for name, run in (("ingest", ingest), ("review", review)):
            if run.returncode != 0:
                raise SystemExit(f"{name} failed: {run.stderr[-2000:]}")
        report = json.loads((work / "review.json").read_text(encoding="utf-8"))
    ratio = review.seconds / ingest.seconds
    result: dict[str, Any] = {
        "benchmark": "review_ifc",
        "file": model.name,
        "file_mb": round(float(str(generated.get("bytes", 0))) / 1e6, 1),
        "elements": generated.get("elements_with_body"),
        "ingest_s": ingest.seconds,
        "ingest_peak_rss_mib": round(ingest.peak_rss / 2**20),
        "review_s": review.seconds,
        "review_peak_rss_mib": round(review.peak_rss / 2**20),
        "review_vs_ingest": round(ratio, 3),
        "meets_time_target": ratio <= TARGET_RATIO,
        "meets_rss_target": review.peak_rss <= TARGET_RSS,
        "review_in_process_s": report.get("seconds"),
        "indicators": {
            k: report["indicators"][k]["value"]
            for k in ("counted_floor_area_m2", "far", "height_m", "coverage")
        },
        "rules": {r["key"]: r["status"] for r in report["rules"]},
        "ids": [(s["name"], s["status"], s["applicable"], len(s["failed"])) for s in report["ids"]],
        "targets": {"review_vs_ingest_max": TARGET_RATIO, "review_peak_rss_bytes": TARGET_RSS},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg": os.getloadavg(),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
