"""CQL2 benchmark: a bbox + attribute filter on synthetic buildings in PostGIS.

Loads ``--n`` synthetic buildings (bench/synthetic.py, reprojected to lon/lat)
straight into a fresh PostGIS catalog with ``add_features`` (COPY), then times,
over ``--queries`` random boxes of ``--box-m`` metres:

* ``api``: the service path of ``GET /ogc/collections/{layer}/items`` in process
  (``ogc_items.query_items`` - CQL2 parse, schema check, SQL, count + page - and
  ``items_document``, the GeoJSON bytes), without HTTP;
* ``raw``: the same count + page SQL written by hand, through psycopg.

Target: api p95 <= 20 ms and <= 2x raw p95. Writes bench/results/cql.json.

    python -m bench.bench_cql [--n 1000000] [--queries 200] [--admin-url URL]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely

from bench.synthetic import synthetic_footprints
from scene_api.services import ogc_items
from storage.catalog.postgis import PostGISCatalog
from twin.domain import FeatureRows

OUT = Path(__file__).parent / "results" / "cql.json"
LAYER = "bench_cql"
FILTER = '"use" = \'住宅\' AND "height" > 20'
RAW_WHERE = (
    "f.layer_id = %s AND f.version = %s "
    "AND ST_Intersects(f.footprint, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) "
    "AND f.attributes ->> 'use' = '住宅' AND (f.attributes -> 'height')::float8 > 20"
)


def load(catalog: PostGISCatalog, n: int) -> tuple[int, float]:
    gdf = synthetic_footprints(n).to_crs(4326)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    attrs = [
        json.dumps({"use": u, "height": float(h), "floors": int(f)}, ensure_ascii=False)
        for u, h, f in zip(gdf["use"], gdf["height"], gdf["floors"], strict=True)
    ]
    catalog.ensure_layer(LAYER, kind="buildings", title="bench", crs="EPSG:4326")
    version = catalog.begin_version(LAYER)
    started = time.perf_counter()
    chunk = 100_000
    for lo in range(0, n, chunk):
        part = slice(lo, min(n, lo + chunk))
        g = geoms[part]
        rows = FeatureRows(
            ids=[f"b:{i}" for i in range(part.start, part.stop)],
            classes=["building"] * len(g),
            parent_ids=[None] * len(g),
            attributes_json=attrs[part],
            footprints_wkb=shapely.to_wkb(g).tolist(),
            bboxes=shapely.bounds(g),
            zmin=np.zeros(len(g)),
            zmax=gdf["height"].to_numpy()[part],
            content_keys=[""] * len(g),
        )
        catalog.add_features(LAYER, version, rows)
    w, s, e, n_ = (float(v) for v in shapely.total_bounds(geoms))
    catalog.publish_version(
        LAYER, version, tileset_key="x", bbox=(w, s, e, n_), zmin=0.0, zmax=200.0,
        attribute_schema={"use": "string", "height": "number", "floors": "integer"},
    )  # fmt: skip
    with psycopg.connect(catalog.url, autocommit=True) as conn:
        conn.execute("ANALYZE features")
    return version, time.perf_counter() - started


def boxes(extent: tuple[float, float, float, float], count: int, size_m: float) -> list[Any]:
    rng = np.random.default_rng(7)
    w, s, e, n = extent
    dx, dy = size_m / 102_000.0, size_m / 111_000.0  # metres to degrees near 22.5°N
    west = rng.uniform(w, e - dx, count)
    south = rng.uniform(s, n - dy, count)
    return [
        (float(x), float(y), float(x + dx), float(y + dy)) for x, y in zip(west, south, strict=True)
    ]


def stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
            "mean_ms": float(a.mean())}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--box-m", type=float, default=300.0)
    ap.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    name = f"twin_bench_cql_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    catalog = PostGISCatalog(url)
    try:
        catalog.migrate()
        version, load_s = load(catalog, args.n)
        layer = catalog.get_layer(LAYER)
        assert layer.bbox is not None
        queries = boxes(layer.bbox, args.queries, args.box_m)
        api_ms, raw_ms, matched = [], [], []
        with psycopg.connect(url, autocommit=True) as conn:
            for box in queries[:20]:  # warm both paths (caches, prepared plans)
                params = ogc_items.ItemsParams(
                    bbox=",".join(map(str, box)), filter=FILTER, limit=100
                )
                ogc_items.query_items(catalog, LAYER, params)
                conn.execute(
                    "SELECT count(*) FROM features f WHERE " + RAW_WHERE, (LAYER, version, *box)
                )
            for box in queries:
                params = ogc_items.ItemsParams(
                    bbox=",".join(map(str, box)), filter=FILTER, limit=100
                )
                t0 = time.perf_counter()
                page = ogc_items.query_items(catalog, LAYER, params)
                ogc_items.items_document(
                    page, "http://x/ogc/collections/bench_cql/items", "http://x", LAYER
                )
                api_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    total = conn.execute(
                        "SELECT count(*) FROM features f WHERE " + RAW_WHERE, (LAYER, version, *box)
                    ).fetchone()
                    rows = conn.execute(
                        "SELECT f.id, f.attributes, ST_AsBinary(f.footprint) FROM features f WHERE "
                        + RAW_WHERE + " ORDER BY f.id LIMIT 100", (LAYER, version, *box),
                    ).fetchall()  # fmt: skip
                raw_ms.append((time.perf_counter() - t0) * 1000)
                assert total is not None and int(total[0]) == page.total
                assert len(rows) == len(page.features)
                matched.append(page.total)
        api, raw = stats(api_ms), stats(raw_ms)
        result = {
            "n": args.n, "queries": args.queries, "box_m": args.box_m, "filter": FILTER,
            "path": "service function (ogc_items.query_items + items_document), in process",
            "load_s": load_s, "matched_mean": float(np.mean(matched)),
            "api": api, "raw_sql": raw, "p95_ratio": api["p95_ms"] / raw["p95_ms"],
            "target": {"api_p95_ms": 20.0, "max_ratio": 2.0},
            "meets_target": api["p95_ms"] <= 20.0 and api["p95_ms"] <= 2 * raw["p95_ms"],
            "machine": platform.platform(),
        }  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        catalog.close()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
